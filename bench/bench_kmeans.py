"""FAISS spherical k-means (ours) vs scikit-learn KMeans, side by side, then FAISS alone at scale.

    PYTHONPATH=. python bench/bench_kmeans.py --n 100000 --big 1000000 --dim 512 --niter 20

Both methods get the same points, k, iterations and one initialisation (k-means++ each); inertia
is computed the same way for both: squared distances of the unit points to their cluster's mean.
The --big run happens in a child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from clio_dagster.core.clustering.cluster import (
    KMEANS_PP_MIN_POINTS,
    choose_k,
    kmeans_plus_plus,
    spherical_kmeans,
)


def synthetic_embeddings(
    n: int, dim: int, topics: int, seed: int, chunk: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around ``topics`` random directions (noise as large as the signal), in chunks."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(topics, dim)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    x = np.empty((n, dim), dtype=np.float32)
    truth = rng.integers(0, topics, n)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        block = centers[truth[start:stop]] + rng.normal(size=(stop - start, dim)).astype(
            np.float32
        ) / np.sqrt(dim)
        x[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return x, truth


def inertia_of(x: np.ndarray, labels: np.ndarray) -> float:
    """Sum of squared distances of each point to the mean of its cluster."""
    from scipy import sparse

    k = int(labels.max()) + 1
    onehot = sparse.csr_matrix((np.ones(len(x)), (labels, np.arange(len(x)))), shape=(k, len(x)))
    sums = onehot @ x.astype(np.float64)
    sizes = np.bincount(labels, minlength=k)
    nonempty = sizes > 0
    return float((x.astype(np.float64) ** 2).sum() - np.sum((sums[nonempty] ** 2).sum(1) / sizes[nonempty]))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def compare(args: argparse.Namespace, k: int) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    from threadpoolctl import threadpool_limits

    x, truth = synthetic_embeddings(args.n, args.dim, args.topics, args.seed)
    spherical_kmeans(x[:1000], 4, seed=0, threads=args.threads)  # imports (faiss, scipy) outside the timing
    print(
        f"\n{args.n:,} points x {args.dim}, k={k}, {args.niter} iterations, 1 init, {args.threads} threads, "
        f"{args.topics} planted topics; scikit-learn init: {args.sk_init}"
    )
    print(f"{'method':<34}{'seconds':>9}{'x faiss':>9}{'inertia':>14}{'NMI':>7}", flush=True)
    base = None

    def row(name: str, seconds: float, labels: np.ndarray) -> None:
        nonlocal base
        base = base or seconds
        nmi = normalized_mutual_info_score(truth, labels)
        print(
            f"{name:<34}{seconds:9.1f}{seconds / base:9.2f}{inertia_of(x, labels):14.1f}{nmi:7.3f}",
            flush=True,
        )

    start = time.perf_counter()
    ours = spherical_kmeans(x, k, seed=args.seed, niter=args.niter, threads=args.threads)
    row("faiss spherical (ours, incl. init)", time.perf_counter() - start, ours.labels)
    if args.pca_dim:
        start = time.perf_counter()
        reduced = spherical_kmeans(
            x, k, seed=args.seed, niter=args.niter, threads=args.threads, pca_dim=args.pca_dim
        )
        row(f"faiss spherical, PCA {args.pca_dim}", time.perf_counter() - start, reduced.labels)
    # "ours": scikit-learn starts from the very seeds our k-means++ drew (its init is then not timed);
    # "k-means++": its own greedy k-means++ over all points, timed.
    if args.sk_init == "ours":
        sample = x[: k * 256] if len(x) > k * 256 else x
        init = kmeans_plus_plus(sample, k, args.seed, max_points=max(k * 4, KMEANS_PP_MIN_POINTS))
    else:
        init = "k-means++"
    with threadpool_limits(limits=args.threads):
        start = time.perf_counter()
        sk = KMeans(
            k, init=init, n_init=1, max_iter=args.niter, tol=0.0, algorithm="lloyd", random_state=args.seed
        )
        sk.fit(x)
        row("scikit-learn KMeans (lloyd)", time.perf_counter() - start, sk.labels_)


def big(args: argparse.Namespace) -> None:
    """FAISS alone at ``args.big`` points; prints one JSON line (run in a child process)."""
    x, _ = synthetic_embeddings(args.big, args.dim, args.topics, args.seed)
    k = args.k or choose_k(args.big, target_size=60, max_k=1000)
    start = time.perf_counter()
    result = spherical_kmeans(
        x, k, seed=args.seed, niter=args.niter, threads=args.threads, pca_dim=args.pca_dim
    )
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "n": args.big,
                "k": result.k,
                "pca_dim": args.pca_dim,
                "seconds": round(seconds, 1),
                "input_mb": round(x.nbytes / 2**20),
                "peak_rss_mb": round(peak_rss_mb()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="points in the side-by-side comparison (0: skip)"
    )
    parser.add_argument("--big", type=int, default=1_000_000, help="points for the FAISS-only run (0: skip)")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--k", type=int, default=0, help="clusters (0: choose_k with target 60, max 1000)")
    parser.add_argument("--niter", type=int, default=20)
    parser.add_argument("--topics", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pca-dim", type=int, default=0, help="also run FAISS after PCA to this many dims")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sk-init", choices=["ours", "k-means++"], default="ours")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.pca_dim = args.pca_dim or None

    if args.child:
        big(args)
        return
    print("machine: 2 cores, shared with other jobs while measured", flush=True)
    if args.n:
        compare(args, args.k or choose_k(args.n, target_size=60, max_k=1000))
    if args.big:
        for pca_dim in [None, args.pca_dim] if args.pca_dim else [None]:
            child = [
                sys.executable,
                __file__,
                "--child",
                "--big",
                str(args.big),
                "--dim",
                str(args.dim),
                "--k",
                str(args.k),
                "--niter",
                str(args.niter),
                "--topics",
                str(args.topics),
                "--threads",
                str(args.threads),
                "--seed",
                str(args.seed),
                "--pca-dim",
                str(pca_dim or 0),
            ]
            out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
            print(f"\nFAISS alone: {out.strip()}", flush=True)


if __name__ == "__main__":
    main()
