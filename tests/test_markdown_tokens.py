"""Findings Markdown read by a CommonMark parser: what the format drops is named, the rest kept."""

from __future__ import annotations

import pytest

from caseaudit_lib.findings.findings import load_findings
from caseaudit_lib.findings.markdown_tokens import clean
from caseaudit_lib.findings.sanitise import clean_markdown


@pytest.mark.parametrize(
    ("text", "kept", "what"),
    [
        # the inner link is javascript: dropped, its text kept; the outer brackets are text
        ("[[x](javascript:alert(1))](http://e)", r"\[x\](http://e)", "a javascript: link"),
        # an image inside a link: the image dropped (alt text kept), the link kept
        ("[![a](http://e/x.png)](http://e)", "[a](http://e)", "an image"),
        ("see <javascript:alert(1)> here", "see  here", "a javascript: link"),
        ("[x](&#106;avascript:alert(1))", "x", "a javascript: link"),
        ("[x](jav&#x61;script:alert(1))", "x", "a javascript: link"),
        ("[x][r]\n\n[r]: javascript:alert(1)", "x", "a javascript: link"),
        ("[x](vbscript:msgbox)", "x", "a vbscript: link"),
    ],
)
def test_what_the_format_does_not_allow_is_dropped_and_named(text, kept, what):
    cleaned, drops = clean(text)
    assert cleaned == kept
    assert any(d.what.startswith(what) for d in drops), drops
    assert "javascript" not in cleaned.lower() and "<" not in cleaned


def test_a_drop_names_its_line_within_the_text():
    _, drops = clean("First line.\nSecond has <b>bold</b>.\n\n![img](http://e/x.png)")
    assert [(d.what, d.line) for d in drops] == [
        ("raw HTML <b>", 1),
        ("raw HTML <b>", 1),
        ("an image (not part of the findings format)", 3),
    ]


def test_text_around_a_drop_reads_back_the_same():
    cleaned, _ = clean("A *b* and **c**, `d`, 5 < 6, [ok](https://a.org) <i>x</i>")
    assert cleaned == "A *b* and **c**, `d`, 5 &lt; 6, [ok](https://a.org) x"
    assert clean_markdown(cleaned) == (cleaned, [])


def test_markdown_findings_with_nested_links_build_with_warnings(tmp_path):
    path = tmp_path / "findings.md"
    path.write_text(
        "## Background\n\nFine.\n\n"
        "Nested [[x](javascript:alert(1))](http://e) and [![a](http://e/x.png)](http://e).\n",
        encoding="utf-8",
    )
    findings = load_findings(path)
    assert findings.background[1] == r"Nested \[x\](http://e) and [a](http://e)."
    said = [str(w) for w in findings.warnings]
    assert len(said) == 2 and all(": line 5: warning" in s for s in said)
    assert any("javascript: link" in s for s in said) and any("image" in s for s in said)
