"""Ingestion throughput: records/s of discover_dates and ingest_partition on generated JSONL.

Usage: python bench/bench_ingest.py --records 100000 [--days 7] [--gzip] [--parquet]
Every partition run reads the whole source (duplicates are decided over all of it), so the
figure that matters is records read per second of one ``ingest_partition`` call.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from clio_dagster.ingest import discover_dates, ingest_partition

WORDS = [
    "how",
    "do",
    "I",
    "write",
    "a",
    "python",
    "function",
    "to",
    "sort",
    "list",
    "translate",
    "this",
    "email",
    "plan",
    "trip",
    "recipe",
]


def make_records(n: int, days: int, seed: int) -> list[dict]:
    """``n`` canonical records over ``days`` days, 2-6 messages each, ~1% broken."""
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, tzinfo=UTC)
    records = []
    for i in range(n):
        turns = rng.randint(1, 3)
        messages = []
        for _ in range(turns):
            messages.append({"role": "user", "content": " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))})
            messages.append(
                {"role": "assistant", "content": " ".join(rng.choices(WORDS, k=rng.randint(20, 80)))}
            )
        record = {
            "conversation_id": f"c{i:08d}",
            "user_id": f"u{rng.randrange(max(1, n // 5)):07d}",
            "created_at": (start + timedelta(seconds=rng.randrange(days * 86400))).isoformat(),
            "messages": messages,
            "moderation": {"flagged": rng.random() < 0.05, "score": rng.random(), "categories": []},
            "metadata": {"platform": rng.choice(["web", "api"])},
        }
        if rng.random() < 0.01:
            record.pop("user_id")
        records.append(record)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gzip", action="store_true", help="write .jsonl.gz instead of .jsonl")
    parser.add_argument("--parquet", action="store_true", help="write Parquet instead of JSONL")
    args = parser.parse_args()

    records = make_records(args.records, args.days, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        if args.parquet:
            path = Path(tmp) / "conversations.parquet"
            pl.DataFrame(records).write_parquet(path)
        else:
            path = Path(tmp) / ("conversations.jsonl.gz" if args.gzip else "conversations.jsonl")
            opener = gzip.open if args.gzip else open
            with opener(path, "wt", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json.dumps(record) + "\n")
        del records
        size_mb = path.stat().st_size / 1e6

        # CPU time next to wall time: on a shared machine the wall clock mostly measures the neighbours.
        t0, c0 = time.perf_counter(), time.process_time()
        dates = discover_dates(str(path))
        t1, c1 = time.perf_counter(), time.process_time()
        result = ingest_partition(str(path), dates[0])
        t2, c2 = time.perf_counter(), time.process_time()

    read = result.counts.read
    print(f"input: {path.name}, {read} records, {size_mb:.1f} MB, {len(dates)} dates")
    for name, wall, cpu in (("discover_dates", t1 - t0, c1 - c0), ("ingest_partition", t2 - t1, c2 - c1)):
        print(
            f"{name:17s} wall {wall:6.2f} s {read / wall:9,.0f} records/s | "
            f"cpu {cpu:6.2f} s {read / cpu:9,.0f} records/s"
        )
    print(f"partition {dates[0]}: kept {result.counts.kept}, quarantined {result.counts.quarantined}")


if __name__ == "__main__":
    main()
