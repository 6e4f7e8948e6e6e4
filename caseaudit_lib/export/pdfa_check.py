"""A check of the PDF/A-2u rules the board pack relies on, with pikepdf (no Java, no veraPDF).

veraPDF, the reference PDF/A validator, is a Java program distributed by its own site, not by
PyPI, Debian or npm, so it cannot be installed here. This module checks, for a file that claims
PDF/A-2u, the rules of ISO 19005-2 that a file made by :mod:`caseaudit_lib.export.pdf_engine`
could break: the header and its binary comment, a file identifier, no encryption, XMP metadata
declaring ``pdfaid:part`` 2 and ``conformance`` U and agreeing with the document information
dictionary, an sRGB (three-component ICC) output intent, every font embedded with a
``/ToUnicode`` map, no JavaScript or other actions that run or launch, annotations printable
and not hidden, no embedded files, no LZW, no external streams, no image alternates or
interpolation. It is not a full validator: colour spaces of every operator, transparency
groups, font program internals and XMP schema details are not checked (docs/report.md).

``python -m caseaudit_lib.export.pdfa_check FILE...`` prints one line per problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/ResetForm", "/Sound", "/Movie"}
_EMBEDDED = ("/FontFile", "/FontFile2", "/FontFile3")


def pdfa_problems(path: Path) -> list[str]:
    """Return each PDF/A-2u rule (of those checked) that the file breaks, one line each."""
    import pikepdf

    problems: list[str] = []
    head = Path(path).read_bytes()[:64]
    if not head.startswith(b"%PDF-1.") or head[7:8] not in b"4567":
        problems.append("the header is not %PDF-1.4 to %PDF-1.7")
    second = head.split(b"\n", 2)[1] if head.count(b"\n") >= 2 else b""
    if not (second.startswith(b"%") and sum(byte > 127 for byte in second[1:5]) == 4):
        problems.append("the header is not followed by a comment of four binary bytes")
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            problems.append("the file is encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("the trailer has no file identifier (/ID)")
        problems += _metadata_problems(pdf)
        problems += _intent_problems(pdf.Root)
        problems += _object_problems(pdf)
        names = pdf.Root.get("/Names")
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if names is not None and key in names:
                problems.append(f"the document has {key[1:]}")
    return problems


def _metadata_problems(pdf: object) -> list[str]:
    """Check the XMP identification and its agreement with the information dictionary."""
    root = pdf.Root  # type: ignore[attr-defined]
    if "/Metadata" not in root:
        return ["the catalog has no XMP metadata stream"]
    meta = pdf.open_metadata()  # type: ignore[attr-defined]
    problems = []
    if meta.get("pdfaid:part") != "2":
        problems.append(f"XMP pdfaid:part is {meta.get('pdfaid:part')!r}, not '2'")
    if meta.get("pdfaid:conformance") not in ("U", "A"):
        problems.append(f"XMP pdfaid:conformance is {meta.get('pdfaid:conformance')!r}, not 'U'")
    info = pdf.docinfo  # type: ignore[attr-defined]
    pairs = (("/Title", "dc:title"), ("/Producer", "pdf:Producer"), ("/Creator", "xmp:CreatorTool"))
    for key, xmp_key in pairs:
        if key in info and str(info[key]) != str(meta.get(xmp_key, "")):
            problems.append(f"the information dictionary's {key[1:]} disagrees with XMP {xmp_key}")
    return problems


def _intent_problems(root: object) -> list[str]:
    """Check for a PDF/A output intent with an RGB ICC profile (the report is sRGB)."""
    intents = [i for i in root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1"]  # type: ignore[attr-defined]
    if not intents:
        return ["there is no PDF/A output intent (/GTS_PDFA1)"]
    profile = intents[0].get("/DestOutputProfile")
    if profile is None or int(profile.get("/N", 0)) != 3:
        return ["the output intent has no three-component (RGB) ICC profile"]
    return []


def _object_problems(pdf: object) -> list[str]:
    """Check every object: fonts embedded and mapped to Unicode, annotations, actions, streams."""
    import pikepdf

    problems: set[str] = set()
    for obj in pdf.objects:  # type: ignore[attr-defined]
        if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            continue
        kind = obj.get("/Type")
        if kind == "/Font" and obj.get("/Subtype") not in ("/CIDFontType0", "/CIDFontType2"):
            problems.update(_font_problems(obj))
        elif kind == "/Annot":
            flags = int(obj.get("/F", 0))
            if not flags & 4 or flags & 2 or flags & 1:
                problems.add(f"a {obj.get('/Subtype')} annotation is hidden or not printable")
        if obj.get("/S") in FORBIDDEN_ACTIONS:
            problems.add(f"an action of kind {obj.get('/S')} (not allowed in PDF/A)")
        if "/JS" in obj:
            problems.add("JavaScript in an action")
        if "/AA" in obj:
            problems.add("additional actions (/AA), which run on events")
        if isinstance(obj, pikepdf.Stream):
            filters = obj.get("/Filter")
            names = (
                [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
            )
            if "/LZWDecode" in names:
                problems.add("a stream is LZW-compressed")
            if "/F" in obj:
                problems.add("a stream's content is in an external file")
            if obj.get("/Subtype") == "/Image" and (
                "/Alternates" in obj or obj.get("/Interpolate") is True
            ):
                problems.add("an image has alternates or interpolation")
    return sorted(problems)


def _font_problems(font: object) -> list[str]:
    """Check one font: its program embedded (Type 3 glyphs are in the file) and a ToUnicode."""
    name = str(font.get("/BaseFont", font.get("/Subtype")))  # type: ignore[attr-defined]
    problems = []
    if "/ToUnicode" not in font:  # type: ignore[operator]
        problems.append(f"font {name} has no ToUnicode map")
    subtype = font.get("/Subtype")  # type: ignore[attr-defined]
    if subtype == "/Type3":
        return problems
    described = font.DescendantFonts[0] if subtype == "/Type0" else font  # type: ignore[attr-defined]
    descriptor = described.get("/FontDescriptor")
    if descriptor is None or not any(key in descriptor for key in _EMBEDDED):
        problems.append(f"font {name} is not embedded")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check each file named; print its problems; return 1 if any file has one."""
    status = 0
    for name in argv if argv is not None else sys.argv[1:]:
        problems = pdfa_problems(Path(name))
        for problem in problems:
            print(f"{name}: {problem}")
        status = status or int(bool(problems))
        if not problems:
            print(f"{name}: the PDF/A-2u rules checked all hold")
    return status


if __name__ == "__main__":
    sys.exit(main())
