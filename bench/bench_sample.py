"""Time the sample generator: ``python bench/bench_sample.py 100000 --days 5``."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from clio_dagster.sample import generate_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", type=int, help="total conversations")
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        files = generate_sample(
            Path(tmp), days=args.days, conversations=args.size // args.days, seed=args.seed
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size_mb = files.conversations.stat().st_size / 1e6
    n = files.counts["conversations"]
    print(
        f"{n} conversations, {args.days} days: {wall:.1f} s wall, {cpu:.1f} s CPU, "
        f"{n / wall:,.0f} conversations/s, {size_mb:.0f} MB of JSONL"
    )


if __name__ == "__main__":
    main()
