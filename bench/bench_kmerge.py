"""Plain vs merged k-means on labelled corpora: NMI, ARI, reconstruction, publishable clusters.

    python bench/bench_kmerge.py handmade 3000 [--cache DIR] [--configs 60:1:1,60:3:1,60:3:25]
    python bench/bench_kmerge.py handmade2 3000
    python bench/bench_kmerge.py sample 20000

A config is ``target:ratio:min_size``: k = n / target (the pipeline's k rule), ratio 1 is plain
spherical k-means and ratio > 1 is ``merged_kmeans`` (k-means into ratio * k cells,
average-linkage merge to k); min_size > 1 merges clusters smaller than that into their nearest.
No neighbour smoothing here: ``bench_smoothing.py`` measures it (the pipeline's default is
smoothing, then ratio 3).
"public" counts the clusters that pass the publication thresholds (users and conversations),
"suppressed" is the share of conversations in the others. ``--cache`` keeps facets and
embeddings between runs (they are the slow part and do not depend on the config).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import bench_bertopic as bb  # noqa: E402
import quality_support as qs  # noqa: E402

from clio_dagster.config import Settings  # noqa: E402
from clio_dagster.core.clustering.cluster import choose_k, merged_kmeans  # noqa: E402


def prepared(
    kind: str, n: int, cache: Path | None, settings: Settings, seed: int | None = None
) -> tuple[qs.Prepared, pl.DataFrame]:
    """Facets and embeddings of the corpus (from ``cache`` when present) and its labels; the
    corpus is drawn with ``seed`` (default: the settings' seed)."""
    if cache is not None and (cache / "emb.npy").exists():
        facets = pl.read_parquet(cache / "facets.parquet")
        return qs.Prepared(facets, np.load(cache / "emb.npy")), pl.read_parquet(cache / "truth.parquet")
    conversations, truth = bb.load(kind, n, settings.seed if seed is None else seed)
    prep = qs.prepare(conversations, settings)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        prep.facets.write_parquet(cache / "facets.parquet")
        truth.write_parquet(cache / "truth.parquet")
        np.save(cache / "emb.npy", prep.embeddings)
    return prep, truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["sample", "handmade", "handmade2"])
    parser.add_argument("n", type=int)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--configs", default="60:1:1,60:2:1,60:3:1,60:3:25,40:1:1,40:3:1,30:1:1,30:3:1")
    args = parser.parse_args()
    settings = Settings()
    prep, truth = prepared(args.kind, args.n, args.cache, settings)
    columns = [
        "corpus",
        "target",
        "ratio",
        "min_size",
        "clusters",
        "NMI",
        "ARI",
        "reconstruction",
        "public",
        "suppressed",
        "CPU_s",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for config in args.configs.split(","):
        target, ratio, min_size = (int(v) for v in config.split(":"))
        k = choose_k(len(prep.embeddings), target_size=target, max_k=settings.max_base_clusters)
        clock = qs.Clock()
        result = merged_kmeans(
            prep.embeddings,
            k,
            seed=settings.seed,
            ratio=ratio,
            threads=settings.embed_threads,
            min_size=min_size,
        )
        cpu = clock.elapsed()[1]
        s = qs.score(prep.facets, result.labels, truth)["overall"]
        hidden = qs.suppressed_share(prep.facets, result.labels, settings)
        public = qs.public_clusters(prep.facets, result.labels, settings)
        print(
            f"| {args.kind} {args.n} | {target} | {ratio} | {min_size} | {result.k} | {s['nmi']:.3f} | "
            f"{s['ari']:.3f} | {s['reconstruction']:.1%} | {public} | {hidden:.1%} | {cpu:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
