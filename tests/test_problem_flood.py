"""Problems that flood, characters that hide, and how the command ends when its reader leaves."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from caseaudit_lib.errors import Problem
from caseaudit_lib.validate.characters import describe_characters, hidden_characters, hidden_in
from caseaudit_lib.validate.summary import PROBLEMS_SHOWN, summarised

MINI = Path(__file__).parent / "data" / "hostile" / "frameworks" / "mini.yaml"
CASEAUDIT = str(Path(sys.executable).with_name("caseaudit"))
HEADER = ["case_id", "auditor", "case_type", "Q1", "Q1_comment", "Q2", "Q3"]


def flood(path: Path, rows: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [HEADER, *[[f"C{i}", "A", "YRO", "Maybe", "", "Partly", "x"] for i in range(rows)]]
        )
    return path


def test_twenty_of_a_kind_then_one_line_counting_the_rest():
    problems = [
        Problem("error", "f.xlsx", "unknown answer", "Answers", f"D{i}") for i in range(2, 52)
    ]
    problems.insert(3, Problem("warning", "f.xlsx", "other", "Answers", "B3"))
    lines = list(summarised(problems))
    assert len(lines) == PROBLEMS_SHOWN + 2
    assert lines[-1] == (
        "f.xlsx: error: 30 more 'unknown answer' problem(s) like the above, the first at "
        "Answers!D22 (caseaudit validate --all prints every one)"
    )
    assert "other" in lines[3]
    assert len(list(summarised(problems, limit=None))) == len(problems)
    # counted per file: another file's problems of the same kind have their own twenty
    other = Problem("error", "g.xlsx", "unknown answer", "Answers", "D2")
    assert list(summarised([*problems, other]))[-1] == str(other)


def test_hidden_characters_are_named_by_code_point():
    assert hidden_characters("A\u200b01\u00a0") == ["\u200b", "\u00a0"]
    assert hidden_characters("Ann O'Neil-Smith (Éva)") == []
    assert describe_characters(["\u200b", "\ufeff"]) == (
        "U+200B (ZERO WIDTH SPACE), U+FEFF (ZERO WIDTH NO-BREAK SPACE)"
    )
    assert hidden_in(pd.Series(["C01", "C01\u2060", "C 01"])).tolist() == [False, True, False]


def test_validate_summarises_and_all_prints_every_one(tmp_path):
    data = flood(tmp_path / "bad.csv", 100)
    short = subprocess.run([CASEAUDIT, "validate", str(data), "--framework", str(MINI)],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    every = subprocess.run([CASEAUDIT, "validate", str(data), "--framework", str(MINI), "--all"],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert short.returncode == every.returncode == 2
    assert len(short.stdout.splitlines()) == PROBLEMS_SHOWN + 1
    assert "280 more 'unknown answer' problem(s)" in short.stdout
    assert len(every.stdout.splitlines()) == 300
    assert short.stderr == every.stderr  # the totals count every problem


def test_a_closed_pipe_ends_quietly_with_status_141(tmp_path):
    """`caseaudit validate ... | head -3`, as a user types it."""
    data = flood(tmp_path / "bad.csv", 3000)
    done = subprocess.run(
        ["bash", "-c", f'"{CASEAUDIT}" validate "{data}" --framework "{MINI}" --all | head -3; '
                       'echo "status ${PIPESTATUS[0]}" >&2'],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert len(done.stdout.splitlines()) == 3
    assert "status 141" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "BrokenPipe" not in done.stderr


def cpu_seconds(pid: int) -> float:
    """Return the CPU time a running process has used (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_ends_quietly_with_status_130(tmp_path):
    """Ctrl-C: SIGINT to the command's process group, as a terminal sends it."""
    data = flood(tmp_path / "bad.csv", 20000)
    process = subprocess.Popen(
        [CASEAUDIT, "validate", str(data), "--framework", str(MINI), "--all"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    # Interrupted once it is at work: past Python's start, into the imports of the command.
    deadline = time.monotonic() + 60
    while cpu_seconds(process.pid) < 0.4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "caseaudit: interrupted"
    assert "Traceback" not in stderr and "internal error" not in stderr


def test_a_hidden_character_in_a_header_or_case_type_is_named(tmp_path):
    data = tmp_path / "hidden.csv"
    data.write_text(
        "case_id,auditor,case_type,Q1\u200b,Q2,Q3\nC01,A,Y\u200dRO,Yes,No,N/A\n", encoding="utf-8"
    )
    done = subprocess.run([CASEAUDIT, "validate", str(data), "--framework", str(MINI)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert "D1: error: column 'Q1\\u200b': the header holds an invisible" in done.stdout
    assert "C2: error" in done.stdout and "U+200D (ZERO WIDTH JOINER)" in done.stdout
