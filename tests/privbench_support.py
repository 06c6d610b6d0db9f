"""Helpers for the end-to-end privacy tests: run one partition, read its check results and its
public files, and rewrite the sample corpus with planted injections."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import PartitionOutcome, run_partition
from clio_dagster.schema import PublicHierarchy


def first_date(sample_corpus) -> str:
    return sample_corpus.dates[0]


def run(date: str) -> tuple[PartitionOutcome, dict[str, bool]]:
    """Run the daily job for ``date`` on a fresh instance; the outcome and each check's pass/fail."""
    instance = DagsterInstance.ephemeral()
    outcome = run_partition(date, instance)
    checks = {}
    for record in instance.all_logs(outcome.run_id):
        event = record.dagster_event
        if event and event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            checks[evaluation.check_name] = evaluation.passed
    return outcome, checks


def public_files(settings: Settings) -> dict[str, str]:
    """Every file under public/ (all dates and the explorer), by relative path."""
    root = settings.public_dir
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def published(settings: Settings, date: str) -> PublicHierarchy:
    return PublicHierarchy.model_validate_json(
        (settings.public_partition(date) / "hierarchy.json").read_text()
    )


def restricted_json(settings: Settings, date: str, asset: str) -> object:
    return json.loads((settings.restricted_partition(date) / f"{asset}.json").read_text())


def read_records(path: Path) -> list[dict]:
    """The well-formed JSON objects of a JSONL file (the sample's malformed lines are skipped)."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def write_records(path: Path, records: Iterable[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def user_messages(record: dict) -> list[str]:
    return [m["content"] for m in record["messages"] if m["role"] == "user"]
