"""Writing a file atomically: readers see its old complete content or its new one, never half.

The one atomic writer of the package: the HTML export writes the report with it and the build
writes its stamp with it (``build.state``, which also publishes staged files with the same
``fsync`` helpers). A temporary file is named ``.<name>.tmp-<pid>-<token>`` beside its target
(:data:`TEMP_MARK`), so the build can tell a leftover of a killed process from a live write.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TEMP_MARK = ".tmp-"


def temp_name_for(path: Path) -> Path:
    """Return a fresh hidden temporary path beside ``path``, marked with this process's id."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write bytes (or text, as UTF-8) so the file is always its old or its new complete content.

    The content is flushed to disk before the rename, and the folder after it; on any failure
    the temporary file is removed and the old file is left as it was.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_name_for(path)
    try:
        with open(temp, "xb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    """Flush a file's content to disk (before it is renamed into place)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk after a rename into it (a no-op where unsupported)."""
    if os.name == "nt":
        return  # directories cannot be opened for fsync on Windows
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
