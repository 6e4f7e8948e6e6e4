"""Characters that cannot be seen, or pass for others: zero-width spaces, non-breaking spaces.

Text pasted from a web page or a case management system may carry a zero-width space (U+200B),
a byte-order mark (U+FEFF), a non-breaking space (U+00A0) or a direction mark. In a case id
they make two cases that look the same ("A01" and "A01" with a U+200B), in an answer a "Yes"
that is not one. Such a cell is an error naming the cell and each character by its code point
and Unicode name, so the analyst can find it with the spreadsheet's search.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# Format (Cf) and control (Cc) characters, separators other than the plain space (Zs, Zl, Zp),
# and letters that draw as blanks (Hangul fillers, the blank Braille pattern).
_HIDDEN = re.compile(
    "[\u0000-\u001f\u007f-\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180e"
    "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff0-\ufffb]"
)


def hidden_characters(text: str) -> list[str]:
    """Return the invisible or look-alike characters of a text, each once, in order."""
    return list(dict.fromkeys(_HIDDEN.findall(text)))


def without_hidden(text: str) -> str:
    """Return a text with its invisible and look-alike characters taken out."""
    return _HIDDEN.sub("", text)


def describe_characters(chars: list[str]) -> str:
    """Return characters as code points with their Unicode names: "U+200B (ZERO WIDTH SPACE)"."""
    return ", ".join(
        f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})" for ch in chars
    )


def hidden_in(values: pd.Series) -> pd.Series:
    """Return, for a column of texts, whether each holds an invisible or look-alike character."""
    return values.astype(str).str.contains(_HIDDEN)


def hidden_message(what: str, text: str) -> str:
    """Return the message of a cell of ``what`` (a case_id...) holding invisible characters."""
    return (
        f"{what} holds an invisible or look-alike character: "
        f"{describe_characters(hidden_characters(text))}; retype the cell"
    )
