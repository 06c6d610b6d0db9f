"""Neighbour links in the merge of merged k-means, over several labelled days and clustering seeds.

    python bench/bench_links.py --sizes 3000 5000 --seeds 1 2 3 11 --handmade [--cluster-seeds 0 1 2]

Each labelled day (as in ``bench_smoothing.py``, same cache) is clustered by the pipeline's
``core.clustering.cluster.cluster_embeddings`` with the default smoothing and merge ratio, under every
``links:weight`` configuration of ``--configs`` (``0:0``: no links, the default before them) and
every clustering seed. Per day and configuration: mean and worst NMI and reconstruction over the
seeds, and the mean share of conversations in clusters under the publication thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import bench_smoothing  # noqa: E402
import quality_support as qs  # noqa: E402

from clio_dagster.config import Settings  # noqa: E402
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    bench_smoothing.add_day_arguments(parser)
    parser.add_argument("--cluster-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--configs", default="0:0,10:3,15:2,20:3")
    args = parser.parse_args()
    settings = Settings()
    print("| corpus | n | data seed | links | weight | NMI mean (worst) | rec. mean (worst) | suppressed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, n, seed in bench_smoothing.labelled_days(args, settings):
        prepared, truth = bench_smoothing.corpus(kind, n, seed, args.cache, settings)
        k = choose_k(n, target_size=settings.cluster_size_target, max_k=settings.max_base_clusters)
        for config in args.configs.split(","):
            links, weight = config.split(":")
            runs = []
            for cluster_seed in args.cluster_seeds:
                options = settings.clustering_options() | {
                    "link_neighbours": int(links),
                    "link_weight": float(weight),
                }
                labels = cluster_embeddings(
                    prepared.embeddings, k, seed=cluster_seed, threads=settings.embed_threads, **options
                ).labels
                scores = qs.score(prepared.facets, labels, truth)["overall"]
                hidden = qs.suppressed_share(prepared.facets, labels, settings)
                runs.append((scores["nmi"], scores["reconstruction"], hidden))
            nmi, rec, hidden = np.array(runs).T
            print(
                f"| {kind} | {n} | {seed} | {links} | {weight} | {nmi.mean():.3f} ({nmi.min():.3f}) | "
                f"{rec.mean():.1%} ({rec.min():.1%}) | {hidden.mean():.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
