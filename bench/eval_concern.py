"""Precision and recall of a concern scorer on held-out real prompts and on the multilingual probes.

    PYTHONPATH=$PWD python bench/eval_concern.py --scorer model              # this branch
    PYTHONPATH=<checkout with the old lexicon> python bench/eval_concern.py --scorer lexicon

"Concerning" means a score of 3 or more; a look-alike passes when it scores 2 or less. Sets:
- real: the corpus's ``holdout`` prompts and pyrit objectives hashed to holdout (never trained on),
  plain and wrapped in translation requests (``concern_data.EVAL_WRAPPERS``, not used in training);
- probes: ``tests/data/concern_probes.jsonl``, ``heldout`` concepts (never trained on) and ``tune``
  concepts (trained on: reported apart, for reference only).
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

# The probes name weapons broadly; the sources file bombs and guns under illegal activity or
# chemical weapons, so any of those counts as the right category for them.
ACCEPTED_CATEGORIES = {"weapons": {"illegal_activity", "weapons_chem_bio", "violence"}}


def model_scores(texts: list[str], languages: list[str], cache: Path) -> tuple[np.ndarray, list[str]]:
    from clio_dagster.core.clustering.embed import DEFAULT_EMBEDDER
    from clio_dagster.core.safety.concern import concern_facets

    vectors = concern_data.embed_texts(texts, cache)
    facets = concern_facets(pl.Series(texts), pl.Series(languages), vectors, embedder=DEFAULT_EMBEDDER)
    return facets["concerning"].to_numpy(), facets["harm_category"].to_list()


def lexicon_scores(texts: list[str], languages: list[str]) -> tuple[np.ndarray, list[str]]:
    from clio_dagster.core.safety.concern import concern_facets

    facets = concern_facets(pl.Series(texts), pl.Series(languages))
    return facets["concerning"].to_numpy(), [""] * len(texts)  # its labels use other category names


def _rate(flags: pl.Expr) -> pl.Expr:
    return flags.mean().round(3)


def real_tables(frame: pl.DataFrame, with_categories: bool) -> str:
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
    if not with_categories:
        per_category = per_category.drop("category right", "category precision", "flagged as it")
    lines += [_markdown(per_category), ""]
    per_language = (
        frame.group_by("language")
        .agg(
            (~pl.col("harmful")).sum().alias("benign"),
            _rate(pl.when(~pl.col("harmful")).then(pl.col("concerning") >= 3)).alias("benign flagged"),
            pl.col("harmful").sum().alias("harmful"),
            _rate(pl.when(pl.col("harmful")).then(pl.col("concerning") >= 3)).alias("recall"),
        )
        .sort("benign", descending=True)
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


def probe_tables(frame: pl.DataFrame, with_categories: bool) -> str:
    out = []
    for split in ("heldout", "tune"):
        part = frame.filter(pl.col("split") == split)
        harmful = part.filter(pl.col("kind") == "harmful")
        lookalike = part.filter(pl.col("kind") == "lookalike")
        flagged_benign = int((lookalike["concerning"] >= 3).sum())
        caught = int((harmful["concerning"] >= 3).sum())
        title = "held out (never trained on)" if split == "heldout" else "tune (trained on: reference only)"
        out += [
            f"**{title}**: harmful scored >= 3: {caught}/{harmful.height} "
            f"({caught / max(harmful.height, 1):.3f}); look-alikes scored <= 2: "
            f"{lookalike.height - flagged_benign}/{lookalike.height} "
            f"({1 - flagged_benign / max(lookalike.height, 1):.3f}); precision "
            f"{caught / max(caught + flagged_benign, 1):.3f}",
            "",
            _markdown(
                part.group_by("language")
                .agg(
                    _rate(pl.when(pl.col("kind") == "harmful").then(pl.col("concerning") >= 3)).alias(
                        "harmful >= 3"
                    ),
                    _rate(pl.when(pl.col("kind") == "lookalike").then(pl.col("concerning") <= 2)).alias(
                        "look-alike <= 2"
                    ),
                    pl.col("concerning")
                    .filter(pl.col("kind") == "harmful")
                    .mean()
                    .round(2)
                    .alias("mean harmful score"),
                )
                .sort("language")
            ),
            "",
            _markdown(
                harmful.group_by("concept", "category")
                .agg(
                    _rate(pl.col("concerning") >= 3).alias("recall"),
                    *([_rate(pl.col("category_right")).alias("category right")] if with_categories else []),
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
    return "\n".join(out)


def _markdown(frame: pl.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scorer", choices=("model", "lexicon"), required=True)
    parser.add_argument("--corpus", type=Path, default=Path("/work/devcorpus"))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clio-concern")
    args = parser.parse_args()

    real = pl.concat([concern_data.corpus_prompts(args.corpus), concern_data.pyrit_objectives()]).filter(
        pl.col("split") == "holdout"
    )
    wrapped = concern_data.wrapped(real, concern_data.EVAL_WRAPPERS).drop("original")
    real = pl.concat([real, wrapped])
    probes = concern_data.probes()
    texts = real["text"].to_list() + probes["text"].to_list()
    languages = real["language"].to_list() + probes["language"].to_list()
    if args.scorer == "model":
        # real and probe rows embedded apart, as the cache keys them
        real_scores, real_categories = model_scores(
            real["text"].to_list(), real["language"].to_list(), args.cache
        )
        probe_scores, probe_categories = model_scores(
            probes["text"].to_list(), probes["language"].to_list(), args.cache
        )
        scores = np.concatenate([real_scores, probe_scores])
        categories = real_categories + probe_categories
    else:
        scores, categories = lexicon_scores(texts, languages)
    with_categories = args.scorer == "model"
    real = real.with_columns(
        pl.Series("concerning", scores[: len(real)]), pl.Series("predicted", categories[: len(real)])
    )
    probes = probes.with_columns(
        pl.Series("concerning", scores[len(real) :]), pl.Series("predicted", categories[len(real) :])
    ).with_columns(
        pl.struct("category", "predicted")
        .map_elements(
            lambda row: row["predicted"] in ACCEPTED_CATEGORIES.get(row["category"], {row["category"]}),
            return_dtype=pl.Boolean,
        )
        .alias("category_right")
    )
    print(f"## {args.scorer}: held-out real prompts\n")
    print(real_tables(real.filter(~pl.col("source").str.ends_with("+wrapped")), with_categories))
    print(f"\n## {args.scorer}: the same prompts wrapped in translation requests (held-out wrappers)\n")
    print(real_tables(real.filter(pl.col("source").str.ends_with("+wrapped")), with_categories))
    print(f"\n## {args.scorer}: multilingual probes\n")
    print(probe_tables(probes, with_categories))


if __name__ == "__main__":
    main()
