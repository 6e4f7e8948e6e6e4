"""Password-protected workbooks: read with a password from the environment, never without one.

Workbooks are encrypted here, in the test, with msoffcrypto-tool (what Excel's "Encrypt with
password" writes). The password reaches caseaudit through an environment variable named in the
params file (``password_env``) or on the command line (``--password-env``); it is never printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from caseaudit_lib.audit.loading import validate_file
from caseaudit_lib.config.params import load_params
from caseaudit_lib.load.encrypted import (
    PASSWORD_NAMES_ENV,
    encrypt_workbook,
    is_encrypted,
    use_password_env,
)
from caseaudit_lib.paths import ROOT_ENV
from caseaudit_lib.pipeline import score_params

ROOT = Path(__file__).resolve().parents[1]
SPLIT = ROOT / "data" / "bromley-2016-audit"
PASSWORD = "Correct horse 2016!"
FRAMEWORK = "yjb-audit-2016"


def caseaudit(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    command = Path(sys.executable).with_name("caseaudit")
    return subprocess.run(
        [str(command), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(autouse=True)
def no_password_names(monkeypatch):
    """Each test starts, and leaves the next, with no password variable named."""
    # set, then deleted: monkeypatch then removes what a test's own code adds to the variable
    monkeypatch.setenv(PASSWORD_NAMES_ENV, "")
    monkeypatch.delenv(PASSWORD_NAMES_ENV)


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    """The auditors' workbooks of the bundled audit, three of the seven password-protected."""
    folder = tmp_path / "forms"
    shutil.copytree(SPLIT, folder)
    for name in ("Auditor-A.xlsx", "Auditor-C.xlsx", "Auditor-G.xlsx"):
        encrypt_workbook(folder / name, PASSWORD)
    return folder


def test_a_protected_workbook_is_recognised(mixed_folder):
    assert is_encrypted(mixed_folder / "Auditor-A.xlsx")
    assert not is_encrypted(mixed_folder / "Auditor-B.xlsx")


def test_without_a_password_one_line_per_protected_file_says_how_to_give_it(mixed_folder):
    problems = validate_file(mixed_folder, FRAMEWORK)
    errors = [p for p in problems if p.severity == "error"]
    assert sorted(Path(p.file).name for p in errors) == [
        "Auditor-A.xlsx", "Auditor-C.xlsx", "Auditor-G.xlsx"
    ]  # fmt: skip
    for problem in errors:
        line = str(problem)
        assert "password-protected" in line and "--password-env" in line
        assert "password_env" in line and "corrupt" not in line


def test_with_the_password_a_mixed_folder_reads_as_the_plain_one(mixed_folder, monkeypatch):
    monkeypatch.setenv("AUDIT_PASSWORD", PASSWORD)
    use_password_env("AUDIT_PASSWORD")
    assert validate_file(mixed_folder, FRAMEWORK) == [
        p.__class__(**{**p.__dict__, "file": p.file.replace(str(SPLIT), str(mixed_folder))})
        for p in validate_file(SPLIT, FRAMEWORK)
    ]


def test_a_wrong_password_says_so(mixed_folder, monkeypatch):
    monkeypatch.setenv("AUDIT_PASSWORD", "not it")
    use_password_env("AUDIT_PASSWORD")
    errors = [p for p in validate_file(mixed_folder, FRAMEWORK) if p.severity == "error"]
    assert len(errors) == 3
    assert all("wrong password" in str(p) and "AUDIT_PASSWORD" in str(p) for p in errors)
    assert not any("not it" in str(p) for p in errors)


def test_a_named_variable_that_is_not_set_is_named(mixed_folder, monkeypatch):
    monkeypatch.delenv("AUDIT_PASSWORD", raising=False)
    use_password_env("AUDIT_PASSWORD")
    errors = [p for p in validate_file(mixed_folder, FRAMEWORK) if p.severity == "error"]
    assert errors and all("AUDIT_PASSWORD" in p.message and "not set" in p.message for p in errors)


def test_the_console_takes_password_env_and_never_prints_the_password(mixed_folder):
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_NAMES_ENV}
    plain = caseaudit("validate", str(mixed_folder), "--framework", FRAMEWORK, env=env)
    assert plain.returncode == 2 and "password-protected" in plain.stdout
    assert "Traceback" not in plain.stderr
    wrong = caseaudit("validate", str(mixed_folder), "--framework", FRAMEWORK,
                      "--password-env", "PW", env=env | {"PW": "guess"})  # fmt: skip
    assert wrong.returncode == 2 and "wrong password" in wrong.stdout
    assert "guess" not in wrong.stdout + wrong.stderr
    right = caseaudit("validate", str(mixed_folder), "--framework", FRAMEWORK,
                      "--password-env", "PW", env=env | {"PW": PASSWORD})  # fmt: skip
    assert right.returncode == 0, right.stdout + right.stderr
    assert PASSWORD not in right.stdout + right.stderr


def test_ask_password_needs_a_terminal(mixed_folder):
    done = subprocess.run(
        [str(Path(sys.executable).with_name("caseaudit")), "validate", str(mixed_folder),
         "--framework", FRAMEWORK, "--ask-password"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "caseaudit: --ask-password needs a terminal to type in; without one, put the password "
        "in an environment variable and give its name with --password-env VAR"
    ]


def test_ask_password_reads_the_terminal(mixed_folder):
    """Typed at a (pseudo-)terminal, the password opens the protected files; it is not echoed."""
    pty = pytest.importorskip("pty")
    code = (
        "import sys; from caseaudit_lib.cli import main; "
        f"sys.exit(main(['validate', {str(mixed_folder)!r}, '--framework', {FRAMEWORK!r}, "
        "'--ask-password']))"
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: caseaudit with the pseudo-terminal as its terminal
        os.execv(sys.executable, [sys.executable, "-c", code])
    output = b""
    typed = False
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not typed and b"Password" in output:
            os.write(fd, PASSWORD.encode() + b"\n")
            typed = True
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert typed and os.waitstatus_to_exitcode(status) == 0, text
    assert PASSWORD not in text


def test_params_name_the_variable_and_the_audit_scores_as_the_plain_one(
    mixed_folder, tmp_path, monkeypatch
):
    values = yaml.safe_load((ROOT / "params" / "bromley-2016-split.yaml").read_text())
    values["data_file"] = str(mixed_folder)
    values["password_env"] = "CASEAUDIT_WORKBOOK_PASSWORD"
    params_file = tmp_path / "protected.yaml"
    params_file.write_text(yaml.safe_dump(values))
    monkeypatch.setenv(ROOT_ENV, str(ROOT))
    monkeypatch.setenv("CASEAUDIT_WORKBOOK_PASSWORD", PASSWORD)
    params = load_params(params_file)
    assert params.password_env == "CASEAUDIT_WORKBOOK_PASSWORD"
    assert "password_env" not in params.to_dict()  # not a notebook parameter
    # the name, not the password, reaches child processes (kernels, workers)
    assert os.environ[PASSWORD_NAMES_ENV] == "CASEAUDIT_WORKBOOK_PASSWORD"
    protected = score_params(params).scores.themes
    plain = score_params(load_params(ROOT / "params" / "bromley-2016-split.yaml")).scores.themes
    assert protected.equals(plain)


def test_a_password_in_the_params_file_is_refused_without_showing_it(tmp_path):
    values = yaml.safe_load((ROOT / "params" / "bromley-2016.yaml").read_text())
    values["password_env"] = "hunter2 is my password"
    params_file = tmp_path / "bad.yaml"
    params_file.write_text(yaml.safe_dump(values))
    done = caseaudit("score", str(params_file), "--out", str(tmp_path / "t"))
    assert done.returncode == 2
    assert (
        "password_env" in done.stderr and "not the name of an environment variable" in done.stderr
    )
    assert "hunter2" not in done.stdout + done.stderr


def test_template_writes_protected_forms(tmp_path):
    env = dict(os.environ, FORM_PASSWORD=PASSWORD)
    out = tmp_path / "blank.xlsx"
    done = caseaudit("template", "--framework", FRAMEWORK, "--password-env", "FORM_PASSWORD",
                     str(out), env=env)  # fmt: skip
    assert done.returncode == 0 and "password-protected" in done.stdout
    assert is_encrypted(out) and PASSWORD not in done.stdout + done.stderr
    sample = tmp_path / "sample.csv"
    sample.write_text(
        "case_id,auditor,case_type\nYOS-1,Ann,Referral order\nYOS-2,Bo,Referral order\n"
    )
    forms = caseaudit("template", "--framework", FRAMEWORK, "--case-list", str(sample),
                      "--password-env", "FORM_PASSWORD", str(tmp_path / "forms"),
                      env=env)  # fmt: skip
    assert forms.returncode == 0, forms.stderr
    written = sorted((tmp_path / "forms").iterdir())
    assert [p.name for p in written] == ["Ann.xlsx", "Bo.xlsx"] and all(map(is_encrypted, written))
    check = caseaudit("validate", str(tmp_path / "forms"), "--framework", FRAMEWORK,
                      "--password-env", "FORM_PASSWORD", env=env)  # fmt: skip
    assert check.returncode == 0 and "no cases yet" not in check.stdout, check.stdout
    unset = caseaudit("template", "--framework", FRAMEWORK, "--password-env", "NOT_SET_ANYWHERE",
                      str(tmp_path / "x.xlsx"))  # fmt: skip
    assert unset.returncode == 2 and "NOT_SET_ANYWHERE" in unset.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_report_reads_protected_workbooks_in_its_notebooks_kernel(tmp_path):
    """`caseaudit report`: the notebooks' kernel inherits the variable's name and password."""
    root = tmp_path / "clone"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    for workbook in (root / "data" / "bromley-2016-audit").glob("*.xlsx"):
        encrypt_workbook(workbook, PASSWORD)
    params_file = root / "params" / "bromley-2016-split.yaml"
    values = yaml.safe_load(params_file.read_text())
    params_file.write_text(yaml.safe_dump(values | {"password_env": "AUDIT_PW"}))
    env = {k: v for k, v in os.environ.items() if k not in (PASSWORD_NAMES_ENV, ROOT_ENV)}
    done = caseaudit("report", "params/bromley-2016-split.yaml", env=env | {"AUDIT_PW": PASSWORD},
                     cwd=root)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = (root / "outputs" / "bromley-2016-split" / "report.html").read_text()
    assert "Case workers knew the young people" in report
    assert PASSWORD not in done.stdout + done.stderr


def test_a_password_typed_where_its_variables_name_belongs_is_refused_unseen(mixed_folder):
    done = caseaudit("validate", str(mixed_folder), "--framework", FRAMEWORK,
                     "--password-env", "s3cret-Pass")  # fmt: skip
    assert done.returncode == 2 and "s3cret" not in done.stdout + done.stderr
    assert "NAME of the environment variable" in done.stderr
