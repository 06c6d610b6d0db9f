"""Finding the files of a source and streaming their records one at a time.

A source is a file, a directory (every supported file below it, sorted by relative path; hidden
files skipped) or a glob. JSONL is streamed line by line (gzip allowed; blank lines are not records
but still count in line numbers); a file whose first record starts with ``[`` holds one JSON array
(the usual ShareGPT dump) and is loaded whole, its elements numbered from 1; Parquet is read in
row batches. A single pretty-printed JSON object spread over lines is not supported (re-export as
JSONL): each of its lines would be quarantined as ``invalid_json``.
"""

from __future__ import annotations

import glob
import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
SUPPORTED_SUFFIXES = (*JSON_SUFFIXES, *(s + ".gz" for s in JSON_SUFFIXES), ".parquet")
PARQUET_BATCH_ROWS = 10_000


class IngestError(Exception):
    """A problem with the source as a whole (not one record): says what to fix."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: where it came from, its text, and its parsed value (or why not)."""

    source: str  # absolute path of the file
    line: int  # 1-based line (JSONL), array element (JSON array) or row (Parquet)
    data: bytes | None  # the line as read; None for records that came parsed (Parquet, JSON array)
    value: Any = None
    parse_error: str | None = None  # set when the text is not valid JSON

    def raw(self) -> str:
        """The record as text, for the quarantine table (rendered only for rejected records)."""
        if self.data is not None:
            return self.data.decode("utf-8", "replace")
        return json.dumps(self.value, ensure_ascii=False, default=str)


def _supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED_SUFFIXES) and not path.name.startswith(".")


def resolve_files(source: str) -> list[Path]:
    """The files a source names, in source order; raises IngestError if it names none."""
    if not source or not source.strip():
        raise IngestError("no input given: set CLIO_INPUT or pass --input (a file, directory or glob)")
    path = Path(source).expanduser()
    if path.is_file():
        return [path.resolve()]
    if path.is_dir():
        files = sorted(
            (p for p in path.rglob("*") if p.is_file() and _supported(p)),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        if not files:
            raise IngestError(
                f"directory {source!r} holds no input files; expected names ending in "
                f"{', '.join(SUPPORTED_SUFFIXES)}"
            )
        return [p.resolve() for p in files]
    if glob.has_magic(source):
        matches = sorted(glob.glob(str(path), recursive=True))
        files = [Path(m).resolve() for m in matches if Path(m).is_file() and _supported(Path(m))]
        if not files:
            raise IngestError(
                f"glob {source!r} matches no input files ({len(matches)} paths matched, none ending in "
                f"{', '.join(SUPPORTED_SUFFIXES)})"
            )
        return files
    raise IngestError(f"input {source!r} does not exist: check the path given in CLIO_INPUT or --input")


def iter_records(files: list[Path]) -> Iterator[RawRecord]:
    """Every record of every file, in source order."""
    for path in files:
        if path.name.lower().endswith(".parquet"):
            yield from _iter_parquet(path)
        else:
            yield from _iter_json(path)


def _open_binary(path: Path):
    try:
        if path.name.lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise IngestError(
            f"cannot read {path}: {exc.strerror or exc}; check that it exists and is readable"
        ) from exc


def _parse(source: str, line: int, data: bytes) -> RawRecord:
    try:
        return RawRecord(source, line, data, value=orjson.loads(data))
    except orjson.JSONDecodeError as exc:
        return RawRecord(source, line, data, parse_error=str(exc))


def _iter_json(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    line_no = 0
    seen_record = False
    try:
        with _open_binary(path) as handle:
            for line_no, data in enumerate(handle, start=1):
                data = data.strip()
                if not data:
                    continue
                if not seen_record and data.startswith(b"["):
                    # A JSON array (the usual ShareGPT dump) cannot be split on lines: load it whole.
                    yield from _iter_json_array(source, data + handle.read())
                    return
                seen_record = True
                yield _parse(source, line_no, data)
    except (OSError, EOFError, zlib.error) as exc:
        where = f" after line {line_no}" if line_no else ""
        raise IngestError(
            f"cannot read {path}{where}: {exc}; the file is unreadable or truncated (re-export or remove it)"
        ) from exc


def _iter_json_array(source: str, data: bytes) -> Iterator[RawRecord]:
    whole = _parse(source, 1, data)
    if whole.parse_error is not None or not isinstance(whole.value, list):
        yield RawRecord(source, 1, data, parse_error=whole.parse_error or "not a JSON array")
        return
    for index, value in enumerate(whole.value, start=1):
        yield RawRecord(source, index, None, value=value)


def _iter_parquet(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    row = 0
    try:
        batches = pl.scan_parquet(path).collect_batches(chunk_size=PARQUET_BATCH_ROWS)
        for batch in batches:
            for value in batch.iter_rows(named=True):
                row += 1
                yield RawRecord(source, row, None, value=value)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise IngestError(
            f"cannot read Parquet file {path} (after row {row}): {exc}; is it a complete Parquet file?"
        ) from exc
