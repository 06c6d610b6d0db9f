"""Trust and safety on the real-data development corpus, day by day, through the daily job.

Usage:
    python bench/bench_tns_real.py CORPUS_DIR HOME             # run every day, then the figures
    python bench/bench_tns_real.py CORPUS_DIR HOME --rescore   # re-run coordination and the
                                                               # disagreement report on saved outputs
    python bench/bench_tns_real.py CORPUS_DIR HOME --rescore --crowds-in-one-hour [--spam-all-day]

CORPUS_DIR holds ``conversations.jsonl`` and ``labels.jsonl`` (``bench/build_dev_corpus.py``, e.g.
``/work/devcorpus/dev``). Default settings (the local backend, 25/25 thresholds), as a new user
would run it. Prints one JSON line per day (``tests/tns_real_support.py::day_figures``):
coordinated precision / recall against the planted network, crowd accounts flagged, and for each
planted disagreement group the 1-based rank in its list of the node that best matches it
(``rank_best``) and of the node holding most of it (``rank_largest``).

``--crowds-in-one-hour`` moves each crowd's questions into 09:00-10:00 UTC of its day (as after an
outage) and ``--spam-all-day`` spreads the network's requests over its whole day, before
coordination is re-run: timing must not decide who is coordinated.
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


def retimed(
    rows: pl.DataFrame, labels: pl.DataFrame, crowds: bool, spam: bool, seed: int = 0
) -> pl.DataFrame:
    """``rows`` with the crowds' times squeezed into one hour and/or the network's spread over the day."""
    rng = np.random.default_rng(seed)
    planted = rows.join(
        labels.select("conversation_id", "planted"), on="conversation_id", how="left", maintain_order="left"
    )["planted"].fill_null("")
    day = pl.col("created_at").dt.truncate("1d")
    seconds = pl.Series(rng.uniform(0, 86_399, rows.height)).cast(pl.Int64)
    hour = day + pl.duration(hours=9, seconds=(seconds / 24).cast(pl.Int64))
    return rows.with_columns(
        pl.when(pl.lit(crowds) & planted.str.starts_with("crowd"))
        .then(hour)
        .when(pl.lit(spam) & (planted == "spam_network"))
        .then(day + pl.duration(seconds=seconds))
        .otherwise(pl.col("created_at"))
        .alias("created_at")
    )


def rescore(
    settings, dates: list[str], labels: pl.DataFrame, crowds: bool = False, spam: bool = False
) -> None:
    """Coordination and disagreement of each saved day again, with the current code, in date order
    (coordination reads the previous days' evidence); optionally with the plants retimed."""
    from clio_dagster.assets.safety import COORDINATION_HISTORY
    from clio_dagster.core.files import write_restricted_bytes
    from clio_dagster.core.safety.coordination import HISTORY_SCHEMA, CoordinationParams, detect_coordination
    from clio_dagster.core.safety.disagreement import disagreement_report
    from clio_dagster.core.safety.templates import TemplateParams, template_text

    params = CoordinationParams(templates=TemplateParams(seed=settings.seed))
    history_file = f"{COORDINATION_HISTORY}.parquet"  # as the restricted store names the asset's output
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
        if crowds or spam:
            rows = retimed(rows, labels, crowds, spam)
        embeddings = np.load(restricted / "embeddings.npy", mmap_mode="r")
        history = pl.concat(
            [
                pl.read_parquet(settings.restricted_partition(d) / history_file)
                for d in dates
                if d < date and (settings.restricted_partition(d) / history_file).exists()
            ]
            or [pl.DataFrame(schema=HISTORY_SCHEMA)]
        )
        started = time.perf_counter()
        result = detect_coordination(rows, embeddings, params, date=date, history=history)
        print(f"{date}: coordination {time.perf_counter() - started:.1f} s", file=sys.stderr)
        write_restricted_bytes(restricted / "coordinated.parquet", _parquet_bytes(result.groups))
        write_restricted_bytes(restricted / history_file, _parquet_bytes(result.history))
        assignments = pl.read_parquet(restricted / "assignments.parquet")
        report = disagreement_report(
            rows.join(assignments, on="conversation_id", how="left", maintain_order="left")
        )
        write_restricted_bytes(restricted / "disagreement.json", json.dumps(report).encode())


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
    parser.add_argument("--crowds-in-one-hour", action="store_true")
    parser.add_argument("--spam-all-day", action="store_true")
    args = parser.parse_args()
    labels = pl.read_ndjson(args.corpus / "labels.jsonl")
    conversations = args.corpus / "conversations.jsonl"
    if args.rescore:
        from clio_dagster.config import Settings

        settings = Settings(home=args.home)
        dates = sorted(p.name for p in settings.restricted_dir.iterdir() if (p / "facets.parquet").exists())
        rescore(settings, dates, labels, args.crowds_in_one_hour, args.spam_all_day)
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
