"""Precision and recall of the concern model on held-out real prompts, held-out real traffic and the
multilingual probes, over exactly the input the pipeline gives it (``concern_data.embed_texts``).

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/eval_concern.py                  # shipped weights
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/eval_concern.py --weights OTHER.npz
    PYTHONPATH=$PWD python bench/eval_concern.py --format1 MAIN/clio_dagster/data/concern_model.npz
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/eval_concern.py --check          # independent probes

"Concerning" means a score of 3 or more; a look-alike passes when it scores 2 or less. Sets:
- prompts: the corpus's ``holdout`` prompts and pyrit items hashed to holdout (never trained on),
  plain and wrapped in translation requests (``concern_data.EVAL_WRAPPERS``, not used in training);
- traffic: the ``holdout`` conversations, scored on their user text as the local backend sees it
  (every user turn, whole turns within ``EMBED_MAX_CHARS``), with the corpus's labels and the input's
  moderation verdicts;
- probes: ``tests/data/concern_probes.jsonl``, ``heldout`` concepts (never trained on) and ``tune``
  concepts (trained on: reported apart, for reference only);
- ``--check``: only ``bench/data/concern_check_probes.jsonl``, written before any tuning and scored
  once at the end; nothing else is printed, so it cannot be looked at in passing.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

import concern_data

from clio_dagster.core.clustering.embed import DEFAULT_EMBEDDER
from clio_dagster.core.safety.concern import concern_facets
from clio_dagster.core.safety.concern_model import ConcernModel, load_concern_model, shipped_concern_model
from clio_dagster.core.user_text import EMBED_MAX_CHARS, user_text

# The probes name weapons broadly; the sources file bombs and guns under illegal activity or
# chemical weapons, so any of those counts as the right category for them.
ACCEPTED_CATEGORIES = {"weapons": {"illegal_activity", "weapons_chem_bio", "violence"}}


def format1_model(path: Path) -> ConcernModel:
    """Weights of format 1 (the regression alone, before the neighbour vote), to compare the previous
    model on the same input; the product refuses them."""
    with np.load(path, allow_pickle=False) as data:
        return ConcernModel(
            embedder=str(data["embedder"]),
            classes=tuple(str(name) for name in data["classes"]),
            coef=data["coef"],
            intercept=data["intercept"],
            calibration=data["calibration"].astype(np.float64),
        )


def score(frame: pl.DataFrame, vectors: np.ndarray, model: ConcernModel) -> pl.DataFrame:
    """``frame`` (with ``input``: the user text, and ``language``) plus ``concerning`` and ``predicted``."""
    facets = concern_facets(
        frame["input"], frame["language"], vectors, embedder=DEFAULT_EMBEDDER, model=model
    )
    return frame.with_columns(
        facets["concerning"].alias("concerning"), facets["harm_category"].alias("predicted")
    )


def _rate(flags: pl.Expr) -> pl.Expr:
    return flags.mean().round(3)


def _markdown(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])


def real_tables(frame: pl.DataFrame) -> str:
    flagged = frame["concerning"] >= 3
    harmful = frame["harmful"]
    tp, fp = int((flagged & harmful).sum()), int((flagged & ~harmful).sum())
    lines = [
        f"All: {int(harmful.sum())} harmful, {int((~harmful).sum())} benign; precision "
        f"{tp / max(tp + fp, 1):.3f}, recall {tp / max(int(harmful.sum()), 1):.3f}, "
        f"benign flagged {fp / max(int((~harmful).sum()), 1):.3f}",
        "",
    ]
    per_category = (
        frame.filter(pl.col("harmful"))
        .group_by("category")
        .agg(
            pl.len().alias("n"),
            _rate(pl.col("concerning") >= 3).alias("recall"),
            _rate(pl.col("predicted") == pl.col("category")).alias("category right"),
        )
        .sort("category")
    )
    predicted = (
        frame.filter(pl.col("concerning") >= 3)
        .group_by("predicted")
        .agg(
            _rate(pl.col("category") == pl.col("predicted")).alias("category precision"),
            pl.len().alias("flagged as it"),
        )
    )
    per_category = per_category.join(predicted, left_on="category", right_on="predicted", how="left")
    lines += [_markdown(per_category), ""]
    per_language = (
        frame.group_by("language")
        .agg(
            (~pl.col("harmful")).sum().alias("benign"),
            _rate(pl.when(~pl.col("harmful")).then(pl.col("concerning") >= 3)).alias("benign flagged"),
            pl.col("harmful").sum().alias("harmful"),
            _rate(pl.when(pl.col("harmful")).then(pl.col("concerning") >= 3)).alias("recall"),
        )
        .sort("benign", "language", descending=[True, False])
    )
    lines += [_markdown(per_language), ""]
    lines += [
        _markdown(
            frame.group_by("source", "harmful")
            .agg(pl.len().alias("n"), _rate(pl.col("concerning") >= 3).alias("flagged"))
            .sort("source", "harmful")
        )
    ]
    return "\n".join(lines)


def traffic_tables(frame: pl.DataFrame) -> str:
    """Real-traffic extras: the input's moderation verdict against the score, and the planted groups."""
    moderation = (
        frame.group_by("harmful", "flagged_by_moderation")
        .agg(pl.len().alias("n"), _rate(pl.col("concerning") >= 3).alias("scored >= 3"))
        .sort("harmful", "flagged_by_moderation")
    )
    planted = (
        frame.filter(pl.col("planted").is_not_null())
        .group_by("planted")
        .agg(
            pl.len().alias("n"),
            pl.col("concerning").cast(pl.Float64).mean().round(2).alias("mean concern"),
            _rate(pl.col("concerning") >= 3).alias("scored >= 3"),
        )
        .sort("planted")
    )
    return "\n".join([_markdown(moderation), "", _markdown(planted)])


def probe_tables(frame: pl.DataFrame, title: str) -> str:
    harmful = frame.filter(pl.col("kind") == "harmful")
    lookalike = frame.filter(pl.col("kind") == "lookalike")
    flagged_benign = int((lookalike["concerning"] >= 3).sum())
    caught = int((harmful["concerning"] >= 3).sum())
    return "\n".join(
        [
            f"**{title}**: harmful scored >= 3: {caught}/{harmful.height} "
            f"({caught / max(harmful.height, 1):.3f}); look-alikes scored <= 2: "
            f"{lookalike.height - flagged_benign}/{lookalike.height} "
            f"({1 - flagged_benign / max(lookalike.height, 1):.3f}); precision "
            f"{caught / max(caught + flagged_benign, 1):.3f}",
            "",
            _markdown(
                frame.group_by("language")
                .agg(
                    _rate(pl.when(pl.col("kind") == "harmful").then(pl.col("concerning") >= 3)).alias(
                        "harmful >= 3"
                    ),
                    _rate(pl.when(pl.col("kind") == "lookalike").then(pl.col("concerning") <= 2)).alias(
                        "look-alike <= 2"
                    ),
                )
                .sort("language")
            ),
            "",
            _markdown(
                harmful.group_by("concept", "category")
                .agg(
                    _rate(pl.col("concerning") >= 3).alias("recall"),
                    _rate(pl.col("category_right")).alias("category right"),
                    pl.col("language")
                    .filter(pl.col("concerning") < 3)
                    .sort()
                    .str.join(" ")
                    .alias("missed in"),
                )
                .sort("concept")
            ),
            "",
            _markdown(
                lookalike.group_by("concept", "theme")
                .agg(
                    _rate(pl.col("concerning") <= 2).alias("scored <= 2"),
                    pl.col("language")
                    .filter(pl.col("concerning") >= 3)
                    .sort()
                    .str.join(" ")
                    .alias("flagged in"),
                )
                .sort("theme", "concept")
            ),
            "",
        ]
    )


def scored_probes(probes: pl.DataFrame, model: ConcernModel, cache: Path) -> pl.DataFrame:
    probes = probes.with_columns(pl.Series("input", concern_data.pipeline_texts(probes["text"].to_list())))
    scored = score(probes, concern_data.embed_inputs(probes["input"].to_list(), cache), model)
    return scored.with_columns(
        pl.struct("category", "predicted")
        .map_elements(
            lambda row: row["predicted"] in ACCEPTED_CATEGORIES.get(row["category"], {row["category"]}),
            return_dtype=pl.Boolean,
        )
        .alias("category_right")
    )


def holdout_traffic(corpus: Path) -> pl.DataFrame:
    """The holdout conversations' user text with their labels and moderation verdicts."""
    conversations = pl.read_ndjson(corpus / "holdout" / "conversations.jsonl", infer_schema_length=None)
    labels = pl.read_ndjson(corpus / "holdout" / "labels.jsonl", infer_schema_length=None)
    return (
        conversations.select(
            "conversation_id",
            user_text(EMBED_MAX_CHARS).alias("input"),
            pl.col("moderation").struct.field("flagged").fill_null(False).alias("flagged_by_moderation"),
        )
        .join(
            labels.select(
                "conversation_id",
                "language",
                "harmful",
                pl.col("harm_category").alias("category"),
                "source",
                "planted",
            ),
            on="conversation_id",
        )
        .filter(pl.col("category").is_in(list(concern_data.EXCLUDED_CATEGORIES)).fill_null(False).not_())
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--weights", type=Path, help="weights to score with (default: the shipped ones)")
    parser.add_argument("--format1", type=Path, help="previous (format 1) weights to score with instead")
    parser.add_argument("--corpus", type=Path, default=Path("/work/devcorpus"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clio-concern")
    parser.add_argument("--check", action="store_true", help="score only the independent check probes")
    args = parser.parse_args()
    if args.format1:
        model = format1_model(args.format1)
    elif args.weights:
        model = load_concern_model(args.weights, embedder=DEFAULT_EMBEDDER)
    else:
        model = shipped_concern_model(DEFAULT_EMBEDDER)

    if args.check:
        check = scored_probes(concern_data.check_probes(), model, args.cache)
        print(probe_tables(check, "independent check probes (scored once)"))
        return

    real = concern_data.real_prompts(args.corpus).filter(pl.col("split") == "holdout")
    wrapped = concern_data.wrapped(real, concern_data.EVAL_WRAPPERS).drop("original")
    for title, frame in (
        ("held-out real prompts", real),
        ("the same prompts wrapped in translation requests (held-out wrappers)", wrapped),
    ):
        frame = frame.with_columns(pl.Series("input", concern_data.pipeline_texts(frame["text"].to_list())))
        frame = score(frame, concern_data.embed_inputs(frame["input"].to_list(), args.cache), model)
        print(f"## {title}\n\n{real_tables(frame)}\n")

    traffic = holdout_traffic(args.corpus)
    traffic = score(traffic, concern_data.embed_inputs(traffic["input"].to_list(), args.cache), model)
    print(f"## held-out real traffic (holdout conversations)\n\n{real_tables(traffic)}\n")
    print(traffic_tables(traffic) + "\n")

    probes = scored_probes(concern_data.probes(), model, args.cache)
    print("## multilingual probes\n")
    print(probe_tables(probes.filter(pl.col("split") == "heldout"), "held out (never trained on)"))
    print(probe_tables(probes.filter(pl.col("split") == "tune"), "tune (trained on: reference only)"))


if __name__ == "__main__":
    main()
