"""The speed and memory benchmark: medians and ratios measured in one run, each with its target.

Run ``make bench`` (``.venv/bin/python benchmarks/bench.py``). Measures, each repeated ``--reps``
times (median shown):

- report / floor: ``caseaudit report params/bromley-2016.yaml`` against the same notebooks' code
  as plain Python scripts run by one ``python`` process (the cost of the computations and
  charts alone); both are subprocesses, so both pay interpreter start-up. ``caseaudit report``
  builds in-process with one warm kernel (``caseaudit_lib.build.execution``). For contrast, and
  unless ``--no-variants``, the report as it was built before, with papermill starting a
  kernel per notebook (shown as a ratio to the floor, no target).
- batch speed-up: ``caseaudit batch --force`` with the default workers against ``--workers 1``
  over the 40 generated audits (``--batch-audits`` for a subset; ``--batch-reps`` times).
- batch / floor: that forced batch with the default workers against the floor of one audit
  (its median over the same run: the report part's runs, one right before and one right after
  the batch): the batch's price in plain runs of one. Target <= 8.
- no-change rebuild: ``caseaudit batch`` over all 40 generated audits with nothing changed.
- findings edit loop: one line of a findings file changed, then ``caseaudit report`` (the report
  notebook, HTML and PDF only), against a full ``caseaudit report --force``, alternated.
- loading: ``load_audit`` of a 3,000-row workbook against bare ``pandas.read_excel`` (calamine),
  with the bare openpyxl read beside it.
- memory: peak resident memory of ``caseaudit batch --force`` (the whole process tree, sampled
  from /proc, and the largest single process from getrusage) for 10 and 40 audits.

Generated data lives in ``benchmarks/work/`` (git-ignored; see benchmarks/generate.py). Every
command runs with ``CASEAUDIT_ROOT`` pointing at a root of its own there, so the project's
``outputs/`` is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from floor import KERNEL, cell_as_script, write_floor  # noqa: E402, F401 (tests use them here)
from memory import peak_memory  # noqa: E402
from preview_bench import bench_preview  # noqa: E402

VENV_BIN = Path(sys.executable).parent
CAESAUDIT_CMD = str(VENV_BIN / "caseaudit")
SAMPLE_PARAMS = "params/bromley-2016.yaml"
EDIT_PARAMS = "params/bromley-2016-split.yaml"  # Markdown findings: one line is one sentence
EDIT_FINDINGS = "data/findings/bromley-2016-split.md"
BATCH_FLOOR_TARGET = "<= 8"
# A fixed salt: the benchmark must not create or depend on the machine's secret salt.
BENCH_SALT = "benchmark-salt-not-secret"


@dataclass
class Row:
    """One line of the final table."""

    measure: str
    value: str
    target: str
    met: bool | None


ROWS: list[Row] = []
FLOOR_TIMES: list[float] = []  # every timed run of the floor, in this run


def say(text: str = "") -> None:
    print(text, flush=True)


def median_time(fn: Callable[[], object], reps: int) -> tuple[float, list[float]]:
    """Return the median wall time of fn over reps runs, and every time."""
    times = []
    for _ in range(reps):
        begun = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begun)
    return statistics.median(times), times


def shown(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def run(cmd: list[str], env: dict[str, str], cwd: Path, *, check: bool = True) -> int:
    """Run a command quietly; on failure print its output and stop."""
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        say(done.stdout[-3000:])
        say(done.stderr[-3000:])
        raise SystemExit(f"benchmark command failed ({done.returncode}): {' '.join(cmd)}")
    return done.returncode


def env_for(root: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CASEAUDIT_ROOT"] = str(root)
    env["CASEAUDIT_SALT"] = BENCH_SALT
    env.update(extra)
    return env


# -- machine ---------------------------------------------------------------------------------


def machine() -> list[str]:
    """Describe the machine and the software the figures come from."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    packages = [
        "caseaudit", "pandas", "numpy", "matplotlib", "papermill", "nbclient", "nbconvert",
        "ipykernel", "jupyter_client", "python-calamine", "openpyxl",
    ]  # fmt: skip
    return [
        f"cores (nproc): {len(os.sched_getaffinity(0))}; CPU: {cpu}",
        f"memory: {mem_kb / 1024 / 1024:.1f} GiB; {platform.platform()}",
        f"Python {platform.python_version()}; " + ", ".join(f"{p} {version(p)}" for p in packages),
    ]


# -- the report as it was built before the warm kernel (for contrast) ------------------------


def papermill_executor(source: Path, target: Path, parameters: dict, cwd: Path) -> None:
    """report.Executor that runs a notebook with papermill, one kernel per notebook."""
    import papermill

    papermill.execute_notebook(
        str(source),
        str(target),
        parameters=dict(parameters),
        kernel_name=KERNEL,
        cwd=str(cwd),
        progress_bar=False,
    )


def report_papermill(params_file: str) -> None:
    """Run one audit's notebooks in this process with papermill per notebook, and its HTML."""
    import tempfile

    from caseaudit_lib.build.audit_build import REPORT_NOTEBOOK, footer_text
    from caseaudit_lib.config.params import load_params
    from caseaudit_lib.export.html import export_html, make_exporter
    from caseaudit_lib.manifest import audit_notebooks, notebooks_dir

    params = load_params(Path(params_file))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for notebook in audit_notebooks():
            papermill_executor(notebook, out / notebook.name, params.to_dict(), notebooks_dir())
        export_html(
            out / REPORT_NOTEBOOK,
            out / "report.html",
            title=params.title,
            footer=footer_text(params),
            exporter=make_exporter(),
        )


# -- measurements ----------------------------------------------------------------------------


def record(measure: str, value: str, target: str, met: bool | None) -> None:
    ROWS.append(Row(measure, value, target, met))
    mark = "" if met is None else ("  [met]" if met else "  [NOT met]")
    say(f"  => {measure}: {value}   target {target}{mark}")


def sample_root(work: Path) -> Path:
    """A project root for the bundled sample: links to params, data and notebooks."""
    root = work / "sample"
    (root / "outputs").mkdir(parents=True, exist_ok=True)
    for name in ("params", "data", "notebooks"):
        link = root / name
        if not link.exists():
            link.symlink_to(PROJECT / name, target_is_directory=True)
    return root


def floor_runner(work: Path) -> Callable[[], float]:
    """Return a function that runs the floor of one audit once and returns its seconds."""
    root = sample_root(work)
    notebooks = sorted((PROJECT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    floor = write_floor(notebooks, PROJECT / SAMPLE_PARAMS, work / "floor")
    cmd, env = [sys.executable, str(floor)], env_for(root)
    run(cmd, env, root)  # warm the file cache once, untimed

    def once() -> float:
        begun = time.perf_counter()
        run(cmd, env, root)
        FLOOR_TIMES.append(time.perf_counter() - begun)
        return FLOOR_TIMES[-1]

    return once


def bench_report(work: Path, reps: int, variants: bool) -> Callable[[], float]:
    say("\n## report / floor (one audit: bromley-2016)")
    root = sample_root(work)
    env = env_for(root)
    floor = floor_runner(work)
    report_cmd = [CAESAUDIT_CMD, "report", SAMPLE_PARAMS, "--force"]  # a full report each time
    all_report, all_floor = [], []
    # Alternated, not one after the other: on a shared machine the load drifts over minutes.
    for _ in range(reps):
        begun = time.perf_counter()
        run(report_cmd, env, root)
        all_report.append(time.perf_counter() - begun)
        all_floor.append(floor())
    t_report, t_floor = statistics.median(all_report), statistics.median(all_floor)
    say(f"  caseaudit report: median {t_report:.2f} s ({shown(all_report)})")
    say(f"  floor (python floor.py, 5 notebooks): median {t_floor:.2f} s")
    say(f"    each run: {shown(all_floor)}")
    ratio = t_report / t_floor
    record("report / floor", f"{ratio:.2f}", "<= 1.5", ratio <= 1.5)
    if not variants:
        return floor
    # For information only: the pipeline before the warm kernel, in one process.
    cmd = [sys.executable, __file__, "--report-papermill", SAMPLE_PARAMS]
    t, all_t = median_time(lambda: run(cmd, env, root), reps)
    say(f"  in one process, papermill per notebook: median {t:.2f} s ({shown(all_t)})")
    record("papermill per notebook / floor", f"{t / t_floor:.2f}", "(for contrast)", None)
    return floor


def edit_root(work: Path) -> Path:
    """A fresh project root with copies of params and data (the loop edits a findings file)."""
    root = work / "editloop"
    shutil.rmtree(root, ignore_errors=True)
    (root / "outputs").mkdir(parents=True)
    for name in ("params", "data"):
        shutil.copytree(PROJECT / name, root / name)
    (root / "notebooks").symlink_to(PROJECT / "notebooks", target_is_directory=True)
    return root


def bench_edit_loop(work: Path, reps: int) -> None:
    """The analyst's edit loop: one findings line changed, `caseaudit report`, the page updated."""
    say(f"\n## findings edit loop ({EDIT_PARAMS}) against a full report, alternated")
    root = edit_root(work)
    env = env_for(root)
    findings = root / EDIT_FINDINGS
    page = root / "outputs" / Path(EDIT_PARAMS).stem / "report.html"
    original = findings.read_text(encoding="utf-8")
    full_cmd = [CAESAUDIT_CMD, "report", EDIT_PARAMS, "--force"]
    run(full_cmd, env, root)  # the first build, untimed
    all_full, all_edit = [], []
    for i in range(reps):
        begun = time.perf_counter()
        run(full_cmd, env, root)
        all_full.append(time.perf_counter() - begun)
        marker = f"edit loop {i} {time.time_ns()}"
        edited = original.replace("\ninspections.\n", f"\ninspections ({marker}).\n", 1)
        assert edited != original, "the findings line to edit is not in the file"
        findings.write_text(edited, encoding="utf-8")
        begun = time.perf_counter()
        run([CAESAUDIT_CMD, "report", EDIT_PARAMS], env, root)
        all_edit.append(time.perf_counter() - begun)
        if marker not in page.read_text(encoding="utf-8"):
            raise SystemExit(f"the edit loop did not update {page}")
    t_full, t_edit = statistics.median(all_full), statistics.median(all_edit)
    say(f"  full report (--force): median {t_full:.2f} s ({shown(all_full)})")
    say(f"  edit loop (findings only): median {t_edit:.2f} s ({shown(all_edit)})")
    ratio = t_edit / t_full
    value = f"{ratio:.2f} ({t_edit:.2f} s vs {t_full:.2f} s)"
    record("findings edit loop / full report", value, "< 1 (for information)", ratio < 1)


def batch_cmd(files: list[Path], workers: int | None) -> list[str]:
    """Return the command of a forced batch over files (default workers when None)."""
    cmd = [CAESAUDIT_CMD, "batch", *map(str, files), "--force", "--no-progress"]
    return cmd + (["--workers", str(workers)] if workers else [])


def bench_batch(work: Path, reps: int, n_audits: int, floor: Callable[[], float]) -> None:
    root = generate.bench_root(work)
    files = sorted((root / "params").glob("*.yaml"))
    # Whole services (all their years), so every earlier audit an audit names is there.
    subset = files[:n_audits]
    say(f"\n## batch speed-up ({len(subset)} of {len(files)} generated audits, --force)")
    env = env_for(root)
    one, default = batch_cmd(subset, 1), batch_cmd(subset, None)
    t_one, all_one = median_time(lambda: run(one, env, root), reps)
    floor()  # the floor right before and after the default batch, for the ratio below
    t_all, all_all = median_time(lambda: run(default, env, root), reps)
    floor()
    say(f"  --workers 1: median {t_one:.1f} s ({shown(all_one)})")
    say(f"  default workers ({len(os.sched_getaffinity(0))} cores): median {t_all:.1f} s")
    speedup = t_one / t_all
    record(
        f"batch speed-up ({len(subset)} audits)",
        f"{speedup:.2f}",
        ">= 1.8 on 2 cores",
        speedup >= 1.8,
    )
    # The whole batch's price in plain runs of one audit: the floor's median over this run
    # (the report part's runs, and one right before and one right after this batch).
    t_floor = statistics.median(FLOOR_TIMES)
    say(f"  floor of one audit, every run so far: {shown(FLOOR_TIMES)}")
    ratio = t_all / t_floor
    say(f"  per audit: {t_all / len(subset):.2f} s of the batch; floor of one: {t_floor:.2f} s")
    record(
        f"batch of {len(subset)} / floor of one",
        f"{ratio:.1f} ({t_all:.1f} s vs {t_floor:.2f} s)",
        BATCH_FLOOR_TARGET,
        ratio <= 8,
    )


def bench_memory_and_nochange(work: Path, reps: int, sizes: tuple[int, int]) -> None:
    root = generate.bench_root(work)
    files = sorted((root / "params").glob("*.yaml"))
    env = env_for(root)
    small, large = sizes
    say(f"\n## memory: peak resident memory of `caseaudit batch --force`, {small} vs {large}")
    results = {}
    for n in (small, large):
        seconds, tree, single = peak_memory(batch_cmd(files[:n], None), env, root)
        results[n] = tree
        say(
            f"  {n} audits: {seconds:.1f} s, peak of the process tree {tree:.0f} MiB, "
            f"largest single process {single:.0f} MiB"
        )
    ratio = results[large] / results[small]
    record(
        f"memory {large} / {small} audits",
        f"{ratio:.2f} ({results[small]:.0f} vs {results[large]:.0f} MiB)",
        "<= 1.1 (flat)",
        ratio <= 1.1,
    )
    say(f"\n## no-change rebuild ({large} audits, all built above)")
    cmd = [CAESAUDIT_CMD, "batch", *map(str, files[:large]), "--no-progress"]
    t, all_t = median_time(lambda: run(cmd, env, root), reps)
    say(f"  caseaudit batch, nothing changed: median {t:.2f} s ({shown(all_t)})")
    record(f"no-change rebuild ({large} audits)", f"{t:.2f} s", "<= 0.5 s", t <= 0.5)


def bench_loading(work: Path, reps: int, workbook: Path) -> None:
    import pandas as pd

    from caseaudit_lib.audit.loading import load_audit
    from caseaudit_lib.framework.model import load_framework

    framework = load_framework(generate.FRAMEWORK)
    load_audit(workbook, framework)  # warm up: imports, file cache
    pd.read_excel(workbook, engine="calamine", header=None)
    t_lib, all_lib = median_time(lambda: load_audit(workbook, framework), reps)
    t_cal, all_cal = median_time(
        lambda: pd.read_excel(workbook, engine="calamine", header=None), reps
    )
    t_opx, _ = median_time(lambda: pd.read_excel(workbook, engine="openpyxl", header=None), reps)
    rows = len(pd.read_excel(workbook, engine="calamine", header=None))
    say(f"\n## loading ({workbook.name}: {rows} rows incl. header rows, full question set)")
    say(f"  load_audit (read + normalise + validate + pseudonymise): median {t_lib:.3f} s")
    say(f"  pandas.read_excel(engine='calamine'): median {t_cal:.3f} s ({shown(all_cal)})")
    say(f"  pandas.read_excel(engine='openpyxl'): median {t_opx:.3f} s")
    record("loading: load_audit / calamine read", f"{t_lib / t_cal:.2f}", "<= 1.5", None)
    ROWS[-1].met = t_lib / t_cal <= 1.5
    record("loading: openpyxl read / calamine read", f"{t_opx / t_cal:.1f}", "(for scale)", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median; default 3)")
    parser.add_argument("--work", type=Path, default=generate.DEFAULT_WORK)
    parser.add_argument(
        "--batch-audits", type=int, default=40, help="audits in the speed-up (default all 40)"
    )
    # A forced batch of 40 audits takes minutes, so its run-to-run noise is small beside it.
    parser.add_argument(
        "--batch-reps", type=int, default=1, help="repetitions of the speed-up (default 1)"
    )
    parser.add_argument("--memory", default="10,40", help="audit counts compared for memory")
    parser.add_argument("--no-variants", action="store_true", help="skip in-process variants")
    parser.add_argument(
        "--only",
        default="report,editloop,preview,batch,memory,loading",
        help="comma-separated parts to run",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: tiny data, 1 repetition, no variants"
    )
    parser.add_argument("--report-papermill", metavar="PARAMS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report_papermill:
        report_papermill(args.report_papermill)
        return 0
    parts = set(args.only.split(","))
    sizes = tuple(int(n) for n in args.memory.split(","))
    services, years, loading = generate.SERVICES, generate.YEARS, generate.LOADING_SERVICES
    if args.quick:
        args.reps, args.batch_reps, args.batch_audits = 1, 1, 2
        sizes, args.no_variants = (1, 2), True
        services, years, loading = 1, 2, 5
        if args.work == generate.DEFAULT_WORK:
            args.work = generate.DEFAULT_WORK.parent / "work-quick"
    say("# caseaudit benchmark")
    say(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    for line in machine():
        say(line)
    say(f"repetitions: {args.reps} (medians shown)")
    generate.generate_audits(args.work, services, years)
    workbook = generate.generate_loading_workbook(args.work, loading)
    if "loading" in parts:
        bench_loading(args.work, max(args.reps, 3), workbook)
    floor = None
    if "report" in parts:
        floor = bench_report(args.work, args.reps, not args.no_variants)
    if "editloop" in parts:
        bench_edit_loop(args.work, args.reps)
    if "preview" in parts:
        bench_preview(args.work, PROJECT, CAESAUDIT_CMD, env_for, args.reps, say, record)
    if "batch" in parts:
        bench_batch(args.work, args.batch_reps, args.batch_audits, floor or floor_runner(args.work))
    if "memory" in parts:
        bench_memory_and_nochange(args.work, args.reps, sizes)
    say("\n## summary")
    width = max(len(r.measure) for r in ROWS)
    say(f"{'measure'.ljust(width)}  {'value':<24}  {'target':<18}  met")
    for r in ROWS:
        met = "-" if r.met is None else ("yes" if r.met else "no")
        say(f"{r.measure.ljust(width)}  {r.value:<24}  {r.target:<18}  {met}")
    say(json.dumps({r.measure: r.value for r in ROWS}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
