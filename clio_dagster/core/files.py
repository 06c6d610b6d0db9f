"""Owner-only files and directories for the restricted zone (0600 files, 0700 directories)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def restricted_dir(path: str | Path) -> Path:
    """Create ``path`` (and missing parents) as owner-only directories; returns the path.

    Parents that already exist keep their mode: only directories created here are tightened,
    plus ``path`` itself, which is what holds the restricted data.
    """
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        # mkdir's mode is filtered by the umask, so chmod after creating
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(directory, DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def write_restricted_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` atomically to an owner-only file (0600), creating its directory owner-only."""
    return write_restricted_stream(path, lambda handle: handle.write(data))


def write_restricted_stream(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Atomically write an owner-only file (0600) by calling ``write`` on its open handle.

    Writers stream straight into the file (no in-memory copy of a day's data), and the
    temporary file is opened with mode 0600 from the start, so the data is never readable by
    others, not even between the write and a later chmod.
    """
    path = Path(path)
    restricted_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_restricted_text(path: str | Path, text: str) -> Path:
    """UTF-8 text variant of :func:`write_restricted_bytes`."""
    return write_restricted_bytes(path, text.encode("utf-8"))
