"""The detector measured on the labelled corpus: recall by kind and clean comments altered."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from caseaudit_lib.privacy.evaluation import MAX_CLEAN_ALTERED, TARGETS, evaluate, read_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "privacy" / "comments.jsonl"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_privacy_corpus", ROOT / "scripts" / "make_privacy_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_corpus_is_large_enough_and_labelled():
    rows = read_corpus(CORPUS)
    labelled = [r for r in rows if r["details"]]
    clean = [r for r in rows if not r["details"]]
    assert len(labelled) >= 300 and len(clean) >= 150
    kinds = {d["kind"] for r in labelled for d in r["details"]}
    assert kinds == set(TARGETS)
    for row in labelled:
        for d in row["details"]:
            assert row["text"][d["start"] : d["end"]].strip() == row["text"][d["start"] : d["end"]]


def test_the_committed_corpus_is_what_the_seeded_script_writes():
    expected = [json.dumps(r, ensure_ascii=False) for r in _generator().build()]
    assert CORPUS.read_text(encoding="utf-8").splitlines() == expected


def test_the_detector_meets_its_targets():
    result = evaluate(read_corpus(CORPUS))
    assert result.below_target() == [], result.table()
    assert result.altered_share <= MAX_CLEAN_ALTERED


def test_the_evaluation_can_fail():
    # A detector that finds nothing misses every planted detail; one that withholds
    # everything alters every clean comment.
    class Nothing:
        def spans(self, text):
            return []

    class Everything:
        def spans(self, text):
            return [(0, len(text), "name")]

    rows = read_corpus(CORPUS)
    assert len(evaluate(rows, Nothing()).below_target()) == len(TARGETS)
    assert any("clean" in line for line in evaluate(rows, Everything()).below_target())
