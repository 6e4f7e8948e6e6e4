"""`caseaudit preview` without a browser: what it watches, the server's guards, the rebuild state.

The preview in a real browser, its edits and Ctrl-C: tests/test_preview_browser.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from caseaudit_lib import pipeline
from caseaudit_lib.build.preview import (
    Watcher,
    preview_lock,
    rebuild,
    stage_of,
    watched_files,
)
from caseaudit_lib.build.preview_build import (
    REPORT_STAGE,
    SCORES_STAGE,
    BuildOutcome,
)
from caseaudit_lib.build.preview_server import PreviewServer, PreviewState
from caseaudit_lib.errors import CaseAuditError
from caseaudit_lib.paths import project_root

ROOT = Path(__file__).resolve().parents[1]
SPLIT = ROOT / "params" / "bromley-2016-split.yaml"


def test_watched_files_are_the_params_findings_data_and_notebooks() -> None:
    files = watched_files(SPLIT)
    assert files[0] == SPLIT.resolve()
    assert (ROOT / "data/findings/bromley-2016-split.md").resolve() in files
    workbooks = sorted((ROOT / "data/bromley-2016-audit").glob("*.xlsx"))
    assert workbooks and all(w.resolve() in files for w in workbooks)
    assert (ROOT / "notebooks/05_report.ipynb").resolve() in files


def test_a_findings_file_is_the_report_stage_anything_else_scores() -> None:
    assert stage_of(ROOT / "data/findings/bromley-2016-split.md", SPLIT) == REPORT_STAGE
    assert stage_of(ROOT / "notebooks/05_report.ipynb", SPLIT) == REPORT_STAGE
    workbook = sorted((ROOT / "data/bromley-2016-audit").glob("*.xlsx"))[0]
    assert stage_of(workbook, SPLIT) == SCORES_STAGE
    assert stage_of(SPLIT, SPLIT) == SCORES_STAGE
    # An earlier audit's findings are shown in the report too (its recommendations followed up)
    later = ROOT / "params" / "bromley-2017.yaml"
    assert stage_of(ROOT / "data/findings/bromley-2016.yaml", later) == REPORT_STAGE


def test_the_watcher_sees_content_not_a_touch(tmp_path: Path) -> None:
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("one", encoding="utf-8")
    second.write_text("two", encoding="utf-8")
    watcher = Watcher(lambda: [first, second])
    watcher.snapshot()
    assert watcher.changed() == []
    os.utime(first, ns=(1, 1))  # saved unchanged: a new time, the same bytes
    assert watcher.changed() == []
    first.write_text("one, edited", encoding="utf-8")
    assert watcher.changed() == [first]
    second.unlink()
    assert watcher.changed() == [second]


def test_the_watcher_keeps_its_files_when_the_params_break(tmp_path: Path) -> None:
    kept = tmp_path / "a.md"
    kept.write_text("x", encoding="utf-8")
    calls = iter([[kept]])

    def files() -> list[Path]:
        for found in calls:
            return found
        raise CaseAuditError("params.yaml: line 1: broken")

    watcher = Watcher(files)
    watcher.snapshot()
    watcher.snapshot()
    assert watcher.files == [kept]


class FakeBuilder:
    def __init__(self, *outcomes: BuildOutcome) -> None:
        self.outcomes = list(outcomes)

    def build(self, stage: str) -> BuildOutcome:
        return self.outcomes.pop(0)

    def clean_lines(self, problems: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
        return problems, notes


def test_a_failed_build_keeps_the_last_good_page_under_its_problems(
    capsys: pytest.CaptureFixture[str],
) -> None:
    state = PreviewState("demo")
    good = BuildOutcome(SCORES_STAGE, b"<p>good</p>", seconds=1.0)
    line = "data/findings/demo.md: line 7, themes: error: not a theme of the audit's framework"
    bad = BuildOutcome(REPORT_STAGE, None, problems=[line])
    builder = FakeBuilder(good, bad)
    rebuild(builder, state, SCORES_STAGE)  # type: ignore[arg-type]
    assert state.page == b"<p>good</p>" and state.version == 1 and not state.problems
    rebuild(builder, state, REPORT_STAGE)  # type: ignore[arg-type]
    assert state.page == b"<p>good</p>"
    assert state.problems == [line] and state.version == 2 and not state.building
    assert line in capsys.readouterr().err  # the console prints the same line


def test_a_second_preview_of_the_same_audit_stops_in_one_line(tmp_path: Path) -> None:
    with preview_lock(tmp_path, "demo"):
        with pytest.raises(CaseAuditError, match="a preview of demo is already running"):
            with preview_lock(tmp_path, "demo"):
                pass
    with preview_lock(tmp_path, "demo"):  # released: the next preview may start
        pass


@pytest.fixture()
def server() -> PreviewServer:
    state = PreviewState("demo<b>", page=b"<!doctype html><p>the report</p>", version=3)
    server = PreviewServer(state)
    thread = server.start()
    yield server
    server.stop(thread)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_the_server_refuses_requests_without_its_token(server: PreviewServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/", "/report", "/status", "/?token=", "/report?token=wrong"):
        code, body, _ = get(base + path)
        assert code == 403, path
        assert b"report" not in body
    code, body, _ = get(f"{base}/report?token={server.token}")
    assert code == 200 and body == b"<!doctype html><p>the report</p>"  # served as built
    code, body, _ = get(f"{base}/status?token={server.token}")
    assert code == 200 and json.loads(body)["version"] == 3
    assert get(f"{base}/other?token={server.token}")[0] == 404
    # a page elsewhere reaching the port through a DNS name that points at 127.0.0.1
    assert get(server.url, headers={"Host": f"evil.example:{server.port}"})[0] == 403


def test_the_preview_page_reloads_itself_under_a_strict_policy(server: PreviewServer) -> None:
    code, body, headers = get(server.url)
    page = body.decode()
    assert code == 200
    assert "demo&lt;b&gt;" in page and "demo<b>" not in page  # the audit id escaped
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'nonce-" in policy
    assert "'unsafe-inline'" not in policy
    assert '<iframe id="report"' in page and 'sandbox="allow-same-origin' in page
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_server_listens_on_the_loopback_address_only(server: PreviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")
    outside = non_loopback_address()
    if outside is None:
        return  # a machine with only the loopback: nothing else to connect from
    with pytest.raises(OSError):
        socket.create_connection((outside, server.port), timeout=5).close()


def non_loopback_address() -> str | None:
    """Return an address of this machine that is not the loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CaseAuditError, match=f"cannot listen on 127.0.0.1:{port}"):
            PreviewServer(PreviewState("demo"), port)


def test_a_findings_edit_keeps_the_kernels_scores(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    findings = tmp_path / "findings.yaml"
    shutil.copy(ROOT / "data/findings/bromley-2016.yaml", findings)
    values = yaml.safe_load((ROOT / "params/bromley-2016.yaml").read_text(encoding="utf-8"))
    values["findings_file"] = str(findings)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(values), encoding="utf-8")
    monkeypatch.chdir(project_root())
    pipeline.remember_results(True)
    try:
        pipeline.score_params(params_file)
        findings.write_text(findings.read_text(encoding="utf-8") + "\n# edited\n", "utf-8")

        def scored_again(params: object) -> None:
            raise AssertionError("the audit was scored again after a findings edit")

        monkeypatch.setattr(pipeline, "_score", scored_again)
        assert pipeline.score_params(params_file).params.audit_id == "bromley-2016"
        values["caseload"] = 81  # anything else is scored afresh
        params_file.write_text(yaml.safe_dump(values), encoding="utf-8")
        with pytest.raises(AssertionError, match="scored again"):
            pipeline.score_params(params_file)
    finally:
        pipeline.remember_results(False)


def test_banner_lines_quoting_a_personal_detail_are_withheld(tmp_path: Path) -> None:
    from caseaudit_lib.build.preview_build import PreviewBuilder

    builder = PreviewBuilder(SPLIT, tmp_path)
    builder._identifiers = {"Jonah Whitfield"}
    quoted = "findings.md: line 3, themes: error: not a theme (found 'Jonah Whitfield')"
    fine = "findings.md: line 9, recommendations[0].due: error: not a date"
    problems, notes = builder.clean_lines([quoted], [fine])
    assert problems == ["1 message(s) withheld: they quote a personal detail (see the console)"]
    assert notes == [fine]
    status = json.loads((tmp_path / "status.json").read_text(encoding="utf-8"))
    assert status == {"problems": problems, "notes": notes}
    assert "Jonah" not in (tmp_path / "status.json").read_text(encoding="utf-8")


def test_a_port_out_of_range_is_one_line() -> None:
    from caseaudit_lib.build.preview import run_preview

    with pytest.raises(CaseAuditError, match="--port 70000: not a port number"):
        run_preview(SPLIT, port=70000, open_browser=False)


def test_kept_scores_are_never_reused_after_a_full_build_that_failed(tmp_path: Path) -> None:
    from caseaudit_lib.build.preview_build import PreviewBuilder

    findings = tmp_path / "findings.yaml"
    findings.write_text("themes:\n  no_such_theme: {findings: [x]}\n", encoding="utf-8")
    values = yaml.safe_load((ROOT / "params/bromley-2016.yaml").read_text(encoding="utf-8"))
    values["findings_file"] = str(findings)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(values), encoding="utf-8")
    builder = PreviewBuilder(params_file, tmp_path / "preview")  # no kernel: nothing runs
    builder.scored = True  # as after a good build, before the data changed
    outcome = builder.build(SCORES_STAGE)
    assert outcome.page is None and "no_such_theme" in " ".join(outcome.problems)
    assert not builder.scored
    # A findings save next must not reuse the kernel's scores of the data before the change.
    assert builder.build(REPORT_STAGE).stage == SCORES_STAGE


def test_no_console_browser_is_started_without_a_display(monkeypatch, capsys) -> None:  # noqa: ANN001
    import webbrowser

    from caseaudit_lib.build import preview

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    monkeypatch.setattr(preview.sys, "platform", "linux")
    monkeypatch.setattr(preview.os, "name", "posix")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not preview.open_in_browser("http://127.0.0.1:1/?token=t")
    assert "open the address above" in capsys.readouterr().err
    monkeypatch.setenv("DISPLAY", ":0")
    assert preview.open_in_browser("http://127.0.0.1:1/?token=t")
    deadline = time.monotonic() + 5
    while not opened and time.monotonic() < deadline:
        time.sleep(0.01)  # the browser is opened on a thread of its own
    assert opened == ["http://127.0.0.1:1/?token=t"]


def test_a_fault_of_caseaudit_is_shown_and_the_preview_goes_on(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from caseaudit_lib.build.preview_build import PreviewBuilder

    builder = PreviewBuilder(SPLIT, tmp_path)
    builder.scored = True

    def broken(stage: str, staging: Path) -> tuple[bytes, list[str]]:
        raise ValueError("something odd\nsecond line")

    monkeypatch.setattr(builder, "_build", broken)
    outcome = builder.build(REPORT_STAGE)
    assert outcome.page is None and not builder.scored
    assert outcome.problems == [
        "caseaudit: internal error: ValueError: something odd (this is a bug; please report it)"
    ]
