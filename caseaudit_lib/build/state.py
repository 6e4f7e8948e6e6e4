"""The state of an audit's output folder: input hashes, the last good build's stamp, publishing.

An audit's folder ``outputs/<audit_id>/`` holds:

- the published outputs (``report.html``, tables, charts...), each one complete;
- ``.build-stamp.json``: what the last GOOD build was made from (a SHA-256 digest of every input
  of its manifest, :mod:`caseaudit_lib.manifest`, and of each stage's inputs) and which files it
  published;
- ``failed/``: the artefacts of the last failed build (for example the executed notebook that
  holds the error), replaced by each failure and removed by the next good build;
- while a build runs, ``.staging-<pid>-<token>/``, where the build writes its new outputs.

Publishing guarantee (:func:`publish`): every output file is moved into place with one
``os.replace`` (a rename within the folder's file system, atomic on POSIX and Windows), so at any
instant, even if the process is killed with SIGKILL, **each output file is either the old good one
or the new good one, never a partial file**. The *set* of files is not replaced atomically: a run
killed while publishing can leave some new files next to some old ones. That run has not written
its stamp yet, so the next batch rebuilds the audit; and ``report.html`` is replaced last, so the
report a reader opens is never newer than the files beside it. Temporary names always start with
a dot (``.staging-...``, ``.<name>.tmp-...``) so they are never mistaken for outputs. Files are
flushed (``fsync``) before they are renamed, which also makes a power cut very unlikely to leave an
empty file behind, though only a process kill is guaranteed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from caseaudit_lib.export import REPORT_FILE  # the board report, published last
from caseaudit_lib.export.atomic import (
    TEMP_MARK,
    fsync_dir,
    fsync_file,
    temp_name_for,
    write_atomic,
)
from caseaudit_lib.manifest import Manifest
from caseaudit_lib.manifest import library_fingerprint as library_fingerprint  # re-exported

STAMP_NAME = ".build-stamp.json"
FAILED_DIR = "failed"
STAGING_PREFIX = ".staging-"
PUBLISHING = "publishing"  # stamp digest while outputs are being replaced
_CHUNK = 1 << 20
_LEFTOVER_AGE_S = 24 * 3600  # where liveness of a pid cannot be checked (Windows)


class FileHasher:
    """SHA-256 digests of file contents, each file read at most once per hasher."""

    def __init__(self) -> None:
        self._digests: dict[Path, str | None] = {}

    def digest(self, path: Path) -> str | None:
        """Return the hex SHA-256 of a file's bytes, or None if there is no such file."""
        key = Path(os.path.abspath(path))
        if key not in self._digests:
            self._digests[key] = _file_sha256(key)
        return self._digests[key]


def _file_sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


@dataclass(frozen=True)
class InputState:
    """The digests of everything one audit is built from."""

    digest: str  # one digest over the library fingerprint and every input's content
    fingerprint: str
    files: dict[str, str | None]  # input path as given -> content digest (None: missing)
    stages: dict[str, str] = field(default_factory=dict)  # stage -> digest (from a manifest)


def manifest_state(manifest: Manifest) -> InputState:
    """Return the input state of one audit from its manifest (every input, by content)."""
    library = next((e.digest for e in manifest.entries if e.kind == "library"), "")
    return InputState(
        digest=manifest.digest(),
        fingerprint=library,
        files=dict(manifest.as_dict()),
        stages=manifest.stage_digests(),
    )


def input_state(files: Sequence[Path], hasher: FileHasher, fingerprint: str) -> InputState:
    """Return the input state of one audit from its input files and the library fingerprint.

    The combined digest depends on the files' contents only (sorted), not on their paths or order,
    so moving the project or listing inputs in another order does not force a rebuild; a missing
    file counts by name, so the build runs and reports it.
    """
    per_file = {str(path): hasher.digest(path) for path in files}
    parts = sorted(d if d else f"missing:{Path(p).name}" for p, d in per_file.items())
    sha = hashlib.sha256(f"library={fingerprint}\n".encode())
    for part in parts:
        sha.update(f"{part}\n".encode())
    return InputState(digest=sha.hexdigest(), fingerprint=fingerprint, files=per_file)


@dataclass(frozen=True)
class BuildStamp:
    """The record of an audit's last good build, kept in ``.build-stamp.json``."""

    inputs_digest: str
    fingerprint: str
    inputs: dict[str, str | None]
    outputs: tuple[str, ...]  # published files, relative to the audit's folder, POSIX style
    built_at: str = ""
    seconds: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


def read_stamp(final_dir: Path) -> BuildStamp | None:
    """Return the stamp of an audit's last good build, or None if absent or unreadable."""
    try:
        data = json.loads((final_dir / STAMP_NAME).read_text(encoding="utf-8"))
        return BuildStamp(
            inputs_digest=str(data["inputs_digest"]),
            fingerprint=str(data["fingerprint"]),
            inputs=dict(data["inputs"]),
            outputs=tuple(data["outputs"]),
            built_at=str(data.get("built_at", "")),
            seconds=float(data.get("seconds", 0.0)),
            extra=dict(data.get("extra", {})),
        )
    except (OSError, ValueError, KeyError, TypeError):
        # A damaged stamp only costs a rebuild.
        return None


def write_stamp(final_dir: Path, state: InputState, outputs: Iterable[str], seconds: float) -> None:
    """Record a good build of an audit, atomically."""
    stamp = BuildStamp(
        inputs_digest=state.digest,
        fingerprint=state.fingerprint,
        inputs=state.files,
        outputs=tuple(outputs),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
        extra=dict(state.stages),
    )
    text = json.dumps(asdict(stamp), indent=2)
    write_atomic(final_dir / STAMP_NAME, text.encode("utf-8"))


def mark_publishing(final_dir: Path, stamp: BuildStamp | None) -> None:
    """Invalidate an audit's stamp before its outputs are replaced, keeping its list of outputs.

    A run killed while publishing then leaves a stamp that matches no inputs, so the next batch
    rebuilds the audit even if its inputs were changed back meanwhile.
    """
    if stamp is None:
        return
    marked = replace(stamp, inputs_digest=PUBLISHING)
    write_atomic(final_dir / STAMP_NAME, json.dumps(asdict(marked), indent=2).encode("utf-8"))


def stale_reason(stamp: BuildStamp | None, state: InputState, final_dir: Path) -> str | None:
    """Return why an audit must be rebuilt, or None when its last good build is up to date."""
    if stamp is None:
        return "first build"
    if stamp.inputs_digest == PUBLISHING:
        return "an earlier publishing was interrupted"
    if stamp.inputs_digest == state.digest:
        missing = [name for name in stamp.outputs if not (final_dir / name).is_file()]
        if not missing:
            return None
        return "outputs missing: " + _short_list(missing)
    if stamp.fingerprint != state.fingerprint:
        return "library changed"
    changed = [Path(p).name for p, d in state.files.items() if stamp.inputs.get(p) != d]
    return "inputs changed: " + _short_list(changed) if changed else "inputs changed"


def _short_list(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def staging_dir_for(final_dir: Path) -> Path:
    """Create and return a fresh staging folder for a build whose outputs go to ``final_dir``.

    It lies inside ``final_dir`` so publishing is a rename on one file system, and its name holds
    the process id so the batch engine can find the artefacts of a worker that died.
    """
    final_dir.mkdir(parents=True, exist_ok=True)
    staging = final_dir / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    return staging


def staging_dirs_of(final_dir: Path, pid: int) -> list[Path]:
    """Return the staging folders a given process created in ``final_dir``."""
    return sorted(final_dir.glob(f"{STAGING_PREFIX}{pid}-*")) if final_dir.is_dir() else []


def publish(
    staging_dir: Path, final_dir: Path, *, last: Sequence[str] = (REPORT_FILE,)
) -> list[str]:
    """Move every file of a staging folder into the audit's folder, each file atomically.

    Each file replaces its namesake with ``os.replace``, so it is always either the old or the new
    complete file (see the module docstring for the exact guarantee). The names in ``last`` are
    published after all others. The staging folder is removed at the end.

    Returns:
        The published names, relative to ``final_dir``, POSIX style, in publishing order.

    """
    names = sorted(
        p.relative_to(staging_dir).as_posix() for p in staging_dir.rglob("*") if p.is_file()
    )
    order = [n for n in names if n not in last] + [n for n in last if n in names]
    final_dir.mkdir(parents=True, exist_ok=True)
    folders = {final_dir}
    for name in order:
        target = final_dir / name
        folders.add(target.parent)
        _place(staging_dir / name, target)
    for folder in folders:
        fsync_dir(folder)
    shutil.rmtree(staging_dir, ignore_errors=True)
    return order


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fsync_file(source)
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # Staged on another file system: copy beside the target under a hidden name first.
        temp = temp_name_for(target)
        try:
            shutil.copyfile(source, temp)
            fsync_file(temp)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        source.unlink(missing_ok=True)


def remove_outputs(final_dir: Path, names: Iterable[str]) -> None:
    """Delete published outputs that a newer good build no longer produces."""
    for name in names:
        (final_dir / name).unlink(missing_ok=True)


def keep_failed(staging_dir: Path | None, final_dir: Path) -> list[Path]:
    """Make a failed build's staging folder the audit's ``failed/`` folder; return its files.

    The previous ``failed/`` folder is replaced; the published good outputs are not touched.
    """
    failed = final_dir / FAILED_DIR
    shutil.rmtree(failed, ignore_errors=True)
    if staging_dir is None or not staging_dir.is_dir():
        return []
    if not any(staging_dir.iterdir()):
        shutil.rmtree(staging_dir, ignore_errors=True)
        return []
    try:
        os.replace(staging_dir, failed)
    except OSError:
        shutil.copytree(staging_dir, failed)
        shutil.rmtree(staging_dir, ignore_errors=True)
    return sorted(p for p in failed.rglob("*") if p.is_file())


def clear_failed(final_dir: Path) -> None:
    """Remove the artefacts of an earlier failed build (after a good one)."""
    shutil.rmtree(final_dir / FAILED_DIR, ignore_errors=True)


def remove_leftovers(final_dir: Path) -> None:
    """Remove staging folders and temporary files left by builds whose process has gone."""
    if not final_dir.is_dir():
        return
    for path in list(final_dir.rglob(".*")):
        if path.name.startswith(STAGING_PREFIX):
            pid = path.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        elif TEMP_MARK in path.name:
            pid = path.name.rsplit(TEMP_MARK, 1)[1].split("-", 1)[0]
        else:
            continue
        if not _is_leftover(path, pid):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _is_leftover(path: Path, pid_text: str) -> bool:
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    if os.name == "nt":
        # os.kill(pid, 0) would terminate a process on Windows: judge by age instead.
        try:
            return time.time() - path.stat().st_mtime > _LEFTOVER_AGE_S
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """Tell whether a process has died but not been reaped yet (Linux; elsewhere False)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] in (["Z"], ["X"])
