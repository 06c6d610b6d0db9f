"""merged_kmeans: fine k-means cells joined by average linkage keep a big topic whole, small ones apart."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from clio_dagster.core.clustering.cluster import (
    FINE_CELL_ITERATIONS,
    FINE_CELL_TRAINING_POINTS,
    average_linkage_groups,
    cluster_embeddings,
    link_shares,
    merged_kmeans,
    spherical_kmeans,
)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def uneven_topics(seed: int, dim: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """One broad topic of four nearby sub-themes (1,600 points) and four small distinct ones (40 each)."""
    rng = np.random.default_rng(seed)
    centers = _unit(rng.normal(size=(5, dim)))
    subthemes = _unit(centers[0] + 0.45 * _unit(rng.normal(size=(4, dim))))
    broad = subthemes[rng.integers(0, 4, 1600)]
    small = np.repeat(centers[1:], 40, axis=0)
    x = _unit(np.vstack([broad, small]) + 0.08 * rng.normal(size=(1760, dim)))
    return x.astype(np.float32), np.r_[np.zeros(1600, dtype=int), np.repeat(np.arange(1, 5), 40)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_big_topic_stays_whole_and_small_ones_apart(seed):
    x, truth = uneven_topics(seed)
    merged = merged_kmeans(x, 5, seed=seed, ratio=3, threads=1)
    plain = spherical_kmeans(x, 5, seed=seed, threads=1)
    assert adjusted_rand_score(truth, merged.labels) > 0.99
    # plain k-means spends its clusters on the broad topic's sub-themes and lumps small topics together
    assert adjusted_rand_score(truth, plain.labels) < 0.9


def test_result_invariants_and_determinism():
    x, _ = uneven_topics(0)
    a = merged_kmeans(x, 5, seed=3, threads=1)
    b = merged_kmeans(x, 5, seed=3, threads=1)
    assert np.array_equal(a.labels, b.labels)
    assert a.k == 5 and a.labels.dtype == np.int32
    assert np.array_equal(np.bincount(a.labels, minlength=5), a.sizes) and a.sizes.sum() == len(x)
    assert list(a.sizes) == sorted(a.sizes, reverse=True)
    np.testing.assert_allclose(np.linalg.norm(a.centroids, axis=1), 1.0, atol=1e-5)


def test_ratio_one_is_plain_kmeans_and_min_size_merges_small_groups():
    x, _ = uneven_topics(1)
    assert np.array_equal(
        merged_kmeans(x, 5, seed=0, ratio=1, threads=1).labels,
        spherical_kmeans(
            x,
            5,
            seed=0,
            threads=1,
            niter=FINE_CELL_ITERATIONS,
            max_points_per_centroid=FINE_CELL_TRAINING_POINTS,
        ).labels,
    )
    floored = merged_kmeans(x, 5, seed=0, threads=1, min_size=50)
    assert floored.sizes.min() >= 50 and floored.merged_clusters == 4
    with pytest.raises(ValueError):
        merged_kmeans(x, 5, seed=0, ratio=0)


def test_link_shares_count_links_both_ways_against_the_links_leaving_both_cells():
    labels = np.array([0, 0, 1, 1, 2])
    links = np.array([[1, 2], [2, 3], [0, 1], [2, -1], [3, 0]])  # row 3 found one neighbour only
    shares = link_shares(labels, links, 3)
    # cells 0 and 1: 3 links from cell 0 to cell 1 and 2 back, of the 2 x (2 + 2) that leave them
    assert shares[0, 1] == shares[1, 0] == pytest.approx(5 / 8)
    assert shares[0, 2] == shares[1, 2] == pytest.approx(1 / 6)
    assert shares[0, 0] == pytest.approx(2 / 8) and shares[2, 2] == 0.0


def test_average_linkage_groups_is_cosine_average_linkage_of_the_centroids():
    from scipy.cluster.hierarchy import fcluster, linkage

    rng = np.random.default_rng(0)
    centroids = _unit(rng.normal(size=(40, 8)))
    expected = fcluster(linkage(centroids, method="average", metric="cosine"), t=7, criterion="maxclust") - 1
    found = average_linkage_groups(centroids @ centroids.T, 7)
    assert adjusted_rand_score(expected, found) == 1.0
    assert sorted(set(found.tolist())) == list(range(7))


def test_links_join_cells_that_are_each_others_neighbours():
    """Two cells whose rows are each other's nearest neighbours are merged before two cells whose
    centroids are a little closer but which share no neighbour links."""
    cosines = np.array(
        [[1.0, 0.50, 0.0, 0.0], [0.50, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.55], [0.0, 0.0, 0.55, 1.0]]
    )
    alone = average_linkage_groups(cosines, 3)
    assert alone[2] == alone[3] and len({alone[0], alone[1], alone[2]}) == 3
    shares = np.zeros((4, 4))
    shares[0, 1] = shares[1, 0] = 0.5
    linked = average_linkage_groups(cosines + 3.0 * shares, 3)
    assert linked[0] == linked[1] and len({linked[0], linked[2], linked[3]}) == 3


@pytest.mark.parametrize(("ratio", "neighbours", "links"), [(3, 5, 15), (3, 5, 0), (1, 0, 15)])
def test_base_clusters_asset_follows_the_clustering_settings(
    clio_home, monkeypatch, ratio, neighbours, links
):
    """CLIO_CLUSTER_MERGE_RATIO, CLIO_CLUSTER_SMOOTHING_NEIGHBOURS and CLIO_CLUSTER_LINK_NEIGHBOURS
    choose the pipeline's base clusters (defaults 3, 5 and 15; ratio 1 and no smoothing give plain
    k-means, which has no merging for links to act on), and no scratch file is left behind."""
    from dagster import asset, materialize

    from clio_dagster.assets.clusters import base_clusters
    from clio_dagster.assets.partitions import DAILY
    from clio_dagster.resources.settings import ClioSettings
    from clio_dagster.resources.storage import RestrictedFileIOManager

    x, _ = uneven_topics(0)
    monkeypatch.setenv("CLIO_CLUSTER_MERGE_RATIO", str(ratio))
    monkeypatch.setenv("CLIO_CLUSTER_SMOOTHING_NEIGHBOURS", str(neighbours))
    monkeypatch.setenv("CLIO_CLUSTER_LINK_NEIGHBOURS", str(links))
    monkeypatch.setenv("CLIO_CLUSTER_SIZE_TARGET", str(len(x) // 5))  # k = 5

    @asset(partitions_def=DAILY)
    def facets() -> pl.DataFrame:
        ids = [f"c{i}" for i in range(len(x))]
        return pl.DataFrame({"conversation_id": ids, "user_id": ids})

    @asset(partitions_def=DAILY)
    def embeddings() -> np.ndarray:
        return x

    settings = ClioSettings()
    result = materialize(
        [facets, embeddings, base_clusters],
        partition_key="2026-01-01",
        resources={"settings": settings, "io_manager": RestrictedFileIOManager(settings=settings)},
    )
    assert result.success
    stored = result.output_for_node("base_clusters")["cluster_id"].to_numpy()
    cfg = settings.get()
    expected = cluster_embeddings(
        x,
        5,
        seed=cfg.seed,
        merge_ratio=ratio,
        smoothing_neighbours=neighbours,
        smoothing_min_similarity=cfg.cluster_smoothing_min_similarity,
        link_neighbours=links,
        link_weight=cfg.cluster_link_weight,
        threads=cfg.embed_threads,
    ).labels
    assert np.array_equal(stored, expected)
    plain = spherical_kmeans(x, 5, seed=cfg.seed, threads=cfg.embed_threads).labels
    assert np.array_equal(stored, plain) == (ratio == 1 and neighbours == 0)
    (materialization,) = result.asset_materializations_for_node("base_clusters")
    assert materialization.metadata["merge_ratio"].value == ratio
    assert materialization.metadata["smoothing_neighbours"].value == neighbours
    assert materialization.metadata["link_neighbours"].value == links
    assert not list(cfg.restricted_dir.glob(".smoothing-*"))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLIO_CLUSTER_MERGE_RATIO", "0"),
        ("CLIO_CLUSTER_SMOOTHING_NEIGHBOURS", "-1"),
        ("CLIO_CLUSTER_SMOOTHING_MIN_SIMILARITY", "1.5"),
        ("CLIO_CLUSTER_LINK_NEIGHBOURS", "-1"),
        ("CLIO_CLUSTER_LINK_WEIGHT", "-0.5"),
    ],
)
def test_bad_clustering_settings_are_refused_by_name(monkeypatch, variable, value):
    from pydantic import ValidationError

    from clio_dagster.config import Settings

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable.removeprefix("CLIO_").lower()):
        Settings()
