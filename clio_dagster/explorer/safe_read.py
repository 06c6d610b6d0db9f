"""Reading files strictly inside the public zone: no symlinks, no path that resolves elsewhere."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path


class ExplorerInputError(ValueError):
    """A public input the explorer refuses to read (outside ``public/``, a symlink, or malformed)."""


def public_root(public_dir: Path) -> Path:
    """The resolved public directory, refusing anything that is not a real directory of the public zone."""
    given = Path(public_dir)
    if given.is_symlink():
        raise ExplorerInputError(f"{given} is a symlink; pass the real public directory")
    root = given.resolve()
    if not root.is_dir():
        raise ExplorerInputError(f"{root} is not a directory; run the public_hierarchy asset first")
    # The restricted zone holds per-conversation data: a build pointed at it must never happen.
    if "restricted" in root.parts:
        raise ExplorerInputError(f"{root} is inside a restricted directory; the explorer reads public/ only")
    return root


def inside(root: Path, path: Path) -> Path:
    """``path`` after checking that it and every directory between it and ``root`` is no symlink."""
    relative = path
    if path.is_absolute():
        if not path.is_relative_to(root):
            raise ExplorerInputError(f"{path} escapes {root}")
        relative = path.relative_to(root)
    if ".." in relative.parts:
        raise ExplorerInputError(f"{path} escapes {root}")
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            raise ExplorerInputError(
                f"{current} is a symlink; the explorer refuses to follow links out of public/"
            )
    if not current.resolve().is_relative_to(root):
        raise ExplorerInputError(f"{current} resolves outside {root}")
    return current


def read_json(root: Path, path: Path) -> object:
    """Parse one JSON file inside ``root``, opened without following links (no check-then-open race)."""
    checked = inside(root, path)
    try:
        fd = os.open(checked, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise ExplorerInputError(f"cannot open {checked}: {error.strerror}") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExplorerInputError(f"{checked} is not a regular file")
        # A second name for the file could be a restricted path: the pipeline writes public files fresh.
        if info.st_nlink > 1:
            raise ExplorerInputError(
                f"{checked} has {info.st_nlink} hard links; copy the public file instead"
            )
        raw = handle.read()
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise ExplorerInputError(f"{checked} is not valid JSON: {error}") from error
