"""The `clio` command as a user runs it: demo, run on someone else's file, failures with one-line reasons."""

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from typer.testing import CliRunner

from clio_dagster.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_demo_in_a_temporary_directory(clio_home):
    result = runner.invoke(app, ["demo", "--home", str(clio_home), "--days", "2", "--conversations", "1500"])
    assert result.exit_code == 0, result.output
    dates = sorted(p.name for p in (clio_home / "public").iterdir() if p.is_dir())
    assert len(dates) == 2
    for day in dates:
        hierarchy = json.loads((clio_home / "public" / day / "hierarchy.json").read_text())
        assert hierarchy["nodes"] and (clio_home / "public" / day / "report.md").exists()
    assert (clio_home / "public" / "explorer.html").exists()
    assert (clio_home / "restricted" / "quarantine.parquet").exists()


def _record(i: int, day: datetime, **overrides) -> dict:
    record = {
        "conversation_id": f"conv-{i}",
        "user_id": f"acct-{i % 60}",
        "created_at": (day + timedelta(minutes=i)).isoformat(),
        "messages": [
            {
                "role": "user",
                "content": f"How do I write a python script that sorts a list of files? ({i % 7})",
            },
            {"role": "assistant", "content": "Use sorted() with a key."},
        ],
        "moderation": {"flagged": False, "score": 0.01, "categories": []},
    }
    record.update(overrides)
    return record


def test_run_on_a_file_with_several_dates_malformed_lines_and_duplicates(clio_home, tmp_path):
    days = [datetime(2026, 3, d, 8, tzinfo=UTC) for d in (1, 2, 3)]
    lines = [json.dumps(_record(i, days[i % 3])) for i in range(300)]
    bad = {
        "{not json": "invalid_json",
        json.dumps(_record(900, days[0], user_id=None)): "missing_field:user_id",
        json.dumps(_record(901, days[1], created_at="yesterday")): "bad_timestamp",
        json.dumps(_record(902, days[2], messages=[])): "empty_messages",
        json.dumps(_record(5, days[2])): "duplicate_conversation_id",  # conv-5 already seen
    }
    source = tmp_path / "export.jsonl"
    source.write_text("\n".join(lines + list(bad)) + "\n")

    result = runner.invoke(
        app,
        [
            "run",
            "--input",
            str(source),
            "--home",
            str(clio_home),
            "--min-users",
            "10",
            "--min-conversations",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (clio_home / "public").iterdir() if p.is_dir()) == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
    ]
    quarantine = pl.read_parquet(clio_home / "restricted" / "quarantine.parquet")
    assert quarantine.height == len(bad)
    assert sorted(
        r.split(":")[0] if r.startswith("bad") else r for r in quarantine["reason"].to_list()
    ) == sorted(r.split(":")[0] if r.startswith("bad") else r for r in bad.values())
    kept = sum(
        pl.read_parquet(clio_home / "restricted" / d / "conversations.parquet").height
        for d in ("2026-03-01", "2026-03-02", "2026-03-03")
    )
    assert kept + quarantine.height == len(lines) + len(bad)  # nothing lost


def test_run_with_nothing_valid_exits_non_zero_with_a_reason(clio_home, tmp_path):
    source = tmp_path / "broken.jsonl"
    source.write_text(
        "{oops\n" + json.dumps(_record(1, datetime(2026, 3, 1, tzinfo=UTC), messages=[])) + "\n"
    )
    result = runner.invoke(app, ["run", "--input", str(source), "--home", str(clio_home)])
    assert result.exit_code != 0
    assert "error:" in result.output


def test_run_on_a_missing_path_says_so(clio_home, tmp_path):
    result = runner.invoke(app, ["run", "--input", str(tmp_path / "nope.jsonl"), "--home", str(clio_home)])
    assert result.exit_code == 1
    assert "nope.jsonl" in result.output
