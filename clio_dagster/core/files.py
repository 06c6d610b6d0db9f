"""Owner-only files for the restricted zone: nothing there may be readable by other accounts."""

from __future__ import annotations

import os
from pathlib import Path


def restricted_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700 and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def write_restricted_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` atomically to ``path`` with mode 0600."""
    restricted_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return path
