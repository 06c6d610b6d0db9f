"""Train the concern model (``clio_dagster/core/safety/concern_model.py``) and write its weights.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/train_concern.py --corpus /work/devcorpus

Reproducible: fixed folds (hashes of the text), a deterministic solver, no random state. Every text
is embedded as the pipeline embeds it (``concern_data.embed_texts``: the user text cut to
``EMBED_MAX_CHARS`` with whole turns kept, one text per batch). Trains on the ``dev`` side only (see
``concern_data``): the corpus's dev prompts, pyrit items and security requests hashed to dev, the
same prompts wrapped in translation requests, the hand-written supplement and the ``tune`` probes.
The ``holdout`` prompts, the ``heldout`` probes and the check probes are never seen here;
``bench/eval_concern.py`` reports on them.

The model is a multinomial logistic regression blended with a vote of the nearest labelled prompts
(``NeighbourVote``). Model selection: for each (C, share of the weight on hand-written rows, share
of the neighbour vote), three folds over the dev real prompts and over the tune probe concepts (all
14 translations of a concept in one fold, so a concept is never scored by a model that saw it in
another language). On the out-of-fold log-odds, the four groups {real, probe} x {harmful, benign}
decide: the calibrated 0.5 cut (score 3) is put where the worst of {real recall, real specificity,
probe recall, probe specificity} is best, the Platt slope (each group with equal weight) sets the
spread around it, and the configuration with the best worst rate wins.
The final model is fitted on all rows and keeps that calibration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

import concern_data

from clio_dagster.core.clustering.embed import DEFAULT_EMBEDDER
from clio_dagster.core.safety.concern_model import BENIGN, ConcernModel, NeighbourVote
from clio_dagster.core.user_text import EMBED_MAX_CHARS

GRID_C = (0.5, 2.0)
GRID_HANDWRITTEN_SHARE = (0.5, 0.75)
GRID_NEIGHBOUR_SHARE = (0.0, 0.5)
FOLDS = 3
CUT = 0.5
RATES = ("real_recall", "real_specificity", "probe_recall", "probe_specificity")
# Vote settings, compared by the same cross-validation before the grid was fixed (concern.md): 25
# neighbours scored the tune probes slightly better than 10 (AUC .961 against .952).
NEIGHBOURS = 25
SHARPNESS = 20.0  # at cosine 0.6 a neighbour outvotes one at 0.5 by e^2
PRIOR = 1.0
# Short booking and smart-home turns, thousands of near-copies: one in ten is kept as a reference
# for the neighbour vote (with ten times its weight), which keeps the shipped weights small.
THINNED_SOURCES = ("crosswoz", "multiwoz", "home_assistant", "camrest")
THINNING = 10


def _fold(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % FOLDS


def training_table(corpus: Path) -> pl.DataFrame:
    """Every training row: text, harmful, category, source, handwritten (bool), fold."""
    real = concern_data.real_prompts(corpus).filter(pl.col("split") == "dev")
    real = pl.concat(
        [
            real.with_columns(pl.col("text").alias("fold_key")),
            concern_data.wrapped(real, concern_data.TRAIN_WRAPPERS).rename({"original": "fold_key"}),
        ]
    ).with_columns(pl.lit(False).alias("handwritten"))
    augment = concern_data.augmentation().with_columns(
        pl.lit(True).alias("handwritten"), pl.lit(-1).alias("fold")
    )
    probes = concern_data.probes().filter(pl.col("split") == "tune")
    tune = probes.select(
        "text",
        "language",
        (pl.col("kind") == "harmful").alias("harmful"),
        pl.when(pl.col("kind") == "harmful").then(pl.col("category")).alias("category"),
        pl.lit("probe_tune").alias("source"),
        pl.lit("tune").alias("split"),
        pl.lit(True).alias("handwritten"),
        pl.col("concept").alias("fold_key"),
    )
    keyed = pl.concat([real, tune], how="diagonal_relaxed")
    keyed = keyed.with_columns(
        pl.col("fold_key").map_elements(_fold, return_dtype=pl.Int64).alias("fold")
    ).drop("fold_key")
    # Probe categories name weapons broadly ("weapons"); the sources file bombs and guns under
    # illegal activity, so the probes follow them for training.
    table = pl.concat([keyed, augment], how="diagonal_relaxed").with_columns(
        pl.when(pl.col("harmful"))
        .then(pl.col("category").replace({"weapons": "illegal_activity"}))
        .otherwise(pl.lit(BENIGN))
        .alias("label")
    )
    return table


def sample_weights(table: pl.DataFrame, handwritten_share: float) -> np.ndarray:
    """Benign and harmful rows carry equal total weight; within each side, hand-written rows carry
    ``handwritten_share`` of it (they are few, and the only benign look-alikes there are).

    Real benign sources weigh in proportion to the square root of their size, not their size:
    thousands of short booking and smart-home turns would otherwise drown the few hundred
    assistant-style requests (WritingBench, MT-Bench, FreshQA) that look most like harmful ones."""
    harmful = table["harmful"].to_numpy()
    handwritten = table["handwritten"].to_numpy()
    source = table["source"].to_numpy()
    weights = np.zeros(len(table))
    for side in (True, False):
        for written, share in ((True, handwritten_share), (False, 1.0 - handwritten_share)):
            rows = (harmful == side) & (handwritten == written)
            if not rows.any():
                continue
            if not side and not written:
                for name in np.unique(source[rows]):
                    weights[rows & (source == name)] = 1 / np.sqrt((rows & (source == name)).sum())
            else:
                weights[rows] = 1.0
            weights[rows] *= share * len(table) / 2 / weights[rows].sum()
    return weights


def fit(vectors: np.ndarray, labels: np.ndarray, weights: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=5000, tol=1e-5)
    return model.fit(vectors[weights > 0], labels[weights > 0], sample_weight=weights[weights > 0])


def neighbour_vote(table: pl.DataFrame, vectors: np.ndarray, weights: np.ndarray) -> NeighbourVote:
    """The rows with weight as voting references, the thinned sources one row in ``THINNING``."""
    thinned = table["source"].is_in(list(THINNED_SOURCES)).to_numpy()
    kept = (weights > 0) & (~thinned | (np.arange(len(table)) % THINNING == 0))
    return NeighbourVote(
        vectors=vectors[kept].astype(np.float16),
        weights=(weights * np.where(thinned, THINNING, 1))[kept].astype(np.float32),
        harmful=table["harmful"].to_numpy()[kept],
        k=NEIGHBOURS,
        sharpness=SHARPNESS,
        prior=PRIOR,
    )


def train(
    table: pl.DataFrame, vectors: np.ndarray, weights: np.ndarray, c: float, neighbour_share: float
) -> ConcernModel:
    """The model fitted on the rows with weight > 0, uncalibrated (identity calibration)."""
    regression = fit(vectors, table["label"].to_numpy(), weights, c)
    classes = [BENIGN, *sorted(set(regression.classes_) - {BENIGN})]
    order = [list(regression.classes_).index(name) for name in classes]
    return ConcernModel(
        embedder=DEFAULT_EMBEDDER,
        classes=tuple(classes),
        coef=regression.coef_[order].astype(np.float32),
        intercept=regression.intercept_[order].astype(np.float32),
        calibration=np.array([1.0, 0.0]),
        neighbours=neighbour_vote(table, vectors, weights) if neighbour_share > 0 else None,
        neighbour_share=neighbour_share,
    )


def cross_validate(
    table: pl.DataFrame, vectors: np.ndarray, c: float, handwritten_share: float, neighbour_share: float
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Out-of-fold harm log-odds for every row with a fold, the Platt calibration fitted on them,
    and the four rates at the calibrated cut."""
    folds = table["fold"].to_numpy()
    weights = sample_weights(table, handwritten_share)
    log_odds = np.full(len(table), np.nan)
    for fold in range(FOLDS):
        model = train(table, vectors, weights * (folds != fold), c, neighbour_share)
        log_odds[folds == fold] = model.harm_log_odds(vectors[folds == fold])[0]
    harmful = table["harmful"].to_numpy()
    probe = (table["source"] == "probe_tune").to_numpy()
    # Prompts longer than the pipeline's input are judged on their start alone; for HarmBench's
    # contextual items that is a Wikipedia passage without the request. They are trained on (that is
    # what the pipeline sees) but left out of the rates that choose the cut and the configuration.
    judged = (table["text"].str.len_chars() <= EMBED_MAX_CHARS).to_numpy()
    real = (folds >= 0) & ~probe & judged
    # The cut is judged on four groups (real and probe rows, harmful and benign) whose worst rate
    # decides, so the 0.5 cut goes where that worst rate is best; with a Platt fit alone the many easy
    # real rows placed it where most look-alikes were flagged (probe specificity .77, recall .99).
    calibration_weights = np.zeros(len(table))
    for group in (real & harmful, real & ~harmful, probe & harmful, probe & ~harmful):
        calibration_weights[group] = weights[group] / weights[group].sum()
    scored = calibration_weights > 0
    slope = platt(log_odds[scored], harmful[scored], calibration_weights[scored])[0]
    groups = (real & harmful, real & ~harmful, probe & harmful, probe & ~harmful)
    cut = max(np.unique(np.round(log_odds[scored], 2)), key=lambda t: worst_rate(log_odds, groups, t))
    calibration = np.array([slope, -slope * cut])
    probability = 1 / (1 + np.exp(-(calibration[0] * log_odds + calibration[1])))
    flagged = probability >= CUT
    rates = {
        "real_recall": float(flagged[real & harmful].mean()),
        "real_specificity": float(1 - flagged[real & ~harmful].mean()),
        "probe_recall": float(flagged[probe & harmful].mean()),
        "probe_specificity": float(1 - flagged[probe & ~harmful].mean()),
    }
    return log_odds, calibration, rates


def worst_rate(log_odds: np.ndarray, groups: tuple[np.ndarray, ...], cut: float) -> float:
    """The lowest of recall (harmful groups) and specificity (benign groups) at ``cut``; ``groups``
    alternate harmful and benign."""
    rates = [
        (log_odds[group] >= cut).mean() if index % 2 == 0 else (log_odds[group] < cut).mean()
        for index, group in enumerate(groups)
    ]
    return float(min(rates))


def platt(log_odds: np.ndarray, harmful: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Slope and offset mapping raw harm log-odds to calibrated ones."""
    calibrator = LogisticRegression(C=1e6, max_iter=1000).fit(
        log_odds.reshape(-1, 1), harmful, sample_weight=weights
    )
    return np.array([calibrator.coef_[0, 0], calibrator.intercept_[0]])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=Path("/work/devcorpus"))
    parser.add_argument(
        "--out", type=Path, default=concern_data.REPO / "clio_dagster" / "data" / "concern_model.npz"
    )
    parser.add_argument(
        "--summary", type=Path, default=concern_data.REPO / "bench" / "results" / "concern_train.json"
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clio-concern")
    args = parser.parse_args()

    started = time.perf_counter()
    table = training_table(args.corpus)
    vectors = concern_data.embed_texts(table["text"].to_list(), args.cache)
    print(f"{len(table)} training rows embedded in {time.perf_counter() - started:.0f} s", flush=True)

    trials = []
    for c in GRID_C:
        for handwritten_share in GRID_HANDWRITTEN_SHARE:
            for neighbour_share in GRID_NEIGHBOUR_SHARE:
                _, calibration, rates = cross_validate(table, vectors, c, handwritten_share, neighbour_share)
                trials.append(
                    {"C": c, "handwritten_share": handwritten_share, "neighbour_share": neighbour_share}
                    | rates
                    | {"calibration": calibration.tolist()}
                )
                print(json.dumps(trials[-1]), flush=True)
    best = max(trials, key=lambda t: (min(t[k] for k in RATES), -t["C"]))
    c, handwritten_share, neighbour_share = best["C"], best["handwritten_share"], best["neighbour_share"]

    weights = sample_weights(table, handwritten_share)
    model = replace(
        train(table, vectors, weights, c, neighbour_share), calibration=np.array(best["calibration"])
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    summary = {
        "chosen": best,
        "trials": trials,
        "classes": list(model.classes),
        "neighbour_references": 0 if model.neighbours is None else len(model.neighbours.vectors),
        "rows": table.group_by("source", "harmful").len().sort("source", "harmful").to_dicts(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); chosen {best}")


if __name__ == "__main__":
    main()
