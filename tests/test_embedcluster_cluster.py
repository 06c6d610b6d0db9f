"""Base clustering: the k rule, planted-cluster recovery, determinism, tiny clusters, chunking."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from clio_dagster.core.clustering.cluster import choose_k, kmeans_plus_plus, spherical_kmeans


def planted(
    n: int, k: int, dim: int = 32, noise: float = 0.02, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit points around ``k`` random unit directions, with their true labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, dim))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    truth = rng.integers(0, k, n)
    x = centers[truth] + noise * rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), truth


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0), (1, 1), (3, 2), (50, 2), (600, 10), (6000, 100), (10**6, 300)],
)
def test_choose_k_grows_with_data_and_is_clipped(n, expected):
    assert choose_k(n, target_size=60, max_k=300) == expected


def test_choose_k_never_exceeds_n_and_rejects_bad_arguments():
    assert all(choose_k(n, target_size=1, max_k=10_000, min_k=5) <= n for n in range(50))
    with pytest.raises(ValueError):
        choose_k(100, target_size=0, max_k=10)
    with pytest.raises(ValueError):
        choose_k(100, target_size=10, max_k=1, min_k=2)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_recovers_planted_clusters(seed):
    x, truth = planted(3000, 12, seed=seed)
    result = spherical_kmeans(x, 12, seed=seed, threads=1)
    assert normalized_mutual_info_score(truth, result.labels) > 0.99
    assert result.k == 12 and result.merged_clusters == 0


def test_result_shapes_and_invariants():
    x, _ = planted(2000, 8)
    result = spherical_kmeans(x, 8, seed=0, threads=1)
    assert result.labels.dtype == np.int32 and result.labels.shape == (2000,)
    assert result.centroids.dtype == np.float32 and result.centroids.shape == (8, 32)
    np.testing.assert_allclose(np.linalg.norm(result.centroids, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(np.bincount(result.labels, minlength=8), result.sizes)
    assert list(result.sizes) == sorted(result.sizes, reverse=True)  # label 0 is the largest cluster
    means = np.vstack([x[result.labels == c].mean(axis=0) for c in range(8)])
    expected_inertia = sum(((x[result.labels == c] - means[c]) ** 2).sum() for c in range(8))
    assert result.inertia == pytest.approx(expected_inertia, rel=1e-4)
    assert 0.9 < result.objective <= 1.0


def test_same_seed_same_labels_other_seed_still_valid():
    x, _ = planted(3000, 10, noise=0.3)  # overlapping clusters: the seed matters
    first = spherical_kmeans(x, 10, seed=7, threads=2)
    second = spherical_kmeans(x, 10, seed=7, threads=2)
    assert np.array_equal(first.labels, second.labels)
    assert np.array_equal(first.centroids, second.centroids)
    other = spherical_kmeans(x, 10, seed=8, threads=2)
    assert other.labels.shape == first.labels.shape


def test_chunked_assignment_equals_unchunked():
    x, _ = planted(5000, 20, noise=0.2)
    whole = spherical_kmeans(x, 20, seed=3, chunk=10**6, threads=1)
    chunked = spherical_kmeans(x, 20, seed=3, chunk=333, threads=1)
    assert np.array_equal(whole.labels, chunked.labels)
    np.testing.assert_allclose(whole.centroids, chunked.centroids, atol=1e-5)
    assert whole.inertia == pytest.approx(chunked.inertia, rel=1e-5)


def test_training_uses_a_bounded_sample_yet_labels_every_point():
    x, truth = planted(20_000, 5)
    result = spherical_kmeans(x, 5, seed=0, max_points_per_centroid=40, threads=1)  # trains on 200
    assert result.labels.shape == (20_000,)
    assert normalized_mutual_info_score(truth, result.labels) > 0.99


def test_tiny_clusters_are_merged_into_their_nearest_neighbour():
    x, truth = planted(1000, 4, noise=0.01, seed=5)
    # Two groups of 3 points in directions of their own, each nearer one big cluster than the others.
    rng = np.random.default_rng(0)
    big_0 = x[truth == 0].mean(axis=0)
    big_2 = x[truth == 2].mean(axis=0)
    tiny = []
    for near in (big_0, big_2):
        direction = near / np.linalg.norm(near) + 1.2 * rng.normal(size=32) / np.sqrt(32)
        group = direction + 0.01 * rng.normal(size=(3, 32))
        tiny.append(group / np.linalg.norm(group, axis=1, keepdims=True))
    data = np.vstack([x, *tiny]).astype(np.float32)

    unmerged = spherical_kmeans(data, 6, seed=0, threads=1)
    assert sorted(unmerged.sizes)[:2] == [3, 3]
    merged = spherical_kmeans(data, 6, seed=0, threads=1, min_size=10)
    assert merged.k == 4 and merged.merged_clusters == 2
    assert sorted(np.unique(merged.labels)) == list(range(4))  # contiguous 0..k'-1
    assert np.all(merged.labels[1000:1003] == merged.labels[:1000][truth == 0][0])
    assert np.all(merged.labels[1003:1006] == merged.labels[:1000][truth == 2][0])
    assert normalized_mutual_info_score(truth, merged.labels[:1000]) > 0.99


def test_all_tiny_clusters_collapse_into_the_largest():
    x, _ = planted(30, 3)
    result = spherical_kmeans(x, 3, seed=0, threads=1, min_size=1000)
    assert result.k == 1 and np.all(result.labels == 0) and result.merged_clusters == 2


def test_k_larger_than_n_and_k_of_one():
    x, _ = planted(5, 2)
    assert spherical_kmeans(x, 50, seed=0, threads=1).labels.max() < 5
    single = spherical_kmeans(x, 1, seed=0, threads=1)
    assert single.k == 1 and np.all(single.labels == 0)


def test_duplicate_points_and_zero_rows_do_not_break_it():
    x = np.zeros((40, 8), dtype=np.float32)
    x[:20, 0] = 1.0
    x[20:39, 1] = 1.0  # the last row stays all zeros
    result = spherical_kmeans(x, 4, seed=0, threads=1)
    assert result.labels[0] != result.labels[20]
    assert len(set(result.labels[:20])) == 1 and len(set(result.labels[20:39])) == 1


def test_pca_reduction_keeps_planted_clusters_and_input_space_centroids():
    x, truth = planted(4000, 10, dim=64, noise=0.05)
    result = spherical_kmeans(x, 10, seed=0, threads=1, pca_dim=16)
    assert result.centroids.shape == (10, 64)
    assert normalized_mutual_info_score(truth, result.labels) > 0.99


def test_kmeans_plus_plus_spreads_seeds_over_planted_clusters():
    x, truth = planted(2000, 10, noise=0.01)
    seeds = kmeans_plus_plus(x, 10, seed=0)
    nearest = np.argmax(seeds @ np.vstack([x[truth == c].mean(axis=0) for c in range(10)]).T, axis=1)
    assert sorted(nearest) == list(range(10))


def test_empty_input_is_an_error():
    with pytest.raises(ValueError, match="no points"):
        spherical_kmeans(np.zeros((0, 4), dtype=np.float32), 3, seed=0)
