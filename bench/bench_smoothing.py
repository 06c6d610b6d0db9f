"""Neighbour smoothing x merge ratio on several labelled days: NMI, reconstruction, suppression.

    python bench/bench_smoothing.py --sizes 3000 5000 --seeds 1 2 3 11 [--handmade] [--cache DIR]

Each generated day (``clio sample`` generator, one day of N conversations per seed) and, with
``--handmade``, both hand-written corpora get local facets and USE embeddings once (cached under
``--cache``); then every configuration ``neighbours:ratio:min_similarity`` of ``--configs``
clusters the same
embeddings with the pipeline's k rule (``core.clustering.cluster.cluster_embeddings``). Also printed per
corpus: the share of conversations whose nearest other request has the same true topic, the
ceiling that neighbour smoothing leans on. The last table averages each configuration over the
generated days of one size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import bench_kmerge  # noqa: E402
import quality_support as qs  # noqa: E402

from clio_dagster.config import Settings  # noqa: E402
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings  # noqa: E402


def corpus(kind: str, n: int, seed: int, cache: Path, settings: Settings) -> tuple[qs.Prepared, pl.DataFrame]:
    """Facets and embeddings of one labelled day (cached under ``cache``) and its labels."""
    return bench_kmerge.prepared(kind, n, cache / f"{kind}_{n}_{seed}", settings, seed=seed)


def nearest_other_agrees(prepared: qs.Prepared, truth: pl.DataFrame) -> float:
    """Share of rows whose most similar other row (cosine) has the same true topic."""
    import faiss

    x = np.ascontiguousarray(prepared.embeddings, dtype=np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    _, hits = index.search(x, 2)
    topics = prepared.facets.select("conversation_id").join(truth, on="conversation_id", how="left")["topic"]
    topic = topics.to_numpy()
    # the first hit is the row itself or an identical row
    return float(np.mean(topic[hits[:, 1]] == topic))


def add_day_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that choose the labelled days (--sizes, --seeds, --handmade) and their --cache."""
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 5000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 11])
    parser.add_argument("--handmade", action="store_true", help="also both hand-written corpora (3,000 each)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "clio-bench-smoothing")


def labelled_days(args: argparse.Namespace, settings: Settings) -> list[tuple[str, int, int]]:
    """(kind, conversations, data seed) of every day those options choose."""
    days = [("sample", n, seed) for n in args.sizes for seed in args.seeds]
    if args.handmade:
        days += [("handmade", 3000, settings.seed), ("handmade2", 3000, settings.seed)]
    return days


def main() -> None:
    parser = argparse.ArgumentParser()
    add_day_arguments(parser)
    parser.add_argument("--configs", default="0:1:-1,0:3:-1,5:1:-1,5:3:-1,5:3:0.6,5:3:0.7,5:2:0.6,10:3:0.6")
    args = parser.parse_args()
    settings = Settings()
    days = labelled_days(args, settings)
    rows = []
    print("| corpus | n | seed | nearest agrees | neighbours | ratio | floor | NMI | rec. | suppressed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, n, seed in days:
        prepared, truth = corpus(kind, n, seed, args.cache, settings)
        agrees = nearest_other_agrees(prepared, truth)
        k = choose_k(n, target_size=settings.cluster_size_target, max_k=settings.max_base_clusters)
        for config in args.configs.split(","):
            neighbours, ratio, floor = config.split(":")
            neighbours, ratio, floor = int(neighbours), int(ratio), float(floor)
            labels = cluster_embeddings(
                prepared.embeddings,
                k,
                seed=settings.seed,
                merge_ratio=ratio,
                smoothing_neighbours=neighbours,
                smoothing_min_similarity=floor,
                link_neighbours=0,  # bench_links.py measures the links on top
                threads=settings.embed_threads,
            ).labels
            scores = qs.score(prepared.facets, labels, truth)["overall"]
            hidden = qs.suppressed_share(prepared.facets, labels, settings)
            rows.append(
                (kind, n, seed, neighbours, ratio, floor, scores["nmi"], scores["reconstruction"], hidden)
            )
            print(
                f"| {kind} | {n} | {seed} | {agrees:.1%} | {neighbours} | {ratio} | {floor} | "
                f"{scores['nmi']:.3f} | {scores['reconstruction']:.1%} | {hidden:.1%} |",
                flush=True,
            )
    table = pl.DataFrame(
        rows,
        schema=["kind", "n", "seed", "neighbours", "ratio", "floor", "nmi", "rec", "suppressed"],
        orient="row",
    )
    mean = (
        table.filter(pl.col("kind") == "sample")
        .group_by("n", "neighbours", "ratio", "floor", maintain_order=True)
        .agg(
            pl.col("nmi").mean(),
            pl.col("rec").mean(),
            pl.col("rec").min().alias("rec_min"),
            pl.col("suppressed").mean(),
        )
    )
    print("\nMean over the generated days of each size:\n")
    print("| n | neighbours | ratio | floor | mean NMI | mean rec. | worst rec. | mean suppressed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in mean.iter_rows(named=True):
        print(
            f"| {r['n']} | {r['neighbours']} | {r['ratio']} | {r['floor']} | {r['nmi']:.3f} | "
            f"{r['rec']:.1%} | {r['rec_min']:.1%} | {r['suppressed']:.1%} |"
        )


if __name__ == "__main__":
    main()
