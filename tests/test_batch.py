"""Tests for the batch engine: incremental skips, failures, dead workers, atomic publishing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import batch_builds as bb
import pytest

from caseaudit_lib.build import state as buildstate
from caseaudit_lib.build.batch import BuildResult, run_batch
from caseaudit_lib.build.pool import THREAD_VARS
from caseaudit_lib.build.state import (
    PUBLISHING,
    STAMP_NAME,
    FileHasher,
    input_state,
    library_fingerprint,
    publish,
    read_stamp,
    staging_dir_for,
)
from caseaudit_lib.build.status import FAILURE_NAME, build_status, build_statuses
from caseaudit_lib.build.summary import reason_for_reader

TESTS_DIR = Path(__file__).parent


def batch(params, **kwargs):
    kwargs.setdefault("workers", 2)
    return run_batch(
        params,
        bb.build,
        progress=False,
        inputs_of=bb.inputs_of,
        output_dir_of=bb.output_dir_of,
        fingerprint=bb.FINGERPRINT,
        **kwargs,
    )


def statuses(summary):
    return {o.audit_id: o.status for o in summary.outcomes}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def assert_good_outputs(params_file: Path) -> None:
    spec = json.loads(params_file.read_text())
    version = bb.version_of(params_file)
    final = bb.output_dir_of(params_file)
    for name in bb.output_names(spec):
        assert (final / name).read_bytes() == bb.content(name, version, spec.get("size", 64))


@pytest.fixture
def project(tmp_path):
    params = bb.write_project(tmp_path, {f"audit-{i}": {} for i in range(3)})
    return tmp_path, params


def test_first_run_builds_every_audit_and_second_run_skips_without_a_pool(project, monkeypatch):
    root, params = project
    first = batch(params)
    assert statuses(first) == {"audit-0": "built", "audit-1": "built", "audit-2": "built"}
    assert first.exit_code == 0
    assert first.pools_started == 1
    # Issue 20 item 9: not "no good build yet" beside a build that has just succeeded.
    assert {o.message for o in first.outcomes} == {"first build"}
    assert "no good build yet" not in first.table()
    for path in params:
        assert_good_outputs(path)
        stamp = read_stamp(bb.output_dir_of(path))
        assert stamp is not None and stamp.outputs == ("scores.csv", "report.html")
        assert not list(bb.output_dir_of(path).glob(".staging-*"))

    import concurrent.futures

    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started although nothing changed")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    second = batch(params)
    assert statuses(second) == {"audit-0": "skipped", "audit-1": "skipped", "audit-2": "skipped"}
    assert second.pools_started == 0
    assert second.exit_code == 0
    assert "0 built, 3 skipped (unchanged), 0 failed" in second.table()


def test_changing_one_input_rebuilds_only_that_audit(project):
    root, params = project
    batch(params)
    (root / "data" / "audit-1.csv").write_text("case,answer\n1,no\n")
    summary = batch(params)
    assert statuses(summary) == {"audit-0": "skipped", "audit-1": "built", "audit-2": "skipped"}
    assert summary.outcomes[1].message == "inputs changed: audit-1.csv"
    assert_good_outputs(params[1])


def test_changing_a_shared_input_or_the_library_rebuilds_all(project):
    root, params = project
    batch(params)
    (root / "data" / "framework.txt").write_text("shared framework v2")
    assert set(statuses(batch(params)).values()) == {"built"}
    summary = run_batch(
        params,
        bb.build,
        workers=2,
        progress=False,
        inputs_of=bb.inputs_of,
        output_dir_of=bb.output_dir_of,
        fingerprint="another library",
    )
    assert set(statuses(summary).values()) == {"built"}
    assert summary.outcomes[0].message == "library changed"


def test_force_rebuilds_all_and_missing_outputs_are_rebuilt(project):
    root, params = project
    batch(params)
    assert set(statuses(batch(params, force=True)).values()) == {"built"}
    (bb.output_dir_of(params[2]) / "scores.csv").unlink()
    summary = batch(params)
    assert statuses(summary) == {"audit-0": "skipped", "audit-1": "skipped", "audit-2": "built"}
    assert summary.outcomes[2].message == "outputs missing: scores.csv"
    assert_good_outputs(params[2])


def test_a_failing_audit_keeps_its_old_outputs_and_the_others_build(project):
    root, params = project
    batch(params)
    good_before = snapshot(bb.output_dir_of(params[1]))
    params[1].write_text(json.dumps({**json.loads(params[1].read_text()), "mode": "fail"}))
    (root / "data" / "audit-0.csv").write_text("case,answer\n1,n/a\n")

    summary = batch(params)
    assert statuses(summary) == {"audit-0": "built", "audit-1": "failed", "audit-2": "skipped"}
    assert summary.exit_code == 1
    failed = summary.outcomes[1]
    final = bb.output_dir_of(params[1])
    assert failed.message == "cell 3 failed: KeyError 'AS1'"
    assert failed.failed_artifacts == (final / "failed" / "audit.ipynb",)
    assert (final / "failed" / "audit.ipynb").read_text() == '{"error": "cell 3 failed"}'
    assert str(final / "failed" / "audit.ipynb") in summary.table()
    after = snapshot(final)
    del after["failed/audit.ipynb"]
    assert json.loads(after.pop(FAILURE_NAME))["reason"] == "cell 3 failed: KeyError 'AS1'"
    assert after == good_before  # outputs and stamp untouched
    assert_good_outputs(params[0])
    # The report left in place is the last good one: the summary and the build status say so.
    assert failed.stale_report == final / "report.html"
    line = next(row for row in summary.table().splitlines() if row.startswith("audit-1"))
    assert f"[stale: the last good report is kept at {final / 'report.html'}]" in line
    assert "1 stale report(s)" in summary.table()
    status = build_status(final)
    assert status.last_build_failed and status.stale
    assert status.failure == "cell 3 failed: KeyError 'AS1'"
    assert status.last_good_report == final / "report.html"
    assert status.last_good_built_at == read_stamp(final).built_at
    assert [s.audit_id for s in build_statuses(final.parent) if s.stale] == ["audit-1"]

    # The failure is remembered as "not built": the next run tries again; a fix clears failed/.
    params[1].write_text(json.dumps({**json.loads(params[1].read_text()), "mode": "ok"}))
    again = batch(params)
    assert statuses(again)["audit-1"] == "built"
    assert not (final / "failed").exists()
    assert not build_status(final).last_build_failed
    assert not (final / FAILURE_NAME).exists()


def test_a_build_that_raises_is_reported_with_its_staged_artefacts(project):
    root, params = project
    params[0].write_text(json.dumps({**json.loads(params[0].read_text()), "mode": "raise"}))
    summary = batch(params)
    assert statuses(summary) == {"audit-0": "failed", "audit-1": "built", "audit-2": "built"}
    assert summary.outcomes[0].message == "ValueError: the data file has no case_id column"
    final = bb.output_dir_of(params[0])
    assert not (final / "report.html").exists()
    assert read_stamp(final) is None
    assert not list(final.glob(".staging-*"))


def test_a_build_that_kills_its_worker_is_failed_and_the_others_finish(tmp_path):
    audits = {f"audit-{i}": {"sleep": 0.2} for i in range(5)}
    audits["audit-2"] = {"mode": "crash"}
    params = bb.write_project(tmp_path, audits)
    summary = batch(params)
    status = statuses(summary)
    assert status.pop("audit-2") == "failed"
    assert set(status.values()) == {"built"}
    crashed = summary.outcomes[2]
    assert "died during the build" in crashed.message
    final = bb.output_dir_of(params[2])
    assert crashed.failed_artifacts == (final / "failed" / "partial.txt",)
    assert summary.pools_started >= 2
    for i in (0, 1, 3, 4):
        assert_good_outputs(params[i])


def test_a_bad_params_file_fails_alone(project):
    root, params = project
    params[0].write_text("{not json")
    summary = batch(params)
    assert statuses(summary) == {"audit-0": "failed", "audit-1": "built", "audit-2": "built"}
    assert summary.outcomes[0].message.startswith("JSONDecodeError")


def test_two_workers_build_concurrently_with_their_initializer(tmp_path, monkeypatch):
    for name in THREAD_VARS:
        monkeypatch.delenv(name, raising=False)
    log = tmp_path / "log"
    log.mkdir()
    params = bb.write_project(
        tmp_path, {f"a{i}": {"sleep": 0.4, "log": str(log)} for i in range(2)}
    )
    summary = batch(params, workers=2, initializer=bb.init_worker, initargs=("hello",))
    assert summary.exit_code == 0
    spans = {}
    for path in log.glob("*.log"):
        events = {e["event"]: e for e in map(json.loads, path.read_text().splitlines())}
        spans[path.stem] = (events["start"]["pid"], events["start"]["t"], events["end"]["t"])
    (pid0, start0, end0), (pid1, start1, end1) = spans["a0"], spans["a1"]
    assert pid0 != pid1
    assert max(start0, start1) < min(end0, end1)  # the two intervals overlap
    starts = [json.loads(p.read_text().splitlines()[0]) for p in log.glob("*.log")]
    assert [(e["omp"], e["greeting"]) for e in starts] == [("1", "hello"), ("1", "hello")]
    assert "OMP_NUM_THREADS" not in os.environ  # the parent's environment is left as it was


def test_no_change_run_of_40_audits_is_fast(tmp_path):
    params = bb.write_project(tmp_path, {f"audit-{i:02}": {} for i in range(40)})
    for path in params:  # a realistic data file per audit
        (tmp_path / "data" / f"{path.stem}.csv").write_bytes(os.urandom(100_000))
    assert batch(params, workers=2).exit_code == 0
    started = time.perf_counter()
    summary = batch(params)
    elapsed = time.perf_counter() - started
    assert len(summary.with_status("skipped")) == 40
    assert elapsed < 0.5


def test_no_change_run_imports_no_process_pool_or_progress_bar(project):
    root, params = project
    batch(params)
    code = (
        "import sys, batch_builds as bb\n"
        "from caseaudit_lib.build.batch import run_batch\n"
        "params = sorted(__import__('pathlib').Path(sys.argv[1], 'params').glob('*.json'))\n"
        "s = run_batch(params, bb.build, inputs_of=bb.inputs_of, output_dir_of=bb.output_dir_of,\n"
        "              fingerprint=bb.FINGERPRINT)\n"
        "assert len(s.with_status('skipped')) == 3, s.table()\n"
        "heavy = {'concurrent.futures.process', 'tqdm', 'papermill', 'nbconvert'}\n"
        "bad = heavy & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    subprocess.run([sys.executable, "-c", code, str(root)], check=True, env=env)


@pytest.mark.parametrize("renames_done", [0, 1, 2, 3, 4])
def test_publish_interrupted_midway_leaves_each_file_old_or_new(
    tmp_path, monkeypatch, renames_done
):
    final = tmp_path / "out"
    final.mkdir()
    names = ["a.csv", "figures/c.png", "report.html", "z.csv"]
    for name in names:
        (final / name).parent.mkdir(exist_ok=True)
        (final / name).write_text(f"old {name}")
    staging = staging_dir_for(final)
    for name in [*names, "new.csv"]:
        (staging / name).parent.mkdir(exist_ok=True)
        (staging / name).write_text(f"new {name}")

    real_replace = os.replace
    done = []

    def replace_then_die(src, dst):
        if len(done) == renames_done:
            raise KeyboardInterrupt  # stands for a kill between two renames
        done.append(Path(dst).relative_to(final).as_posix())
        real_replace(src, dst)

    monkeypatch.setattr(buildstate.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        publish(staging, final)
    assert done == ["a.csv", "figures/c.png", "new.csv", "z.csv", "report.html"][:renames_done]
    for name in names:
        assert (final / name).read_text() == ("new " if name in done else "old ") + name
    assert (final / "report.html").read_text() == "old report.html"  # the report goes last


def test_publish_moves_every_file_and_removes_the_staging_folder(tmp_path):
    final = tmp_path / "out"
    staging = staging_dir_for(final)
    (staging / "figures").mkdir()
    (staging / "figures" / "c.png").write_bytes(b"png")
    (staging / "report.html").write_text("<html>")
    (staging / "a.csv").write_text("x")
    assert publish(staging, final) == ["a.csv", "figures/c.png", "report.html"]
    assert snapshot(final) == {"a.csv": b"x", "figures/c.png": b"png", "report.html": b"<html>"}


def test_write_result_order_and_stale_outputs_are_removed(tmp_path):
    audits = {"x": {"extra_files": 2}}
    params = bb.write_project(tmp_path, audits)
    batch(params)
    final = bb.output_dir_of(params[0])
    assert (final / "chart_1.txt").exists()
    params[0].write_text(json.dumps({**json.loads(params[0].read_text()), "extra_files": 1}))
    (final / "notes-by-analyst.txt").write_text("kept")  # not ours: never deleted
    batch(params)
    assert not (final / "chart_1.txt").exists()
    assert (final / "chart_0.txt").exists()
    assert (final / "notes-by-analyst.txt").read_text() == "kept"


def test_input_state_hashes_each_file_once_and_ignores_order(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("alpha")
    b.write_text("beta")
    reads = []
    real = buildstate._file_sha256
    monkeypatch.setattr(buildstate, "_file_sha256", lambda p: reads.append(p) or real(p))
    hasher = FileHasher()
    one = input_state([a, b], hasher, "lib")
    two = input_state([b, a, tmp_path / "missing"], hasher, "lib")
    assert len(reads) == 3
    assert one.digest == input_state([b, a], hasher, "lib").digest
    assert one.digest != two.digest
    assert one.digest != input_state([a, b], hasher, "lib2").digest
    assert two.files[str(tmp_path / "missing")] is None


def test_library_fingerprint_follows_version_and_sources(tmp_path):
    package = tmp_path / "pkg"
    (package / "__pycache__").mkdir(parents=True)
    (package / "mod.py").write_text("x = 1\n")
    first = library_fingerprint(package, "1.0")
    (package / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert library_fingerprint(package, "1.0") == first
    assert library_fingerprint(package, "1.1") != first
    (package / "mod.py").write_text("x = 2\n")
    assert library_fingerprint(package, "1.0") != first
    assert len(library_fingerprint()) == 64  # the installed package


def test_build_must_be_picklable(project):
    root, params = project
    with pytest.raises(TypeError, match="top-level"):
        run_batch(
            params,
            lambda p: BuildResult(None),
            progress=False,
            inputs_of=bb.inputs_of,
            output_dir_of=bb.output_dir_of,
            fingerprint=bb.FINGERPRINT,
        )


def _wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the batch never reached the moment to kill it"
        time.sleep(0.002)


@pytest.mark.parametrize("moment", ["building", "publishing"])
def test_kill_9_mid_batch_leaves_only_old_or_new_complete_files(tmp_path, moment):
    log = tmp_path / "log"
    log.mkdir()
    audits = {f"audit-{i}": {"extra_files": 120, "size": 20_000} for i in range(3)}
    params = bb.write_project(tmp_path, audits)
    assert batch(params).exit_code == 0
    old = {p.stem: bb.version_of(p) for p in params}
    old_stamps = {p.stem: read_stamp(bb.output_dir_of(p)) for p in params}
    for path in params:  # new inputs, written slowly so the kill lands inside a build
        (tmp_path / "data" / f"{path.stem}.csv").write_text(f"case,answer\n1,no\n# {path.stem}\n")
        spec = {**json.loads(path.read_text()), "chunk_sleep": 0.0005, "log": str(log)}
        path.write_text(json.dumps(spec))
    new = {p.stem: bb.version_of(p) for p in params}
    first_published = {p.stem: bb.content("chart_0.txt", new[p.stem], 20_000) for p in params}

    def publishing_started():
        return any(
            (bb.output_dir_of(p) / "chart_0.txt").read_bytes() == first_published[p.stem]
            for p in params
        )

    env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
    code = "import sys, batch_builds; batch_builds.main(sys.argv[1], '2')"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    if moment == "building":
        _wait_until(lambda: list(log.glob("*.log")))
        time.sleep(0.1)
    else:  # publishing 120 files takes a few hundred ms: kill as soon as the first is in place
        _wait_until(publishing_started)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, with no chance to clean up
    proc.wait()

    for path in params:
        spec = json.loads(path.read_text())
        final = bb.output_dir_of(path)
        size = spec["size"]
        versions = {}
        for name in bb.output_names(spec):
            data = (final / name).read_bytes()
            versions[name] = {
                bb.content(name, old[path.stem], size): "old",
                bb.content(name, new[path.stem], size): "new",
            }.get(data, "partial")
        assert "partial" not in versions.values()
        if versions["report.html"] == "new":  # the report is published last
            assert set(versions.values()) == {"new"}
        visible = {
            p.relative_to(final).as_posix()
            for p in final.rglob("*")
            if not any(part.startswith(".") for part in p.relative_to(final).parts)
        }
        assert visible <= set(bb.output_names(spec))
        stamp = read_stamp(final)
        assert stamp is not None  # never a damaged one
        if stamp.inputs_digest == old_stamps[path.stem].inputs_digest:
            assert set(versions.values()) == {"old"}  # a valid stamp describes its files
        elif stamp.inputs_digest != PUBLISHING:
            assert set(versions.values()) == {"new"}  # stamped only once all is published

    # The next batch finishes the job and cleans up what the killed one left.
    for path in params:
        spec = {k: v for k, v in json.loads(path.read_text()).items() if k != "chunk_sleep"}
        path.write_text(json.dumps(spec))
    summary = batch(params)
    assert summary.exit_code == 0
    for path in params:
        assert_good_outputs(path)
        assert not [p for p in bb.output_dir_of(path).rglob(".*") if p.name != STAMP_NAME]


def test_a_failure_shows_its_whole_first_line_with_the_audits_own_file_names(project):
    root, params = project
    params[2].write_text(json.dumps({**json.loads(params[2].read_text()), "mode": "export"}))
    summary = batch(params)
    final = bb.output_dir_of(params[2])
    expected = f"export failed: {final / 'report.html'}: {bb.LONG_REASON}"
    assert summary.outcomes[2].message == expected
    line = next(row for row in summary.table().splitlines() if row.startswith("audit-2"))
    assert expected in line  # whole, not cut at 70 characters
    assert ".staging-" not in summary.table()
    assert summary.outcomes[2].stale_report is None  # no good report yet: nothing stale


@pytest.mark.parametrize(
    ("shown", "kept"),
    [
        ("{final}/.staging-9122-1867aebc", ""),
        ("/tmp/…/.staging-9122-1867aebc", ""),
        ("(outputs/a/.staging-1-ab", "("),
        ("'{final}/.staging-1-ab", "'"),
    ],
)
def test_reason_for_reader_replaces_any_staging_path(tmp_path, shown, kept):
    final = tmp_path / "outputs" / "a"
    message = "AuditDataError: " + shown.format(final=final) + "/notebooks/05_report.ipynb: bad"
    assert reason_for_reader(message, final) == (
        f"AuditDataError: {kept}{final}/notebooks/05_report.ipynb: bad"
    )


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_no_change_batch_removes_staging_folders_left_by_a_killed_one(project):
    root, params = project
    batch(params)
    final = bb.output_dir_of(params[0])
    good = snapshot(final)
    pid = dead_pid()
    stale = final / f".staging-{pid}-0badc0de"
    (stale / "notebooks").mkdir(parents=True)
    (stale / "report.html").write_text("half a report")
    (stale / "notebooks" / "05_report.ipynb").write_text("{}")
    temp = final / f".report.html.tmp-{pid}-0badc0de"
    temp.write_text("half")
    alive = final / f".staging-{os.getpid()}-0badc0de"  # a build still running: left alone
    alive.mkdir()

    summary = batch(params)
    assert statuses(summary)["audit-0"] == "skipped"
    assert not stale.exists() and not temp.exists()
    assert alive.is_dir()
    alive.rmdir()
    assert snapshot(final) == good  # the good report and everything beside it intact
    assert_good_outputs(params[0])


def test_one_home_for_the_atomic_writer_and_no_re_exported_staging_folder():
    import caseaudit_lib
    from caseaudit_lib.build import audit_build
    from caseaudit_lib.build import batch as batch_module

    package = Path(caseaudit_lib.__file__).parent
    writers = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if any(m in p.read_text(encoding="utf-8") for m in ("def write_atomic", "mkstemp("))
    )
    assert writers == ["export/atomic.py"]
    assert "staging_dir_for" not in vars(batch_module)  # taken from build.state, its home
    assert "staging_dir_for" not in batch_module.__all__
    assert audit_build.staging_dir_for is buildstate.staging_dir_for


def test_an_audit_whose_build_never_ends_times_out_by_name_and_the_others_are_built(tmp_path):
    # Issue 18: the pool had no per-audit timeout, so one build that never returned hung the
    # whole batch. Now its worker is stopped, the audit fails naming the timeout, and the
    # others (queued behind it or running beside it) are built.
    import time

    audits = {"a-0": {}, "a-1": {"sleep": 10**6}, "a-2": {}, "a-3": {}}
    params = bb.write_project(tmp_path, audits)
    begun = time.monotonic()
    summary = batch(params, audit_timeout=4)
    assert time.monotonic() - begun < 90
    assert statuses(summary) == {"a-0": "built", "a-1": "failed", "a-2": "built", "a-3": "built"}
    (hung,) = summary.with_status("failed")
    assert "timed out after 4 s" in hung.message and "a-1" in summary.table()
    assert build_status(bb.output_dir_of(params[1])).last_build_failed


def test_what_a_dead_worker_staged_is_checked_before_it_is_kept(tmp_path):
    # Issue 18: a failed build's files were kept in failed/ unchecked. A build checks its own
    # failures (build/leaks.py); what a dead worker left is checked by the batch's parent.
    params = bb.write_project(tmp_path, {"a-0": {"mode": "crash"}})
    seen = []

    def check(params_file, staging):
        seen.append(params_file)
        (staging / "partial.txt").unlink()  # as the leak check deletes a file with a hit
        return " (not kept, personal data in them: partial.txt)"

    summary = batch(params, check_failed=check)
    (outcome,) = summary.outcomes
    assert seen == params and outcome.status == "failed"
    assert "not kept, personal data in them: partial.txt" in outcome.message
    assert not (bb.output_dir_of(params[0]) / "failed" / "partial.txt").exists()
