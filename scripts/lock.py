"""The lock file: pinned, hashed requirements for Python 3.11, and environment.yml's pins.

    python scripts/lock.py            # regenerate requirements.lock, rewrite environment.yml
    python scripts/lock.py --upgrade  # the same, every package at its newest allowed release
    python scripts/lock.py --check    # fail in one line when the lock is older than pyproject

``make lock`` and ``make upgrade`` run it; ``make venv`` runs ``--check`` (standard library only)
and then installs the lock with ``pip --require-hashes``. The lock is made by uv (``uv pip
compile``, universal: one file for Linux, macOS and Windows) from pyproject.toml's dependencies
and its ``test`` extra. Its first lines record a digest of those declarations, so a dependency
added to pyproject.toml (by a merge, say) without ``make lock`` stops ``make venv`` with one line
saying so. environment.yml is written whole from pyproject.toml's names and the lock's versions
for Python 3.11, so conda users get the same versions: after a merge, ``make lock`` is the one
command that brings both files up to date (tests/test_packaging.py checks they agree).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
ENVIRONMENT = ROOT / "environment.yml"
PYTHON = "3.11"
DIGEST_LINE = "# pyproject-digest: "
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)")


def canonical(name: str) -> str:
    """Return a distribution name as pip compares them: lower case, runs of -_. as "-"."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> tuple[list[str], list[str], str]:
    """Return pyproject.toml's runtime and test requirements, and its requires-python."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return (
        list(project["dependencies"]),
        list(project["optional-dependencies"]["test"]),
        project["requires-python"],
    )


def digest() -> str:
    """Return the digest of everything in pyproject.toml that decides the lock."""
    text = json.dumps([*declared(), PYTHON], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check() -> int:
    """Return 0 when the lock was made from pyproject.toml as it is; else say so, return 1."""
    if not LOCK.exists():
        print("requirements.lock is missing: run `make lock`", file=sys.stderr)
        return 1
    if f"{DIGEST_LINE}{digest()}" not in LOCK.read_text(encoding="utf-8").splitlines()[:3]:
        print(
            "requirements.lock does not match pyproject.toml's dependencies (changed or merged "
            "since the lock was made): run `make lock`",
            file=sys.stderr,
        )
        return 1
    return 0


def compile_lock(upgrade: bool) -> None:
    """Write requirements.lock with uv, headed by the digest of the declarations."""
    # The old lock, when there is one, is read by uv as its preferences: every pin that still
    # fits is kept, unless --upgrade.
    command = [
        "uv", "pip", "compile", "pyproject.toml", "--extra", "test", "--generate-hashes",
        "--universal", "--python-version", PYTHON, "--no-header", "--quiet",
        "--output-file", str(LOCK),
    ]  # fmt: skip
    if upgrade:
        command.append("--upgrade")
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode:
        sys.exit(f"lock: uv pip compile failed: {done.stderr.strip()}")
    body = LOCK.read_text(encoding="utf-8")
    body = "\n".join(line for line in body.splitlines() if not line.startswith("# "))
    header = (
        "# Pinned, hashed requirements for Python 3.11: `make lock` writes this file from\n"
        "# pyproject.toml (scripts/lock.py, uv pip compile); do not edit by hand.\n"
        f"{DIGEST_LINE}{digest()}\n"
    )
    LOCK.write_text(header + body.lstrip("\n") + "\n", encoding="utf-8")


def locked_versions() -> dict[str, str]:
    """Return the lock's version of each package for Python 3.11 on Linux."""
    from packaging.markers import Marker

    environment = {"python_version": PYTHON, "python_full_version": f"{PYTHON}.0",
                   "sys_platform": "linux", "platform_system": "Linux",
                   "platform_machine": "x86_64", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "os_name": "posix"}  # fmt: skip
    versions: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if not match:
            continue
        name, version, marker = match.groups()
        if marker and not Marker(marker.strip()).evaluate(environment):
            continue
        versions[canonical(name)] = version
    return versions


def environment_text() -> str:
    """Return environment.yml as the lock makes it: pyproject's dependencies, locked versions."""
    runtime, test, _ = declared()
    versions = locked_versions()

    def pinned(spec: str) -> str:
        name = _NAME.match(spec).group(1)
        version = versions.get(canonical(name))
        if version is None:
            raise SystemExit(f"lock: {name} is in pyproject.toml but not in requirements.lock")
        return f"  - {name}=={version}"

    lines = [
        "# For conda users: the same dependencies as pyproject.toml at the versions of",
        "# requirements.lock (Python 3.11). Written by `make lock` (scripts/lock.py): do not edit;",
        "# tests/test_packaging.py checks the three agree. caseaudit itself is installed by pip",
        "# in editable mode.",
        "#   conda env create -f environment.yml && conda activate caseaudit",
        "#   python -m ipykernel install --user --name caseaudit \\",
        '#       --display-name "Python (caseaudit)"',
        "name: caseaudit",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  # runtime",
        *map(pinned, runtime),
        "  # test",
        *map(pinned, test),
        "  - pip:",
        "      - --no-deps -e .",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Regenerate the lock and environment.yml, or check the lock (``--check``)."""
    if "--check" in argv:
        return check()
    compile_lock(upgrade="--upgrade" in argv)
    ENVIRONMENT.write_text(environment_text(), encoding="utf-8")
    print(f"wrote {LOCK.name} and {ENVIRONMENT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
