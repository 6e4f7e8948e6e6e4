"""Write the hostile-input corpus: broken, awkward and malicious inputs, and their manifest.

Run from anywhere: ``.venv/bin/python tests/data/hostile/make_corpus.py``. It rewrites every
file under ``tests/data/hostile/`` (except this script) and ``manifest.yaml``, which says for
each input the command it is given to, the exit status expected and the text (a cell, a key, a
line) its message must name. ``tests/test_hostile.py`` runs them through the real ``caseaudit``
command. Paths in the params files are relative to this folder, the project root of the runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import yaml

HERE = Path(__file__).resolve().parent
FRAMEWORK = "frameworks/mini.yaml"
HEADER = ["case_id", "auditor", "case_type", "Q1", "Q1_comment", "Q2", "Q3"]
ROWS = [
    ["C01", "Auditor A", "YRO", "Yes", "Asset done on day 12", "No", "N/A"],
    ["C02", "Auditor B", "RO", "No", "", "Yes", "Yes"],
    ["C03", "Auditor A", "YRO", "Yes", "", "Yes", "No"],
]
HOSTILE = [
    '<script>alert("x")</script>',
    "[click](javascript:alert(6))",
    "<img src=x onerror=alert(1)>",
    "[x](data:text/html,<b>hi</b>)",
]

MINI_FRAMEWORK = {
    "id": "mini",
    "title": "Three questions for the hostile corpus",
    "version": "1.0",
    "source": "tests/data/hostile/make_corpus.py",
    "scoring": "pooled",
    "case_types": [
        {"id": "yro", "label": "Youth rehabilitation order", "aliases": ["YRO"]},
        {"id": "referral_order", "label": "Referral order", "aliases": ["RO"]},
    ],
    "bands": [
        {"label": "Good", "min_pct": 65, "points": 2},
        {"label": "Inadequate", "min_pct": 0, "points": 0},
    ],
    "themes": [
        {
            "id": "assessments",
            "name": "Assessments",
            "questions": [
                {"id": "Q1", "text": "Was the assessment on time?"},
                {"id": "Q2", "text": "Was the plan sound?"},
            ],
        },
        {
            "id": "planning",
            "name": "Planning",
            "questions": [{"id": "Q3", "text": "Was the plan reviewed?", "applies_to": ["yro"]}],
        },
    ],
}

entries: list[dict[str, Any]] = []


def add(name: str, command: str, target: str, status: int, names: list[str], **extra: Any) -> None:
    """Record one input of the manifest."""
    entries.append(
        {"id": name, "command": command, "input": target, "status": status, "names": names} | extra
    )


def csv_file(name: str, rows: list[list[str]], *, sep: str = ",", encoding: str = "utf-8") -> str:
    """Write a csv file under data/ and return its path relative to the corpus."""
    path = HERE / "data" / name
    text = "\n".join(sep.join(row) for row in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return f"data/{name}"


def xlsx_file(name: str, sheets: list[tuple[str, list[list[Any]], str]]) -> str:
    """Write a workbook of (sheet name, rows, state) under data/ and return its path."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    if all(state != "visible" for _, _, state in sheets):
        # openpyxl will not save a workbook with no visible sheet; add an empty notes sheet.
        book.create_sheet("Notes")
    path = HERE / "data" / name
    book.save(path)
    return f"data/{name}"


def with_cell(row: int, col: int, value: Any) -> list[list[Any]]:
    """Return the good rows (header first) with one cell replaced."""
    rows = [list(HEADER), *[list(r) for r in ROWS]]
    rows[row][col] = value
    return rows


def data_files() -> None:
    """Scoring files given to ``caseaudit validate``."""
    good = [HEADER, *ROWS]
    add("csv-good", "validate", csv_file("good.csv", good), 0, [])
    add("csv-semicolon", "validate", csv_file("semicolon.csv", good, sep=";"), 0, [])
    add("csv-bom", "validate", csv_file("bom.csv", good, encoding="utf-8-sig"), 0, [])
    add(
        "csv-unknown-answer",
        "validate",
        csv_file("answer.csv", with_cell(2, 3, "Maybe")),
        2,
        ["D3", "Maybe"],
    )
    add("csv-blank-case-id", "validate", csv_file("blank_id.csv", with_cell(1, 0, "")), 2, ["A2"])
    add(
        "csv-unknown-case-type",
        "validate",
        csv_file("type.csv", with_cell(3, 2, "Bail")),
        2,
        ["C4"],
    )
    add(
        "csv-unknown-question",
        "validate",
        csv_file("question.csv", with_cell(0, 6, "Q9")),
        2,
        ["G1", "Q9"],
    )
    dup = [HEADER, ROWS[0], ROWS[1], ROWS[0]]
    add("csv-duplicate-case", "validate", csv_file("duplicate.csv", dup), 2, ["A4"])
    no_auditor = [[c for i, c in enumerate(r) if i != 1] for r in good]
    add("csv-no-auditor", "validate", csv_file("no_auditor.csv", no_auditor), 2, ["auditor"])
    add("csv-no-header", "validate", csv_file("no_header.csv", ROWS), 2, ["case_id"])
    add("csv-empty", "validate", csv_file("empty.csv", [[""]]), 2, ["empty"])
    latin = [HEADER, ["C01", "Aud\u00eftor", "YRO", "Yes", "", "No", "N/A"]]
    add("csv-latin1", "validate", csv_file("latin1.csv", latin, encoding="latin-1"), 2, ["UTF-8"])
    add(
        "csv-excel-error-text",
        "validate",
        csv_file("na_text.csv", with_cell(1, 5, "#N/A")),
        2,
        ["F2", "Excel error #N/A"],
    )
    add("csv-blank-form", "validate", csv_file("blank_form.csv", [HEADER]), 0, ["no cases yet"])
    add(
        "csv-hostile-text",
        "validate",
        csv_file("hostile_text.csv", with_cell(1, 4, HOSTILE[0].replace('"', "'"))),
        0,
        [],
    )
    long = [
        ["case_id", "auditor", "case_type", "question_id", "answer"],
        ["C01", "A", "YRO", "Q1", "Yes"],
        ["C01", "A", "YRO", "Q4", "No"],
    ]
    add("csv-long-unknown-question", "validate", csv_file("long.csv", long), 2, ["D3", "Q4"])
    (HERE / "data" / "notes.txt").write_text("not a scoring file\n")
    add("txt-extension", "validate", "data/notes.txt", 2, ["unsupported extension"])
    (HERE / "data" / "corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    add("xlsx-corrupt", "validate", "data/corrupt.xlsx", 2, ["corrupt"])

    good_rows = [HEADER, *ROWS]
    draft = [HEADER, ["D01", "Old", "YRO", "Maybe", "", "", ""]]
    add("xlsx-good", "validate", xlsx_file("good.xlsx", [("Answers", good_rows, "visible")]), 0, [])
    add(
        "xlsx-hidden-draft-first",
        "validate",
        xlsx_file(
            "hidden_draft.xlsx", [("Draft", draft, "hidden"), ("Answers", good_rows, "visible")]
        ),
        0,
        ["'Answers'", "'Draft' (hidden)"],
    )
    add(
        "xlsx-very-hidden-draft",
        "validate",
        xlsx_file(
            "very_hidden.xlsx", [("Old", draft, "veryHidden"), ("Data", good_rows, "visible")]
        ),
        0,
        ["'Data'", "'Old' (very hidden)"],
    )
    add(
        "xlsx-only-hidden",
        "validate",
        xlsx_file("only_hidden.xlsx", [("Answers", good_rows, "hidden")]),
        0,
        ["hidden sheet 'Answers'"],
    )
    add(
        "xlsx-two-visible",
        "validate",
        xlsx_file(
            "two_visible.xlsx", [("Copy", draft, "visible"), ("Answers", good_rows, "visible")]
        ),
        0,
        ["sheet 'Answers'", "'Copy'"],
    )
    guide = [["Read me first"], ["One row per case."]]
    add(
        "xlsx-guidance-first",
        "validate",
        xlsx_file(
            "guidance.xlsx", [("Guidance", guide, "visible"), ("Sheet2", good_rows, "visible")]
        ),
        0,
        [],
    )
    for code, cell, row, col in (
        ("#N/A", "D2", 1, 3),
        ("#REF!", "F3", 2, 5),
        ("#DIV/0!", "G4", 3, 6),
        ("#VALUE!", "D4", 3, 3),
        ("#NAME?", "E2", 1, 4),
    ):
        slug = code.strip("#!?/").replace("/", "").lower()
        add(
            f"xlsx-error-{slug}",
            "validate",
            xlsx_file(f"error_{slug}.xlsx", [("Answers", with_cell(row, col, code), "visible")]),
            2,
            [f"Answers!{cell}", f"Excel error {code}"],
        )
    add(
        "xlsx-formula-unsaved",
        "validate",
        xlsx_file("formula.xlsx", [("Answers", with_cell(2, 5, '=IF(1,"Yes","No")'), "visible")]),
        2,
        ["Answers!F3", "formula with no saved value"],
    )
    header_low = [["Scoring form"], ["Fill one row per case"], *good_rows]
    add(
        "xlsx-header-row-3",
        "validate",
        xlsx_file("header_row3.xlsx", [("Answers", header_low, "visible")]),
        0,
        [],
    )


def inputs_as_they_arrive() -> None:
    """The second corpus (issue 21): floods of problems, hidden characters, a locked workbook.

    ``max_lines`` bounds the lines printed on stdout (problems are summarised); ``args`` and
    ``env`` are added to the command and its environment.
    """
    extra = [f"extra{i}" for i in range(1, 16001)]
    stray = [[*HEADER, *extra], *[list(r) + [""] * len(extra) for r in ROWS]]
    add(
        "xlsx-16000-stray-columns",
        "validate",
        xlsx_file("stray_columns.xlsx", [("Answers", stray, "visible")]),
        2,
        ["16000 unknown question ids", "Answers!H1", "'extra1', 'extra2', 'extra3'"],
        max_lines=3,
    )
    headerless = [[*HEADER, *[""] * 300], *[list(r) + ["x"] * 300 for r in ROWS]]
    add(
        "csv-300-headerless-columns",
        "validate",
        csv_file("headerless_columns.csv", headerless),
        0,
        ["300 columns without a header are ignored", "H1"],
        max_lines=3,
    )
    invalid = [HEADER] + [
        [f"C{i:03}", "Auditor A", "YRO", "Maybe", "", "Partly", "Perhaps"] for i in range(1, 301)
    ]
    add(
        "csv-every-answer-invalid",
        "validate",
        csv_file("every_answer_invalid.csv", invalid),
        2,
        ["880 more 'unknown answer' problem(s)", "the first at G8"],
        max_lines=25,
    )
    add(
        "csv-every-answer-invalid-all",
        "validate",
        "data/every_answer_invalid.csv",
        2,
        ["D301", "G301"],
        args=["--all"],
    )
    twins = [HEADER, ROWS[0], ["C01​", *ROWS[0][1:]], ROWS[1]]
    add(
        "csv-zero-width-space-id",
        "validate",
        csv_file("zero_width_id.csv", twins),
        2,
        ["A3", "U+200B (ZERO WIDTH SPACE)"],
    )
    hidden = [HEADER, ["C01", "﻿Auditor A", "YRO", "Yes‍", "", "No", "N/A"], ROWS[1]]
    add(
        "csv-invisible-auditor-and-answer",
        "validate",
        csv_file("invisible_characters.csv", hidden),
        2,
        ["B2", "U+FEFF", "D2", "U+200D (ZERO WIDTH JOINER)"],
    )
    locked = xlsx_file("password_protected.xlsx", [("Answers", [HEADER, *ROWS], "visible")])
    encrypt(HERE / locked, "corpus-password")
    add("xlsx-password-protected", "validate", locked, 2, ["password-protected", "--password-env"])
    add(
        "xlsx-password-wrong",
        "validate",
        locked,
        2,
        ["wrong password", "HOSTILE_PASSWORD"],
        args=["--password-env", "HOSTILE_PASSWORD"],
        env={"HOSTILE_PASSWORD": "not-the-password"},
    )
    add(
        "xlsx-password-given",
        "validate",
        locked,
        0,
        [],
        args=["--password-env", "HOSTILE_PASSWORD"],
        env={"HOSTILE_PASSWORD": "corpus-password"},
    )


def encrypt(path: Path, password: str) -> None:
    """Password-protect a workbook in place, as Excel's "Encrypt with password" does."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(path.read_bytes())).encrypt(password, out)
    path.write_bytes(out.getvalue())


def frameworks() -> None:
    """Framework files given to ``caseaudit validate --framework``."""
    folder = HERE / "frameworks"
    (folder / "mini.yaml").write_text(yaml.safe_dump(MINI_FRAMEWORK, sort_keys=False))

    def broken(name: str, change: Any, names: list[str], text: str | None = None) -> None:
        path = folder / f"{name}.yaml"
        if text is None:
            data = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK))
            change(data)
            text = yaml.safe_dump(data, sort_keys=False)
        path.write_text(text)
        add(
            f"framework-{name}",
            "validate",
            "data/good.csv",
            2,
            names,
            framework=f"frameworks/{name}.yaml",
        )

    broken("not-yaml", None, ["line"], text="id: x\nthemes: [\n  - {id: a\n")
    broken("no-themes", lambda d: d.pop("themes"), ["themes"])
    broken(
        "duplicate-question",
        lambda d: d["themes"][1]["questions"].append({"id": "Q1", "text": "again"}),
        ["themes[1].questions[1]"],
    )
    broken(
        "bad-applies-to",
        lambda d: d["themes"][1]["questions"][0].update(applies_to=["bail"]),
        ["themes[1].questions[0].applies_to"],
    )
    broken("band-not-number", lambda d: d["bands"][0].update(min_pct="high"), ["bands[0]"])
    broken("unknown-scoring", lambda d: d.update(scoring="average"), ["scoring"])
    broken(
        "question-id-comment",
        lambda d: d["themes"][0]["questions"][0].update(id="Q1_comment"),
        ["themes[0].questions[0]"],
    )


PARAMS = {
    "audit_id": "hostile",
    "title": "Hostile corpus audit",
    "service": "Test YOS",
    "audit_date": "2016-03-21",
    "data_file": "data/good.csv",
    "framework": FRAMEWORK,
    "caseload": 40,
}


def params_files() -> None:
    """Params files given to ``caseaudit score``."""
    folder = HERE / "params"

    def params(name: str, status: int, names: list[str], text: str | None = None, **changes):
        values = dict(PARAMS, audit_id=f"hostile-{name}")
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        path = folder / f"{name}.yaml"
        path.write_text(text if text is not None else yaml.safe_dump(values, sort_keys=False))
        add(f"params-{name}", "score", f"params/{name}.yaml", status, names)

    params("good", 0, [])
    params("not-yaml", 2, ["line"], text="audit_id: x\ndata_file: [unclosed\n")
    params("no-data-file", 2, ["data_file"], data_file=None)
    params("data-file-missing", 2, ["data_file", "file not found"], data_file="data/none.csv")
    params("unknown-framework", 2, ["framework"], framework="no-such-framework")
    params("caseload-negative", 2, ["caseload"], caseload=-3)
    params("bad-date", 2, ["audit_date"], audit_date="21/03/2016")
    params("unknown-key", 2, ["dataa_file"], dataa_file="x.csv")
    params("blank-form", 2, ["no cases to score"], data_file="data/blank_form.csv")
    params("hidden-sheet", 0, ["'Answers'"], data_file="data/hidden_draft.xlsx")
    params("excel-error", 2, ["Answers!D2", "Excel error #N/A"], data_file="data/error_na.xlsx")
    params("hostile-title", 0, [], title=HOSTILE[0], service=HOSTILE[2])


def findings_files() -> None:
    """Findings files, read by ``load_findings`` (the report notebook's way in)."""
    folder = HERE / "findings"

    def findings(name: str, text: str, status: int, names: list[str]) -> None:
        (folder / f"{name}.yaml").write_text(text)
        add(f"findings-{name}", "findings", f"findings/{name}.yaml", status, names)

    findings(
        "script",
        f"conclusion: >-\n  Improving.\n  {HOSTILE[0]} Well done.\n",
        0,
        ["conclusion, line 3", "raw HTML <script>"],
    )
    findings(
        "javascript-link",
        f"good_practice:\n  - Fine.\n  - 'See {HOSTILE[1]} here'\n",
        0,
        ["good_practice[1], line 3", "javascript: link"],
    )
    findings(
        "onerror",
        f"themes:\n  assessments:\n    findings:\n      - '{HOSTILE[2]}'\n",
        0,
        ["themes.assessments.findings[0], line 4", "raw HTML <img>"],
    )
    findings(
        "data-link",
        "recommendations:\n  - id: R1\n    text: 'Read [x](data:text/html,hi)'\n"
        "    owner: Head of Service\n    due: 2016-09-30\n    status: not started\n",
        0,
        ["recommendations[0].text, line 3", "data: link"],
    )
    findings("not-yaml", "conclusion: [unclosed\n", 2, ["line"])
    findings("unknown-theme", "themes:\n  nosuch:\n    findings: [x]\n", 2, ["themes.nosuch"])
    findings(
        "bad-status",
        "recommendations:\n  - {id: R1, text: x, owner: y, due: 2016-01-01, status: maybe}\n",
        2,
        ["recommendations[0].status"],
    )


def main() -> None:
    """Rewrite the corpus and its manifest."""
    for sub in ("data", "frameworks", "params", "findings"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
        (HERE / sub).mkdir()
    frameworks()
    data_files()
    inputs_as_they_arrive()
    params_files()
    findings_files()
    header = (
        "# Written by make_corpus.py: do not edit. For each input: the command it is given to\n"
        "# (validate: the data file with --framework, default frameworks/mini.yaml; score: the\n"
        "# params file; findings: load_findings), the exit status expected (findings: 2 means\n"
        "# ParamsError) and the texts its messages must hold; max_lines bounds the lines on\n"
        "# stdout, args and env are added to the command and its environment.\n"
    )
    (HERE / "manifest.yaml").write_text(header + yaml.safe_dump(entries, sort_keys=False))
    print(f"{len(entries)} inputs written to {HERE}")


if __name__ == "__main__":
    main()
