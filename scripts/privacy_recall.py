"""Print the personal-details detector's recall by kind and the clean comments it alters.

Run: .venv/bin/python scripts/privacy_recall.py [--show-missed]
(on tests/data/privacy/comments.jsonl; exit 1 when a figure is below its target)
"""

from __future__ import annotations

import sys
from pathlib import Path

from caseaudit_lib.privacy.evaluation import evaluate, read_corpus

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy" / "comments.jsonl"


def main() -> int:
    rows = read_corpus(CORPUS)
    result = evaluate(rows)
    print(result.table())
    if "--show-missed" in sys.argv:  # synthetic comments: safe to print
        by_id = {r["id"]: r for r in rows}
        for row_id, kind in result.missed:
            print(f"missed {kind:<10} {row_id}: {by_id[row_id]['text']}")
        for row_id in result.altered:
            print(f"altered clean {row_id}: {by_id[row_id]['text']}")
    below = result.below_target()
    for line in below:
        print("below target:", line)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
