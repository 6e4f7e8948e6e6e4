"""The detector measured on labelled comments: recall by kind, and clean comments altered.

The labelled corpus is ``tests/data/privacy/comments.jsonl`` (written by
``scripts/make_privacy_corpus.py``); ``scripts/privacy_recall.py`` prints the figures and
``tests/test_privacy_corpus.py`` fails below the targets. A planted detail counts as found when
every one of its characters is withheld (by whatever kind of hit: a postcode inside an address
is found); a clean comment counts as altered when anything in it is withheld.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from caseaudit_lib.privacy.detector import Detector

# Recall targets by kind; the patterned kinds at 0.99, names at 0.95 (issue 19).
TARGETS = {
    "name": 0.95, "date": 0.99, "postcode": 0.99, "address": 0.99, "phone": 0.99,
    "email": 0.99, "nhs": 0.99, "ni": 0.99, "reference": 0.99,
}  # fmt: skip
MAX_CLEAN_ALTERED = 0.02


@dataclass
class Evaluation:
    """Recall by kind of planted detail, and the clean comments the detector altered."""

    found: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    missed: list[tuple[str, str]] = field(default_factory=list)  # (comment id, kind)
    clean: int = 0
    altered: list[str] = field(default_factory=list)  # ids of clean comments altered

    def recall(self, kind: str) -> float:
        """Return the share of planted details of a kind that were withheld."""
        return self.found.get(kind, 0) / self.planted[kind] if self.planted.get(kind) else 1.0

    @property
    def altered_share(self) -> float:
        """Return the share of clean comments in which anything was withheld."""
        return len(self.altered) / self.clean if self.clean else 0.0

    def below_target(self) -> list[str]:
        """Return a line per figure below its target (empty when all are met)."""
        out = [
            f"{kind}: recall {self.recall(kind):.3f} < {target}"
            for kind, target in TARGETS.items()
            if kind in self.planted and self.recall(kind) < target
        ]
        if self.altered_share > MAX_CLEAN_ALTERED:
            out.append(f"clean comments altered {self.altered_share:.3f} > {MAX_CLEAN_ALTERED}")
        return out

    def table(self) -> str:
        """Return the figures as a plain-text table."""
        lines = [f"{'kind':<10} {'planted':>7} {'found':>6} {'recall':>7}  target"]
        for kind in sorted(self.planted):
            lines.append(
                f"{kind:<10} {self.planted[kind]:>7} {self.found.get(kind, 0):>6} "
                f"{self.recall(kind):>7.3f}  {TARGETS.get(kind, '')}"
            )
        lines.append(
            f"clean comments altered: {len(self.altered)} of {self.clean} "
            f"({self.altered_share:.1%}; target at most {MAX_CLEAN_ALTERED:.0%})"
        )
        return "\n".join(lines)


def read_corpus(path: Path) -> list[dict]:
    """Return the labelled comments of a JSON-lines corpus file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(rows: Iterable[dict], detector: Detector | None = None) -> Evaluation:
    """Return the detector's recall by kind and clean comments altered, on labelled comments."""
    detector = detector or Detector()
    result = Evaluation()
    for row in rows:
        text, details = row["text"], row["details"]
        covered = set()
        for start, end, _ in detector.spans(text):
            covered.update(range(start, end))
        if not details:
            result.clean += 1
            if covered:
                result.altered.append(row["id"])
            continue
        for d in details:
            kind = d["kind"]
            result.planted[kind] = result.planted.get(kind, 0) + 1
            if all(i in covered for i in range(d["start"], d["end"])):
                result.found[kind] = result.found.get(kind, 0) + 1
            else:
                result.missed.append((row["id"], kind))
    return result
