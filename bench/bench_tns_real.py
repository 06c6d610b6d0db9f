"""Trust and safety on the real-data development corpus, day by day, through the daily job.

Usage:
    python bench/bench_tns_real.py CORPUS_DIR HOME             # run every day, then the figures
    python bench/bench_tns_real.py CORPUS_DIR HOME --rescore   # re-run coordination and the
                                                               # disagreement report on saved outputs

CORPUS_DIR holds ``conversations.jsonl`` and ``labels.jsonl`` (``bench/build_dev_corpus.py``, e.g.
``/work/devcorpus/dev``). Default settings (the local backend, 25/25 thresholds), as a new user
would run it. Prints one JSON line per day (``tests/tns_real_support.py::day_figures``):
coordinated precision / recall against the planted network, crowd accounts flagged, and for each
planted disagreement group the 1-based rank in its list of the node that best matches it
(``rank_best``) and of the node holding most of it (``rank_largest``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import tns_real_support
import tns_support


def rescore(settings, dates: list[str]) -> None:
    """Coordination and disagreement of each saved day again, with the current code, in date order
    (coordination reads the previous days' evidence)."""
    from clio_dagster.assets.safety import COORDINATION_HISTORY
    from clio_dagster.core.files import write_restricted_bytes
    from clio_dagster.core.safety.coordination import HISTORY_SCHEMA, CoordinationParams, detect_coordination
    from clio_dagster.core.safety.disagreement import disagreement_report
    from clio_dagster.core.safety.templates import TemplateParams, template_text

    params = CoordinationParams(templates=TemplateParams(seed=settings.seed))
    for date in dates:
        restricted = settings.restricted_partition(date)
        facets = pl.read_parquet(restricted / "facets.parquet")
        conversations = pl.read_parquet(restricted / "conversations.parquet")
        rows = facets.select("conversation_id", "user_id", "request", "concerning").join(
            conversations.select(
                "conversation_id", "created_at", "moderation_flagged", "moderation_score", template_text()
            ),
            on="conversation_id",
            how="left",
            maintain_order="left",
        )
        embeddings = np.load(restricted / "embeddings.npy", mmap_mode="r")
        history = pl.concat(
            [
                pl.read_parquet(settings.restricted_partition(d) / COORDINATION_HISTORY)
                for d in dates
                if d < date and (settings.restricted_partition(d) / COORDINATION_HISTORY).exists()
            ]
            or [pl.DataFrame(schema=HISTORY_SCHEMA)]
        )
        started = time.perf_counter()
        result = detect_coordination(rows, embeddings, params, date=date, history=history)
        print(f"{date}: coordination {time.perf_counter() - started:.1f} s", file=sys.stderr)
        result.groups.write_parquet(restricted / "coordinated.parquet")
        write_restricted_bytes(restricted / COORDINATION_HISTORY, _parquet_bytes(result.history))
        assignments = pl.read_parquet(restricted / "assignments.parquet")
        report = disagreement_report(
            rows.join(assignments, on="conversation_id", how="left", maintain_order="left")
        )
        (restricted / "disagreement.json").write_text(json.dumps(report))


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("home", type=Path)
    parser.add_argument("--rescore", action="store_true")
    args = parser.parse_args()
    labels = pl.read_ndjson(args.corpus / "labels.jsonl")
    conversations = args.corpus / "conversations.jsonl"
    if args.rescore:
        from clio_dagster.config import Settings

        settings = Settings(home=args.home)
        dates = sorted(p.name for p in settings.restricted_dir.iterdir() if (p / "facets.parquet").exists())
        rescore(settings, dates)
    else:
        started = time.perf_counter()
        run = tns_support.run_days(args.home, conversations)
        print(f"ran {len(run['dates'])} days in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        for outcome in run["outcomes"]:
            if not outcome.success:
                print(f"{outcome.date}: {outcome.reason}", file=sys.stderr)
        settings, dates = run["settings"], run["dates"]
    for date, figures in tns_real_support.corpus_figures(settings, dates, labels).items():
        print(json.dumps({"date": date, **figures}))


if __name__ == "__main__":
    main()
