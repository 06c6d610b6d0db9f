"""Train the concern model (``clio_dagster/core/safety/concern_model.py``) and write its weights.

    PYTHONPATH=$PWD OMP_NUM_THREADS=1 python bench/train_concern.py --corpus /work/devcorpus

Reproducible: fixed folds (hashes of the text), a deterministic solver, no random state. Trains on
the ``dev`` side only (see ``concern_data``): the corpus's dev prompts, pyrit objectives hashed to
dev, the same prompts wrapped in translation requests, the hand-written supplement and the ``tune``
probes. The ``holdout`` prompts and ``heldout``
probes are never seen here; ``bench/eval_concern.py`` reports on them.

Model selection: for each (C, share of the weight on hand-written rows), three folds over the dev real prompts
and over the tune probe concepts (all 14 translations of a concept in one fold, so a concept is
never scored by a model that saw it in another language); the configuration with the best worst
rate among {real recall, real specificity, probe recall, probe specificity} at the 0.5 cut wins.
Platt calibration is then fitted on its out-of-fold harm log-odds, and the final model on all rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))

import concern_data

from clio_dagster.core.clustering.embed import DEFAULT_EMBEDDER
from clio_dagster.core.safety.concern_model import BENIGN, ConcernModel

GRID_C = (0.5, 2.0, 8.0)
GRID_HANDWRITTEN_SHARE = (0.0, 0.25, 0.5)
FOLDS = 3
CUT = 0.5


def _fold(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % FOLDS


def training_table(corpus: Path) -> pl.DataFrame:
    """Every training row: text, harmful, category, source, handwritten (bool), fold."""
    real = pl.concat([concern_data.corpus_prompts(corpus), concern_data.pyrit_objectives()]).filter(
        pl.col("split") == "dev"
    )
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
    model = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    return model.fit(vectors[weights > 0], labels[weights > 0], sample_weight=weights[weights > 0])


def harm_log_odds(model: LogisticRegression, vectors: np.ndarray) -> np.ndarray:
    benign = list(model.classes_).index(BENIGN)
    harm = np.clip(1 - model.predict_proba(vectors)[:, benign], 1e-12, 1 - 1e-12)
    return np.log(harm / (1 - harm))


def cross_validate(table: pl.DataFrame, vectors: np.ndarray, c: float, handwritten_share: float):
    """Out-of-fold harm log-odds for every row with a fold, and the four rates at the cut."""
    labels = table["label"].to_numpy()
    folds = table["fold"].to_numpy()
    weights = sample_weights(table, handwritten_share)
    log_odds = np.full(len(table), np.nan)
    for fold in range(FOLDS):
        train = weights * (folds != fold)
        model = fit(vectors, labels, train, c)
        log_odds[folds == fold] = harm_log_odds(model, vectors[folds == fold])
    harmful = table["harmful"].to_numpy()
    probe = (table["source"] == "probe_tune").to_numpy()
    real = (folds >= 0) & ~probe
    flagged = log_odds >= np.log(CUT / (1 - CUT))
    rates = {
        "real_recall": float(flagged[real & harmful].mean()),
        "real_specificity": float(1 - flagged[real & ~harmful].mean()),
        "probe_recall": float(flagged[probe & harmful].mean()),
        "probe_specificity": float(1 - flagged[probe & ~harmful].mean()),
    }
    return log_odds, rates


def platt(log_odds: np.ndarray, harmful: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Slope and offset mapping raw harm log-odds to calibrated ones (weighted like training)."""
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
            _, rates = cross_validate(table, vectors, c, handwritten_share)
            trials.append({"C": c, "handwritten_share": handwritten_share, **rates})
            print(json.dumps(trials[-1]), flush=True)
    best = max(
        trials, key=lambda t: (min(v for k, v in t.items() if k.endswith(("recall", "specificity"))), -t["C"])
    )
    c, handwritten_share = best["C"], best["handwritten_share"]

    log_odds, _ = cross_validate(table, vectors, c, handwritten_share)
    weights = sample_weights(table, handwritten_share)
    scored = ~np.isnan(log_odds) & (weights > 0)
    calibration = platt(log_odds[scored], table["harmful"].to_numpy()[scored], weights[scored])

    final = fit(vectors, table["label"].to_numpy(), weights, c)
    classes = [BENIGN, *sorted(set(final.classes_) - {BENIGN})]
    order = [list(final.classes_).index(name) for name in classes]
    model = ConcernModel(
        embedder=DEFAULT_EMBEDDER,
        classes=tuple(classes),
        coef=final.coef_[order].astype(np.float32),
        intercept=final.intercept_[order].astype(np.float32),
        calibration=calibration,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    summary = {
        "chosen": best,
        "trials": trials,
        "calibration": calibration.tolist(),
        "classes": classes,
        "rows": table.group_by("source", "harmful").len().sort("source", "harmful").to_dicts(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); chosen {best}")


if __name__ == "__main__":
    main()
