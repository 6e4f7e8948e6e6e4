"""The answer vocabulary of an audit, and turning auditors' spellings into it.

An auditor may write "Yes", "y", "TRUE", 1 or "sufficient" for the same judgement, and Excel
may hand a ticked box back as ``True`` or a typed 1 as ``1.0``. Everything is folded into four
levels, kept as a pandas Categorical so that counts list every level even when one is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUFFICIENT = "sufficient"
NOT_SUFFICIENT = "not sufficient"
NOT_APPLICABLE = "not applicable"
NOT_ANSWERED = "not answered"

ANSWER_LEVELS: tuple[str, ...] = (SUFFICIENT, NOT_SUFFICIENT, NOT_APPLICABLE, NOT_ANSWERED)
ANSWER_DTYPE = pd.CategoricalDtype(list(ANSWER_LEVELS), ordered=False)

# Keys are lower-cased and trimmed. "1.0"/"0.0" and "true"/"false" are what spreadsheets give
# back for numbers and ticked boxes once read as text.
SPELLINGS: dict[str, str] = {
    **dict.fromkeys(["yes", "y", "true", "1", "1.0", "sufficient"], SUFFICIENT),
    **dict.fromkeys(
        ["no", "n", "false", "0", "0.0", "not sufficient", "insufficient"], NOT_SUFFICIENT
    ),
    **dict.fromkeys(["n/a", "na", "n.a.", "not applicable"], NOT_APPLICABLE),
    "": NOT_ANSWERED,
}

EXPECTED_ANSWER = "yes/no (or y/n, true/false, 1/0, sufficient/not sufficient), n/a, or blank"


def normalise_answers(raw: pd.Series | np.ndarray) -> pd.Categorical:
    """Return the answer levels of raw answer texts; unknown spellings become missing (NaN).

    Args:
        raw: Answer cells as text ("" for an empty cell). Missing values count as blank.

    Returns:
        A Categorical over ``ANSWER_LEVELS`` of the same length, NaN where a spelling is unknown.

    """
    values = np.asarray(raw, dtype=object)
    # Factorise first: an audit has a handful of distinct spellings among many thousands of
    # cells, so only the distinct ones are folded and looked up.
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    folded = pd.Index(uniques, dtype=object).fillna("").astype(str).str.strip().str.lower()
    levels = folded.map(SPELLINGS)
    level_codes = pd.Categorical(levels, dtype=ANSWER_DTYPE).codes
    return pd.Categorical.from_codes(level_codes[codes], dtype=ANSWER_DTYPE)
