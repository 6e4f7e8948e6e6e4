"""Generate the benchmark's larger synthetic data: 40 audits in a project root of their own, and
a 3,000-row scoring workbook for the loading benchmark.

Everything is made with the sample generator's own simulation (``scripts/make_sample_data.py``),
so the answers look like the bundled samples: invented case ids, auditors and identifying
columns (dropped at load). Nothing here is real.

The 40 audits (10 services x 4 yearly audits, each audit naming the one before it as its earlier
audit) live under ``<work>/root``, a project root of their own: ``params/``, ``data/`` and
``outputs/`` there, ``notebooks`` a link to the project's notebooks. Run the commands with
``CASEAUDIT_ROOT=<work>/root`` so the benchmark never touches the project's own ``outputs/``.

Run: ``python benchmarks/generate.py [--work benchmarks/work]``. Files that exist are kept
(delete the folder to regenerate); the same seed always gives the same answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_WORK = PROJECT / "benchmarks" / "work"
FRAMEWORK = "yjb-audit-2016"
SERVICES, YEARS, FIRST_YEAR = 10, 4, 2016
LOADING_SERVICES, LOADING_CASES = 150, 20
SEED = 6


def sample_generator() -> ModuleType:
    """Return scripts/make_sample_data.py as a module (it is a script, not part of the package)."""
    path = PROJECT / "scripts" / "make_sample_data.py"
    spec = importlib.util.spec_from_file_location("make_sample_data", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def audit_id(service: int, year: int) -> str:
    return f"svc{service:02d}-{year}"


def bench_root(work: Path) -> Path:
    return work / "root"


def generate_audits(work: Path, services: int = SERVICES, years: int = YEARS) -> list[Path]:
    """Write the audits' data and params files under ``<work>/root``; return the params files."""
    from caseaudit_lib.framework.model import load_framework

    root = bench_root(work)
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "outputs").mkdir(parents=True, exist_ok=True)
    link = root / "notebooks"
    if not link.exists():
        link.symlink_to(PROJECT / "notebooks", target_is_directory=True)
    files = [
        root / "params" / f"{audit_id(s, FIRST_YEAR + y)}.yaml"
        for s in range(1, services + 1)
        for y in range(years)
    ]
    if all(f.exists() for f in files):
        return files
    gen = sample_generator()
    framework = load_framework(FRAMEWORK)
    rng = np.random.default_rng(SEED)
    for s in range(1, services + 1):
        for y in range(years):
            year = FIRST_YEAR + y
            aid = audit_id(s, year)
            on = dt.date(year, 3, 1) + dt.timedelta(days=s)
            story = gen.STORY_2016 if y == 0 else gen.STORY_2017
            cases, answers = gen.simulate(
                framework,
                story,
                rng,
                prefix=f"S{s:02d}-{year % 100}",
                n_cases=20,
                auditors=[f"Auditor {c}" for c in "ABCDEF"],
                mix=gen.MIX_BROMLEY,
                on=on,
                second_markings=2 if y == 0 else 0,
            )
            # Both input layouts, as services send them: xlsx (wide) and csv (long).
            if y % 2 == 0:
                data = Path("data") / f"{aid}.xlsx"
                gen.write_wide_xlsx(framework, cases, answers, root / data)
            else:
                data = Path("data") / f"{aid}.csv"
                gen.write_long_csv(framework, cases, answers, root / data)
            params = {
                "audit_id": aid,
                "title": f"Case file audit, Service {s:02d} YOS, {year} (benchmark data)",
                "service": f"Service {s:02d} YOS",
                "audit_date": on.isoformat(),
                "audit_end_date": (on + dt.timedelta(days=1)).isoformat(),
                "data_file": data.as_posix(),
                "framework": FRAMEWORK,
                "caseload": 60 + s,
                "sample_description": "20 open cases (synthetic benchmark data)",
                "baselines": [],
                "earlier_audits": [f"params/{audit_id(s, year - 1)}.yaml"] if y else [],
                "findings_file": None,
                "organisational_ratings": {},
                "privacy": {"drop": [], "pseudonymise": []},
            }
            gen.write_yaml(params, root / "params" / f"{aid}.yaml", "Benchmark data (synthetic).")
    return files


def generate_loading_workbook(
    work: Path, services: int = LOADING_SERVICES, cases: int = LOADING_CASES
) -> Path:
    """Write one wide workbook of services x cases rows, every question of the framework."""
    path = work / f"loading-{services * cases}.xlsx"
    if path.exists():
        return path
    import pandas as pd

    from caseaudit_lib.framework.model import load_framework

    gen = sample_generator()
    framework = load_framework(FRAMEWORK)
    rng = np.random.default_rng(SEED + 1)
    all_cases, all_answers = [], []
    for s in range(1, services + 1):
        c, a = gen.simulate(
            framework,
            gen.STORY_2016,
            rng,
            prefix=f"L{s:03d}",
            n_cases=cases,
            auditors=[f"Auditor {x}" for x in "ABCDEFG"],
            mix=gen.MIX_BROMLEY,
            on=dt.date(2016, 3, 21),
        )
        all_cases.append(c)
        all_answers.append(a)
    gen.write_wide_xlsx(
        framework,
        pd.concat(all_cases, ignore_index=True),
        pd.concat(all_answers, ignore_index=True),
        path,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args(argv)
    files = generate_audits(args.work)
    workbook = generate_loading_workbook(args.work)
    print(f"{len(files)} audits under {bench_root(args.work)}; loading workbook {workbook}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
