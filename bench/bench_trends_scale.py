"""CPU cost of the emerging-topic novelty test on a synthetic day (default: 1M conversations,
1,000 base clusters, 7 trailing days of 1,000 clusters each).

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/bench_trends_scale.py [N]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import polars as pl

from clio_dagster.core.taxonomy.trends import (
    CLUSTER_DEPTH,
    TrendParams,
    member_floors,
    novel_rows,
    novelty_sample,
    snapshot,
    unit_rows,
)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    k, dim, days, block = 1000, 512, TrendParams().window_days, 100_000
    rng = np.random.default_rng(0)
    centres = unit_rows(rng.standard_normal((k, dim)).astype(np.float32))
    labels = rng.integers(0, k, n)
    embeddings = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, block):
        noise = 0.05 * rng.standard_normal((min(block, n - start), dim)).astype(np.float32)
        embeddings[start : start + block] = unit_rows(centres[labels[start : start + block]] + noise)
    started = time.process_time()
    floors = member_floors(embeddings, labels, centres, TrendParams().floor_quantile)
    floor_seconds = time.process_time() - started
    ids = [f"cluster-{c}" for c in range(k)]
    window = pl.concat(
        [
            snapshot(
                f"2026-11-0{day + 1}",
                ids,
                [CLUSTER_DEPTH] * k,
                [1 / k] * k,
                [1.0] * k,
                unit_rows(centres + 0.01 * rng.standard_normal((k, dim)).astype(np.float32)),
                floors,
            )
            for day in range(days)
        ]
    )
    started = time.process_time()
    rows, _ = novelty_sample(labels, TrendParams().novelty_sample)
    novel = novel_rows(embeddings, rows, window)
    novel_seconds = time.process_time() - started
    print(
        f"n={n:,}, {k} clusters, {window.height:,} trailing clusters: "
        f"member floors {floor_seconds:.1f} s CPU; "
        f"novelty of {len(rows):,} sampled rows {novel_seconds:.1f} s CPU (novel share {novel.mean():.3f}); "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB (the day itself: "
        f"{embeddings.nbytes / 1e9:.2f} GB)"
    )


if __name__ == "__main__":
    main()
