"""The labelled set of chat messages (messages_fr.jsonl, messages_en.jsonl) and how the scam
warnings score on it: per flag and language, true and false positives, misses, precision and
recall. `python tests/trust/scam_set.py` prints the table of docs/messaging.md ("Scam
warnings"); `--errors` lists every miss and false alarm, `--speed` times full-length messages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from c2c_api.trust.warnings import WarningFlag, scan_message

HERE = Path(__file__).parent
FILES = (HERE / "messages_fr.jsonl", HERE / "messages_en.jsonl")
# Written after the rules were first frozen, measured once as it was (docs/messaging.md).
HELD_OUT = HERE / "messages_heldout.jsonl"
# Written by someone who had read neither the rules nor the other sets, measured once as it
# was (docs/messaging.md, "A second held-out set").
HELD_OUT_2 = HERE / "messages_heldout2.jsonl"
SETS = (("development", FILES), ("held-out", (HELD_OUT,)), ("held-out 2", (HELD_OUT_2,)))


@dataclass(frozen=True)
class Labelled:
    line: str  # file:line
    lang: str
    text: str
    flags: frozenset[WarningFlag]


def load(files: Iterable[Path] = FILES) -> list[Labelled]:
    rows = []
    for path in files:
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if raw.strip():
                item = json.loads(raw)
                rows.append(
                    Labelled(
                        f"{path.name}:{number}",
                        item["lang"],
                        item["text"],
                        frozenset(WarningFlag(f) for f in item["flags"]),
                    )
                )
    return rows


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def measure(rows: Iterable[Labelled]) -> dict[tuple[WarningFlag, str], Score]:
    """Scores per (flag, language), language "all" included; a message counts once per flag."""
    scores: dict[tuple[WarningFlag, str], Score] = {}
    for row in rows:
        found = {w.flag for w in scan_message(row.text)}
        for flag in WarningFlag:
            for lang in (row.lang, "all"):
                score = scores.setdefault((flag, lang), Score())
                if flag in found and flag in row.flags:
                    score.tp += 1
                elif flag in found:
                    score.fp += 1
                    score.errors.append(f"FP {row.line} {row.text}")
                elif flag in row.flags:
                    score.fn += 1
                    score.errors.append(f"FN {row.line} {row.text}")
    return scores


def table(scores: dict[tuple[WarningFlag, str], Score]) -> str:
    lines = [
        "| flag | language | TP | FP | FN | precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for flag in WarningFlag:
        for lang in ("fr", "en", "all"):
            s = scores[(flag, lang)]
            lines.append(
                f"| {flag.value} | {lang} | {s.tp} | {s.fp} | {s.fn} | "
                f"{s.precision:.2f} | {s.recall:.2f} |"
            )
    return "\n".join(lines)


SPEED_TEXTS = {
    "French chat": "Bonjour, le vélo est toujours dispo ? Je passe samedi à 14h30, 75011 Paris. ",
    "English chat": "Hi, is the bike still available? I can come on Saturday at 2:30pm, size 42. ",
    "scam, every flag": (
        "Contacte-moi sur WhatsApp au 06 12 34 56 78 ou jean.dupont@gmail.com, virement sur "
        "FR76 3000 6000 0112 3456 7890 189. "
    ),
    "digits only": "0612345678 ",
    "IBAN prefixes": "FR76 ",
    "spelled-out digits": "zero six douze ",
}


def speed(runs: int = 30) -> str:
    """Times to scan each text repeated to MAX_MESSAGE_LENGTH characters (fastest: the least
    disturbed by other work on the machine)."""
    import statistics
    import time

    from c2c_api.trust.warnings import MAX_MESSAGE_LENGTH

    lines = ["| 4,000 characters of | fastest | median | slowest |", "|---|---:|---:|---:|"]
    for name, unit in SPEED_TEXTS.items():
        text = (unit * MAX_MESSAGE_LENGTH)[:MAX_MESSAGE_LENGTH]
        scan_message(text)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            scan_message(text)
            times.append((time.perf_counter() - start) * 1000)
        lines.append(
            f"| {name} | {min(times):.1f} ms | {statistics.median(times):.1f} ms "
            f"| {max(times):.1f} ms |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    for name, files in SETS:
        rows = load(files)
        scores = measure(rows)
        innocent = sum(not r.flags for r in rows)
        print(f"\n{name}: {len(rows)} messages ({innocent} without any flag)\n")
        print(table(scores))
        if "--errors" in sys.argv:
            for flag in WarningFlag:
                for error in scores[(flag, "all")].errors:
                    print(flag.value, error)
    if "--speed" in sys.argv:
        print()
        print(speed())
