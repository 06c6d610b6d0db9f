"""Base clusters: spherical k-means (FAISS) on unit embeddings, sized to the data and bounded in memory.

FAISS trains on a seeded sample of at most ``k * max_points_per_centroid`` points; every point is
then assigned in chunks against an inner-product index, so memory beyond the input array stays at
one chunk plus the per-cluster sums, whatever ``n`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clio_dagster.core.mapped import float32_blocks, gather_rows

# k-means++ seeding looks at no fewer points than this, so every true cluster of a small k shows up.
KMEANS_PP_MIN_POINTS = 2048
# Fine cells of merged k-means: 10 iterations gave the same labels as 20 at 20k and 100k points
# (bench/results/quality3.md); 64 points a cell bounds the training sample at 1M points.
FINE_CELL_ITERATIONS = 10
FINE_CELL_TRAINING_POINTS = 64


@dataclass(frozen=True)
class KMeansResult:
    """Labels 0..k-1 (k = len(sizes), clusters ordered by size, largest first) and their unit centroids."""

    labels: np.ndarray  # int32 (n,)
    centroids: np.ndarray  # float32 (k, d), unit rows: the mean direction of each cluster's members
    sizes: np.ndarray  # int64 (k,)
    inertia: float  # sum of squared distances of the (unit) points to their cluster's mean
    objective: float  # mean cosine similarity of a point to its cluster's unit centroid
    merged_clusters: int  # clusters found empty or below ``min_size`` and merged away

    @property
    def k(self) -> int:
        return len(self.sizes)


def choose_k(n: int, *, target_size: int, max_k: int, min_k: int = 2) -> int:
    """Number of base clusters for ``n`` points: ``round(n / target_size)`` clipped to [min_k, max_k].

    k grows linearly with the data until ``max_k``, so clusters hold about ``target_size`` points
    (large enough to pass the privacy thresholds) on small days and grow beyond it on big ones.
    Never more than ``n``; 0 for no points.
    """
    if n < 0 or target_size < 1 or min_k < 1 or max_k < min_k:
        raise ValueError(
            f"choose_k: need n >= 0, target_size >= 1, 1 <= min_k <= max_k (got {n=}, "
            f"{target_size=}, {min_k=}, {max_k=})"
        )
    k = int(np.clip(round(n / target_size), min_k, max_k))
    return min(k, n)


def _unit_in_place(x: np.ndarray) -> np.ndarray:
    """``x`` (a float32 array this code owns) with its non-zero rows scaled to unit length."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    x /= norms
    return x


def _unit(x: np.ndarray) -> np.ndarray:
    return _unit_in_place(np.array(x, dtype=np.float32))


def _training_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of a seeded uniform sample (all rows when ``size >= n``)."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def kmeans_plus_plus(points: np.ndarray, k: int, seed: int, max_points: int | None = None) -> np.ndarray:
    """k seeds from unit ``points`` by greedy k-means++ (as scikit-learn does), on a seeded subset
    of at most ``max_points`` of them.

    Each step draws ``2 + log(k)`` candidates with probability ~ squared distance to the nearest
    seed so far and keeps the one that lowers the total most.
    """
    rng = np.random.default_rng(seed)
    if max_points is not None and len(points) > max_points:
        points = points[np.sort(rng.choice(len(points), size=max_points, replace=False))]
    n = len(points)
    trials = 2 + int(np.log(k))
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = rng.integers(n)
    nearest = np.maximum(2.0 - 2.0 * (points @ points[chosen[0]]), 0.0)
    for i in range(1, k):
        total = float(nearest.sum(dtype=np.float64))
        if total <= 0:  # every point coincides with a seed: any point will do
            chosen[i] = rng.integers(n)
            continue
        cumulative = np.cumsum(nearest, dtype=np.float64)
        candidates = np.minimum(np.searchsorted(cumulative, rng.random(trials) * total), n - 1)
        distances = np.minimum(nearest[:, None], np.maximum(2.0 - 2.0 * (points @ points[candidates].T), 0.0))
        best = int(np.argmin(distances.sum(axis=0, dtype=np.float64)))
        chosen[i] = candidates[best]
        nearest = distances[:, best].copy()
    return np.ascontiguousarray(points[chosen])


def spherical_kmeans(
    x: np.ndarray,
    k: int,
    *,
    seed: int,
    niter: int = 20,
    max_points_per_centroid: int = 256,
    chunk: int = 65536,
    threads: int = 2,
    min_size: int = 1,
    pca_dim: int | None = None,
    init_points: int = 4,
) -> KMeansResult:
    """Cluster the rows of ``x`` (n, d) by cosine similarity into at most ``k`` clusters.

    Clusters with fewer than ``min_size`` members (and empty ones) are merged into the surviving
    cluster whose centroid is nearest. Training starts from k-means++ seeds drawn from at most
    ``max(k * init_points, 2048)`` sample points (FAISS's own random init often puts two seeds in one true
    cluster and leaves another without any). ``pca_dim`` (< d) trains and assigns in a PCA-reduced
    space; the returned centroids are still in the input space. Same input and seed give the same labels.
    """
    import faiss

    n, d = x.shape
    if n == 0:
        raise ValueError("spherical_kmeans: no points to cluster")
    if k < 1 or chunk < 1 or min_size < 1:
        raise ValueError(
            f"spherical_kmeans: k, chunk and min_size must be >= 1 ({k=}, {chunk=}, {min_size=})"
        )
    k = min(k, n)
    faiss.omp_set_num_threads(threads)

    sample = _unit_in_place(gather_rows(x, _training_sample(n, k * max_points_per_centroid, seed)))
    pca = None
    if pca_dim is not None and pca_dim < d:
        pca = faiss.PCAMatrix(d, pca_dim)
        pca.train(sample)
        sample = _unit(pca.apply(sample))

    if k == 1:
        train_centroids = _unit(sample.mean(axis=0, keepdims=True))
    else:
        km = faiss.Kmeans(
            sample.shape[1],
            k,
            niter=niter,
            seed=seed,
            spherical=True,
            max_points_per_centroid=max_points_per_centroid,
            min_points_per_centroid=1,
            verbose=False,
        )
        seeds = kmeans_plus_plus(sample, k, seed, max_points=max(k * init_points, KMEANS_PP_MIN_POINTS))
        km.train(sample, init_centroids=seeds)
        train_centroids = km.centroids
    index = faiss.IndexFlatIP(train_centroids.shape[1])
    index.add(np.ascontiguousarray(train_centroids, dtype=np.float32))

    labels = np.empty(n, dtype=np.int64)
    for start, block in float32_blocks(x, chunk):
        block = _unit(block)
        query = _unit(pca.apply(block)) if pca is not None else block
        _, nearest = index.search(query, 1)
        labels[start : start + len(block)] = nearest[:, 0]
    return _finish(labels, _cluster_sums(x, labels, k, chunk), min_size)


def merged_kmeans(
    x: np.ndarray,
    k: int,
    *,
    seed: int,
    ratio: int = 3,
    threads: int = 2,
    min_size: int = 1,
    niter: int = FINE_CELL_ITERATIONS,
    max_points_per_centroid: int = FINE_CELL_TRAINING_POINTS,
    links: np.ndarray | None = None,
    link_weight: float = 0.0,
) -> KMeansResult:
    """``k`` clusters of the rows of ``x`` by spherical k-means into ``ratio * k`` cells, then
    average-linkage merging of the cells down to ``k``.

    k-means alone cuts the data into cells of similar spread, so a large topic is split and a
    small distinct group is swallowed by a neighbour; merging the closest fine cells first keeps
    a small group apart when nothing is near it and joins the cells of one dense topic, so sizes
    follow the data (as density clustering does) while the count stays ``k``. Two cells are as
    close as the cosine of their centroids plus ``link_weight`` times the share of their rows'
    neighbour ``links`` ((n, m) row indices, -1 for none: the ``Neighbours.hits`` of
    ``core.clustering.neighbours``) that join one cell to the other. The fine pass runs ``niter``
    iterations on at most ``ratio * k * max_points_per_centroid`` sample points.
    """
    if ratio < 1:
        raise ValueError(f"merged_kmeans: ratio must be >= 1 (got {ratio=})")
    fine = spherical_kmeans(
        x,
        ratio * k,
        seed=seed,
        threads=threads,
        niter=niter,
        max_points_per_centroid=max_points_per_centroid,
    )
    group = np.arange(fine.k)
    if fine.k > k:  # not so for ratio 1, or too few points for more cells than k
        centroids = fine.centroids.astype(np.float64)
        closeness = centroids @ centroids.T
        if links is not None and link_weight:
            closeness += link_weight * link_shares(fine.labels, links, fine.k)
        group = average_linkage_groups(closeness, k)
    labels = group[fine.labels].astype(np.int64)
    return _finish(labels, _cluster_sums(x, labels, int(group.max()) + 1), min_size)


def link_shares(labels: np.ndarray, links: np.ndarray, cells: int) -> np.ndarray:
    """(cells, cells): of all the neighbour links leaving the rows of two cells (``links``: each
    row's nearest rows, -1 for none), the share that ends in the other cell; 1 when every
    neighbour of each cell's rows lies in the other cell."""
    from scipy import sparse

    per_row = links.shape[1]
    found = links.ravel() >= 0
    source = np.repeat(labels, per_row)[found]
    target = labels[links.ravel()[found]]
    counts = sparse.coo_matrix(
        (np.ones(len(source)), (source, target)), shape=(cells, cells)
    ).toarray()  # duplicates add up
    sizes = np.bincount(labels, minlength=cells).astype(np.float64)
    return (counts + counts.T) / np.maximum(per_row * (sizes[:, None] + sizes[None, :]), 1.0)


def average_linkage_groups(closeness: np.ndarray, k: int) -> np.ndarray:
    """Group ids 0..k-1 of ``m`` items from the symmetric (m, m) ``closeness``: average linkage
    (UPGMA, every item weighing the same) cut at ``k`` groups."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    # average linkage only compares averages, so any constant shift of the distances is harmless
    distance = closeness.max() - closeness
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=k, criterion="maxclust") - 1


def cluster_embeddings(
    x: np.ndarray,
    k: int,
    *,
    seed: int,
    merge_ratio: int = 2,
    smoothing_neighbours: int = 5,
    smoothing_min_similarity: float = 0.7,
    link_neighbours: int = 15,
    link_weight: float = 2.0,
    threads: int = 2,
    scratch: Path | None = None,
) -> KMeansResult:
    """The pipeline's base clusters of the rows of ``x``: each row smoothed with those of its
    ``smoothing_neighbours`` nearest rows at least ``smoothing_min_similarity`` similar (0
    neighbours: not smoothed; ``core.clustering.neighbours``), then merged k-means with ``merge_ratio``
    (1: plain spherical k-means) whose merging adds to two cells' cosine ``link_weight`` times
    the share of their rows' ``link_neighbours`` nearest rows that lie in the other cell (0
    neighbours: cosine alone). One neighbour search serves both. The smoothed copy is written to
    ``scratch/smoothed.npy`` when ``scratch`` is given (a day of 1M rows is 2 GB), else kept in
    memory. Labels are for the rows of ``x``; centroids are those of the smoothed rows.
    """
    from clio_dagster.core.clustering.neighbours import nearest_neighbours, smoothed_embeddings

    linked = merge_ratio > 1 and link_neighbours > 0 and link_weight != 0
    searched = max(smoothing_neighbours, link_neighbours if linked else 0)
    nearest = nearest_neighbours(x, searched, seed=seed, threads=threads) if searched else None
    vectors = x
    if smoothing_neighbours > 0:
        out = None
        if scratch is not None:
            out = np.lib.format.open_memmap(
                scratch / "smoothed.npy", mode="w+", dtype=np.float32, shape=x.shape
            )
        vectors = smoothed_embeddings(
            x, smoothing_neighbours, min_similarity=smoothing_min_similarity, out=out, nearest=nearest
        )
    if merge_ratio == 1:
        return spherical_kmeans(vectors, k, seed=seed, threads=threads)
    links = nearest.hits[:, :link_neighbours] if linked else None
    return merged_kmeans(
        vectors, k, seed=seed, ratio=merge_ratio, threads=threads, links=links, link_weight=link_weight
    )


def _cluster_sums(x: np.ndarray, labels: np.ndarray, k: int, chunk: int = 65536) -> np.ndarray:
    """(k, d) float64 sums of the unit rows of ``x`` per label, one chunk at a time."""
    from scipy import sparse

    sums = np.zeros((k, x.shape[1]), dtype=np.float64)
    for start, block in float32_blocks(x, chunk):
        block = _unit(block)
        rows = len(block)
        # A sparse one-hot product: per-cluster sums without a (k, rows) dense matrix.
        onehot = sparse.csr_matrix(
            (np.ones(rows, dtype=np.float32), (labels[start : start + rows], np.arange(rows))),
            shape=(k, rows),
        )
        sums += onehot @ block
    return sums


def _finish(labels: np.ndarray, sums: np.ndarray, min_size: int) -> KMeansResult:
    """Merge empty and tiny clusters into their nearest survivor, relabel by size, compute scores."""
    k = sums.shape[0]
    sizes = np.bincount(labels, minlength=k).astype(np.int64)
    keep = sizes >= min_size
    if not keep.any():
        keep[np.argmax(sizes)] = True  # every cluster is tiny: the largest absorbs the rest
    target = np.arange(k)
    dropped = np.flatnonzero(~keep & (sizes > 0))
    if len(dropped):
        kept = np.flatnonzero(keep)
        directions = _unit(sums.astype(np.float32))
        similarity = directions[dropped] @ directions[kept].T
        target[dropped] = kept[np.argmax(similarity, axis=1)]
        for source, dest in zip(dropped, target[dropped], strict=True):
            sums[dest] += sums[source]
            sizes[dest] += sizes[source]

    survivors = np.flatnonzero(keep)
    # Largest cluster first; ties broken by the training order, so the labelling is deterministic.
    order = survivors[np.lexsort((survivors, -sizes[survivors]))]
    new_label = np.full(k, -1, dtype=np.int64)
    new_label[order] = np.arange(len(order))
    new_label = new_label[target]

    final_sums = sums[order]
    final_sizes = sizes[order]
    norms = np.linalg.norm(final_sums, axis=1)
    n = int(final_sizes.sum())
    centroids = (final_sums / np.where(norms == 0, 1.0, norms)[:, None]).astype(np.float32)
    return KMeansResult(
        labels=new_label[labels].astype(np.int32),
        centroids=centroids,
        sizes=final_sizes,
        inertia=float(n - np.sum(norms**2 / final_sizes)),
        objective=float(norms.sum() / n),
        merged_clusters=int(k - len(order)),
    )
