"""Writing a built split to disk and reading its labels back."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

PROMPT_SCHEMA = {
    "text": pl.String,
    "language": pl.String,
    "harmful": pl.Boolean,
    "harm_category": pl.String,
    "source": pl.String,
    "source_label": pl.String,
    "template_made": pl.Boolean,
    "split": pl.String,
}


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def write_corpus(out_dir: Path, corpus: dict) -> None:
    """conversations.jsonl, labels.jsonl, prompts.parquet and summary.json in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out_dir / "conversations.jsonl", corpus["conversations"])
    _write_jsonl(out_dir / "labels.jsonl", corpus["labels"])
    # No statistics: they embed the writer's version, and the file should depend only on the data.
    pl.DataFrame(corpus["prompts"], schema=PROMPT_SCHEMA).write_parquet(
        out_dir / "prompts.parquet", statistics=False
    )
    (out_dir / "summary.json").write_text(json.dumps(corpus["summary"], ensure_ascii=False, indent=2) + "\n")


def load_labels(path: str | Path) -> pl.DataFrame:
    """labels.jsonl (or the directory holding it) as a DataFrame, one row per conversation."""
    path = Path(path)
    if path.is_dir():
        path = path / "labels.jsonl"
    return pl.read_ndjson(path)


def load_conversations(path: str | Path) -> list[dict]:
    path = Path(path)
    if path.is_dir():
        path = path / "conversations.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
