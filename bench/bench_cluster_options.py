"""The base-clustering settings re-measured on real text: per-day AMI, NMI, reconstruction and the
share of conversations in clusters too small to publish, for a grid of settings around the default.

Each day of a labelled corpus directory (``conversations.jsonl`` + ``labels.jsonl`` with ``date``) is
embedded once as the local backend embeds it (the users' own words, ``Settings.embed_max_chars``,
USE-multilingual), cached under ``--cache``, then clustered with every setting and seed.

    OMP_NUM_THREADS=1 python bench/bench_cluster_options.py /work/devcorpus/dev --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_embedders import scores

from clio_dagster.config import Settings
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings
from clio_dagster.core.clustering.embed import UseMultilingualEmbedder
from clio_dagster.core.user_text import user_texts

GRID: dict[str, dict] = {
    "default": {},
    "k-means alone": {"cluster_merge_ratio": 1, "cluster_smoothing_neighbours": 0},
    "no links": {"cluster_link_neighbours": 0},
    "no smoothing": {"cluster_smoothing_neighbours": 0},
    "merge ratio 2": {"cluster_merge_ratio": 2},
    "smoothing floor 0.8": {"cluster_smoothing_min_similarity": 0.8},
    "link weight 1": {"cluster_link_weight": 1.0},
    "size target 50": {"cluster_size_target": 50},
}


def day_vectors(corpus: Path, cache: Path, settings: Settings) -> dict[str, tuple[pl.DataFrame, np.ndarray]]:
    conversations = pl.read_ndjson(corpus / "conversations.jsonl", infer_schema_length=None)
    labels = pl.read_ndjson(corpus / "labels.jsonl", infer_schema_length=None).select(
        "conversation_id", "date"
    )
    conversations = conversations.join(labels, on="conversation_id")
    embedder = UseMultilingualEmbedder(threads=settings.embed_threads)
    out = {}
    for (day,), part in sorted(conversations.group_by("date"), key=lambda g: g[0][0]):
        path = cache / f"{corpus.name}-{day}-{settings.embed_max_chars}.npy"
        if not path.exists():
            cache.mkdir(parents=True, exist_ok=True)
            np.save(path, embedder.embed(user_texts(part, settings.embed_max_chars).to_list()))
        out[day] = (part.select("conversation_id", "user_id"), np.load(path))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/clio-bench-cluster-options"))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--settings", default="", help="comma-separated grid names (default all)")
    args = parser.parse_args()
    base = Settings()
    labels = pl.read_ndjson(args.corpus / "labels.jsonl", infer_schema_length=None).select(
        "conversation_id", "topic"
    )
    days = day_vectors(args.corpus, args.cache, base)
    names = [n for n in GRID if not args.settings or n in args.settings.split(",")]
    rows = []
    for name in names:
        for seed in [int(s) for s in args.seeds.split(",")]:
            settings = Settings(seed=seed, **GRID[name])
            for day, (frame, vectors) in days.items():
                k = choose_k(
                    len(vectors), target_size=settings.cluster_size_target, max_k=settings.max_base_clusters
                )
                found = cluster_embeddings(
                    vectors, k, seed=seed, threads=settings.embed_threads, **settings.clustering_options()
                ).labels
                figures = scores(frame, labels, found, settings)
                rows.append(
                    {"setting": name, "seed": seed, "day": day, "clusters": len(np.unique(found)), **figures}
                )
                print(rows[-1], flush=True)
    table = (
        pl.DataFrame(rows)
        .group_by("setting", maintain_order=True)
        .agg(
            pl.len().alias("day-seeds"), pl.col("clusters", "ami", "nmi", "rec", "suppressed").mean().round(4)
        )
    )
    with pl.Config(tbl_rows=30, tbl_width_chars=160):
        print(table)


if __name__ == "__main__":
    main()
