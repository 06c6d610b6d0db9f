"""Passes over a memory-mapped day that do not leave the whole file resident in the process.

Arrays loaded from the restricted store are read-only file mappings. A pass over one faults every
page in, and Linux counts those pages in the process's RSS until the mapping is closed: 2 GB for a
1M x 512 float32 day. After each block the pages are dropped from the process (MADV_DONTNEED);
they stay in the page cache, so reading them again costs no disk I/O.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator

import numpy as np


def _mapping(x: np.ndarray) -> mmap.mmap | None:
    base = x
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, mmap.mmap) else None


def release_pages(x: np.ndarray) -> None:
    """Drop the resident pages of the file mapping behind ``x`` (no-op for an in-memory array)."""
    mapping = _mapping(x)
    if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)


def float32_blocks(x: np.ndarray, rows: int) -> Iterator[tuple[int, np.ndarray]]:
    """(start, ``x[start : start + rows]`` as float32) in order: a view where ``x`` is float32
    already (do not modify it), whose mapped pages are released once the caller asks for the next."""
    for start in range(0, len(x), rows):
        yield start, np.asarray(x[start : start + rows], dtype=np.float32)
        release_pages(x)


def gather_rows(x: np.ndarray, index: np.ndarray, rows: int = 65_536) -> np.ndarray:
    """float32 ``x[index]``, gathered ``rows`` at a time, releasing mapped pages after each block."""
    out = np.empty((len(index), *x.shape[1:]), dtype=np.float32)
    for start in range(0, len(index), rows):
        out[start : start + rows] = x[index[start : start + rows]]
        release_pages(x)
    return out
