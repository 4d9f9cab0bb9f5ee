"""The labelled set of chat messages (messages_fr.jsonl, messages_en.jsonl) and how the scam
warnings score on it: per flag and language, true and false positives, misses, precision and
recall. `python tests/trust/scam_set.py` prints the table of docs/messaging.md ("Scam
warnings"); `--errors` lists every miss and false alarm.
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


if __name__ == "__main__":
    for name, files in (("development", FILES), ("held-out", (HELD_OUT,))):
        rows = load(files)
        scores = measure(rows)
        innocent = sum(not r.flags for r in rows)
        print(f"\n{name}: {len(rows)} messages ({innocent} without any flag)\n")
        print(table(scores))
        if "--errors" in sys.argv:
            for flag in WarningFlag:
                for error in scores[(flag, "all")].errors:
                    print(flag.value, error)
