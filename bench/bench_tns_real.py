"""Trust and safety on the real-data development corpus, day by day, through the daily job.

Usage:
    python bench/bench_tns_real.py CORPUS_DIR HOME             # run every day, then the figures
    python bench/bench_tns_real.py CORPUS_DIR HOME --rescore   # re-run coordination and the
                                                               # disagreement report on saved outputs
    python bench/bench_tns_real.py CORPUS_DIR HOME --rescore --crowds-in-one-hour [--spam-all-day]
    python bench/bench_tns_real.py CORPUS_DIR HOME --ranks facet|oracle|noisy  # only the disagreement
                                                               # rankings of saved outputs, in memory

CORPUS_DIR holds ``conversations.jsonl`` and ``labels.jsonl`` (``bench/build_dev_corpus.py``, e.g.
``/work/devcorpus/dev``). Default settings (the local backend, 25/25 thresholds), as a new user
would run it. Prints one JSON line per day (``tests/tns_real_support.py::day_figures``):
coordinated precision / recall against the planted network, crowd accounts flagged, and for each
planted disagreement group the 1-based rank in its list of the node that best matches it
(``rank_best``) and of the node holding most of it (``rank_largest``).

``--crowds-in-one-hour`` moves each crowd's questions into 09:00-10:00 UTC of its day (as after an
outage) and ``--spam-all-day`` spreads the network's requests over its whole day, before
coordination is re-run: timing must not decide who is coordinated.

``--ranks`` recomputes only the disagreement report of each saved day with the current code and
writes nothing: ``facet`` takes the concern level the pipeline stored, ``oracle`` replaces it with
the labels (harmful → 4, else 1), which measures the ranking method apart from the concern model;
``noisy`` draws it from the labels as a weak, often unsure model would (``_label_concern``).
It prints each day's group ranks and a last line with ``tns_real_support.rank_summary``.
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


def ranks(settings, dates: list[str], labels: pl.DataFrame, concern: str) -> dict[str, dict]:
    """Per day, ``day_figures`` with a disagreement report recomputed from the saved outputs, the
    concern level from the facets (``facet``) or from the labels (``oracle``, ``noisy``)."""
    from clio_dagster.core.safety.disagreement import disagreement_report

    figures = {}
    for date in dates:
        restricted = settings.restricted_partition(date)
        rows = (
            pl.read_parquet(restricted / "facets.parquet")
            .select("conversation_id", "user_id", "concerning")
            .join(
                pl.read_parquet(restricted / "conversations.parquet").select(
                    "conversation_id", "moderation_flagged", "moderation_score"
                ),
                on="conversation_id",
                how="left",
                maintain_order="left",
            )
            .join(pl.read_parquet(restricted / "assignments.parquet"), on="conversation_id", how="left")
        )
        if concern != "facet":
            harmful = rows.join(
                labels.select("conversation_id", "harmful"),
                on="conversation_id",
                how="left",
                maintain_order="left",
            )["harmful"]
            rows = rows.with_columns(_label_concern(harmful.fill_null(False).to_numpy(), concern, date))
        report = disagreement_report(rows)
        figures[date] = tns_real_support.day_figures(restricted, labels, report)
    return figures


def _label_concern(harmful: np.ndarray, concern: str, date: str) -> pl.Series:
    """The concern level from the labels: ``oracle`` harmful → 4, else 1; ``noisy`` a weak model
    that is often unsure (seeded by the date): harmful 3, 4 or 5 at random and 10% of it 2; benign
    1, 5% of it 2 and 3% of it 3."""
    if concern == "oracle":
        return pl.Series("concerning", np.where(harmful, 4, 1), dtype=pl.Int8)
    rng = np.random.default_rng(int(date.replace("-", "")))
    draw = rng.random(len(harmful))
    harmful_level = np.where(draw < 0.1, 2, rng.integers(3, 6, len(harmful)))
    benign_level = np.select([draw < 0.03, draw < 0.08], [3, 2], 1)
    return pl.Series("concerning", np.where(harmful, harmful_level, benign_level), dtype=pl.Int8)


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
    parser.add_argument("--ranks", choices=("facet", "oracle", "noisy"))
    args = parser.parse_args()
    labels = pl.read_ndjson(args.corpus / "labels.jsonl")
    conversations = args.corpus / "conversations.jsonl"
    if args.ranks:
        from clio_dagster.config import Settings

        settings = Settings(home=args.home)
        dates = sorted(p.name for p in settings.restricted_dir.iterdir() if (p / "facets.parquet").exists())
        figures = ranks(settings, dates, labels, args.ranks)
        for date, day in figures.items():
            print(json.dumps({"date": date, "groups": day["groups"]}))
        print(json.dumps({"concern": args.ranks, **tns_real_support.rank_summary(figures)}))
        return
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
