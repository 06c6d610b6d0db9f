"""The quarantine table (``restricted/quarantine.parquet``): appended by every ingest, owner-only.

Rows are keyed by (source, line, reason), so re-running a partition, or the undated records that
every partition reports, never duplicate a row. Writes go to a private temporary file that then
replaces the table, under an exclusive lock, so concurrent partition runs do not lose rows.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from clio_dagster.ingest.sources import IngestError
from clio_dagster.schema import QUARANTINE_SCHEMA

KEY = ["source", "line", "reason"]
FILE_MODE = 0o600
DIR_MODE = 0o700


def _make_private_dirs(directory: Path) -> None:
    """Create missing directories as 0700; existing ones are left as they are."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        path.chmod(DIR_MODE)  # explicit: mkdir's mode is filtered by the umask


@contextmanager
def _locked(path: Path):
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_quarantine(path: Path) -> pl.DataFrame:
    """The quarantine table, or an empty one with QUARANTINE_SCHEMA if the file does not exist."""
    if not path.exists():
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    try:
        table = pl.read_parquet(path)
        # Tables written before a column was added get it as nulls.
        return table.select(
            [
                pl.col(name).cast(dtype) if name in table.columns else pl.lit(None, dtype).alias(name)
                for name, dtype in QUARANTINE_SCHEMA.items()
            ]
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise IngestError(
            f"cannot read the quarantine table {path}: {exc}; move it aside and re-run"
        ) from exc


def append_quarantine(path: Path, rows: pl.DataFrame) -> int:
    """Append rows not already present by (source, line, reason); returns how many were added.

    Creates the file (0600) and missing parent directories (0700). Writes nothing if nothing is new.
    """
    path = Path(path)
    missing = [name for name in QUARANTINE_SCHEMA if name not in rows.columns]
    if missing:
        raise IngestError(f"quarantine rows lack columns {missing}; build them with QUARANTINE_SCHEMA")
    rows = rows.select([pl.col(n).cast(t) for n, t in QUARANTINE_SCHEMA.items()]).unique(
        subset=KEY, keep="first", maintain_order=True
    )
    if rows.is_empty():
        return 0
    _make_private_dirs(path.parent)
    with _locked(path):
        existing = read_quarantine(path)
        new = rows.join(existing.select(KEY), on=KEY, how="anti", nulls_equal=True)
        if new.is_empty():
            return 0
        # mkstemp creates the file 0600 with O_EXCL, so nothing else can have opened or linked it.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            pl.concat([existing, new]).write_parquet(tmp)
            tmp.chmod(FILE_MODE)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return new.height
