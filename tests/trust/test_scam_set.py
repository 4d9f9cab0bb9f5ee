"""Precision and recall of each warning on the labelled sets (tests/trust/*.jsonl).

The floors are what the rules reach (docs/messaging.md, "Scam warnings"), a little below so
that a new honest example does not break the build, but a regression does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scam_set import FILES, SETS, load, measure

from c2c_api.trust.warnings import WarningFlag

FLOORS = {
    WarningFlag.EMAIL_ADDRESS: (0.95, 0.95),
    WarningFlag.PHONE_NUMBER: (0.95, 0.95),
    WarningFlag.IBAN: (0.95, 0.95),
    WarningFlag.EXTERNAL_APP_LINK: (0.95, 0.95),
    WarningFlag.OFF_PLATFORM: (0.95, 0.90),
}
# The second held-out set's one e-mail address nobody could read back ("mon gmail c'est
# nathan point lefevre 1998, tout attaché"): 8 of 9.
SET_FLOORS = {("held-out 2", WarningFlag.EMAIL_ADDRESS): (0.95, 0.85)}


def test_the_set_is_large_balanced_and_bilingual() -> None:
    rows = load(FILES)
    assert len(rows) >= 240
    innocent = [r for r in rows if not r.flags]
    assert 0.4 <= len(innocent) / len(rows) <= 0.6
    assert {r.lang for r in rows} == {"fr", "en"}
    for lang in ("fr", "en"):
        assert sum(r.lang == lang for r in rows) >= 100
    for flag in WarningFlag:
        for lang in ("fr", "en"):
            assert sum(flag in r.flags and r.lang == lang for r in rows) >= 5, (flag, lang)


@pytest.mark.parametrize("flag", list(WarningFlag))
@pytest.mark.parametrize(("name", "files"), SETS, ids=[name for name, _ in SETS])
def test_precision_and_recall_reach_their_floors(
    flag: WarningFlag, name: str, files: tuple[Path, ...]
) -> None:
    score = measure(load(files))[(flag, "all")]
    precision, recall = SET_FLOORS.get((name, flag), FLOORS[flag])
    assert score.precision >= precision, score.errors
    assert score.recall >= recall, score.errors
