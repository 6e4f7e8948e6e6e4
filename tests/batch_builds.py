"""Tiny builds for the batch engine's tests, importable by spawned worker processes.

A "project" is a temporary folder with ``params/<audit_id>.json`` (what the build should do),
``data/...`` (inputs) and ``outputs/<audit_id>/``. Each output file's content names the file and
a digest of the audit's inputs, padded to a size, so a test can tell an old complete file, a new
complete file and a partial one apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from caseaudit_lib.build.batch import BuildFailed, BuildResult, run_batch
from caseaudit_lib.build.state import staging_dir_for

FINGERPRINT = "test-library"
LONG_REASON = (
    "the report would load 1 resource(s) from outside the file (first: <script src> from "
    "cdn.example.org); it must open offline, so embed it or leave it out"
)


def output_dir_of(params_file: Path) -> Path:
    return params_file.parent.parent / "outputs" / params_file.stem


def inputs_of(params_file: Path) -> list[Path]:
    spec = json.loads(params_file.read_text())
    return [params_file.parent.parent / name for name in spec.get("inputs", [])]


def version_of(params_file: Path) -> str:
    """Digest of the params file and the inputs, as the build sees them."""
    sha = hashlib.sha256(params_file.read_bytes())
    for path in inputs_of(params_file):
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def output_names(spec: dict) -> list[str]:
    return [
        "scores.csv",
        *(f"chart_{i}.txt" for i in range(spec.get("extra_files", 0))),
        "report.html",
    ]


def content(name: str, version: str, size: int) -> bytes:
    head = f"{name}|{version}|".encode()
    return head + b"x" * max(0, size - len(head))


def write_project(root: Path, audits: dict[str, dict]) -> list[Path]:
    """Write params files (and a data file per audit) and return the params paths."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "framework.txt").write_text("shared framework v1")
    paths = []
    for audit_id, spec in audits.items():
        data = root / "data" / f"{audit_id}.csv"
        if not data.exists():
            data.write_text(f"case,answer\n1,yes\n# {audit_id}\n")
        spec = {"inputs": ["data/framework.txt", f"data/{audit_id}.csv"], **spec}
        path = root / "params" / f"{audit_id}.json"
        path.write_text(json.dumps(spec))
        paths.append(path)
    return paths


_greeting = None


def init_worker(greeting: str) -> None:
    """A per-worker initializer, as the report module's would import papermill once."""
    global _greeting
    _greeting = greeting


def _log(spec: dict, params_file: Path, event: str) -> None:
    log_dir = spec.get("log")
    if log_dir:
        record = {"audit": params_file.stem, "pid": os.getpid(), "event": event, "t": time.time()}
        record |= {"omp": os.environ.get("OMP_NUM_THREADS"), "greeting": _greeting}
        line = json.dumps(record)
        with open(Path(log_dir) / f"{params_file.stem}.log", "a") as handle:
            handle.write(line + "\n")


def build(params_file: Path) -> BuildResult:
    """Build one fake audit as its params file says: ok, fail, raise or crash."""
    spec = json.loads(params_file.read_text())
    _log(spec, params_file, "start")
    final_dir = output_dir_of(params_file)
    staging = staging_dir_for(final_dir)
    version = version_of(params_file)
    mode = spec.get("mode", "ok")
    if mode == "crash":
        (staging / "partial.txt").write_text("half")
        os._exit(3)
    if mode == "raise":
        raise ValueError("the data file has no case_id column")
    if mode == "export":  # a failure whose reason names a file in the staging folder
        raise BuildFailed(f"export failed: {staging / 'report.html'}: {LONG_REASON}", staging)
    if mode == "fail":
        (staging / "audit.ipynb").write_text('{"error": "cell 3 failed"}')
        raise BuildFailed("cell 3 failed: KeyError 'AS1'", staging_dir=staging)
    time.sleep(spec.get("sleep", 0.0))
    size = spec.get("size", 64)
    for name in output_names(spec):
        data = content(name, version, size)
        with open(staging / name, "wb") as handle:
            # Written in pieces, slowly if asked, so a kill can land in the middle of a file.
            for start in range(0, len(data), 4096):
                handle.write(data[start : start + 4096])
                handle.flush()
                time.sleep(spec.get("chunk_sleep", 0.0))
    _log(spec, params_file, "end")
    return BuildResult(staging)


def main(root: str, workers: str) -> None:
    """Run a batch over a project folder (for the test that kills it)."""
    params = sorted(Path(root, "params").glob("*.json"))
    summary = run_batch(
        params,
        build,
        workers=int(workers),
        progress=False,
        inputs_of=inputs_of,
        output_dir_of=output_dir_of,
        fingerprint=FINGERPRINT,
    )
    print(summary.table())


if __name__ == "__main__":
    main(*sys.argv[1:])
