import numpy as np
import pandas as pd
import pytest

from caseaudit_lib.load.answers import (
    ANSWER_DTYPE,
    ANSWER_LEVELS,
    NOT_ANSWERED,
    NOT_APPLICABLE,
    NOT_SUFFICIENT,
    SUFFICIENT,
    normalise_answers,
)

SPELLINGS = {
    SUFFICIENT: ["yes", "Yes", "YES", " y ", "Y", "true", "TRUE", "True", "1", "1.0", "sufficient",
                 "Sufficient "],
    NOT_SUFFICIENT: ["no", "No", "n", "N", "false", "FALSE", "0", "0.0", "not sufficient",
                     "Not Sufficient", "insufficient", "INSUFFICIENT"],
    NOT_APPLICABLE: ["n/a", "N/A", "N/a", "na", "NA", "Na", "n.a.", "N.A.", "not applicable",
                     " Not applicable "],
    NOT_ANSWERED: ["", " ", "\t"],
}  # fmt: skip


def test_levels_in_contract_order():
    assert ANSWER_LEVELS == ("sufficient", "not sufficient", "not applicable", "not answered")
    assert list(ANSWER_DTYPE.categories) == list(ANSWER_LEVELS)


@pytest.mark.parametrize(
    ("spelling", "level"), [(s, level) for level, spellings in SPELLINGS.items() for s in spellings]
)
def test_every_spelling(spelling, level):
    result = normalise_answers(pd.Series([spelling]))
    assert list(result.astype(object)) == [level]


@pytest.mark.parametrize("spelling", ["maybe", "yes!", "2", "0.5", "partly", "n / a", "nope"])
def test_unknown_spellings_are_missing(spelling):
    result = normalise_answers(np.array([spelling, "yes"], dtype=object))
    assert pd.isna(result[0])
    assert result[1] == SUFFICIENT


def test_many_cells_keep_order_and_categorical_dtype():
    raw = pd.Series(["Yes", "no", "N/A", "", "huh", "TRUE", None] * 3)
    result = normalise_answers(raw)
    assert result.dtype == ANSWER_DTYPE
    expected = [SUFFICIENT, NOT_SUFFICIENT, NOT_APPLICABLE, NOT_ANSWERED, None, SUFFICIENT,
                NOT_ANSWERED] * 3  # fmt: skip
    assert [None if pd.isna(v) else v for v in result.astype(object)] == expected
    counts = pd.Series(result).value_counts()
    assert counts[SUFFICIENT] == 6 and counts[NOT_APPLICABLE] == 3


def test_empty_input():
    assert len(normalise_answers(np.array([], dtype=object))) == 0
