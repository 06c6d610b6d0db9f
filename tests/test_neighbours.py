"""Nearest neighbours and neighbourhood smoothing: exact on small days, a close approximation on big ones."""

from __future__ import annotations

import numpy as np
import pytest

from clio_dagster.core.clustering.neighbours import nearest_neighbours, smoothed_embeddings


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def noisy_topics(seed: int, topics: int = 12, per_topic: int = 150, dim: int = 48, noise: float = 0.32):
    """Unit rows scattered widely around ``topics`` directions, and each row's topic."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(topics), per_topic)
    centres = _unit(rng.normal(size=(topics, dim)))
    x = _unit(centres[truth] + noise * rng.normal(size=(len(truth), dim)))
    return x.astype(np.float32), truth


def test_exact_path_is_the_row_plus_the_mean_of_its_nearest_other_rows():
    x, _ = noisy_topics(0, topics=4, per_topic=50)
    smoothed = smoothed_embeddings(x, 5, threads=1)
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1)[:, :5]
    expected = _unit(x + x[nearest].mean(axis=1))
    np.testing.assert_allclose(smoothed, expected, atol=1e-5)


def test_index_path_approximates_the_exact_one_and_is_deterministic():
    x, _ = noisy_topics(1)
    exact = smoothed_embeddings(x, 5, threads=1)
    approximate = smoothed_embeddings(x, 5, threads=1, exact_below=0)
    again = smoothed_embeddings(x, 5, threads=1, exact_below=0)
    assert np.array_equal(approximate, again)
    agreement = np.sum(exact * approximate, axis=1)
    # most rows find exactly their exact neighbours; the others, near ones
    assert np.median(agreement) > 0.999 and np.quantile(agreement, 0.05) > 0.95


def test_missing_hits_are_left_out_and_the_output_can_live_on_disk(tmp_path):
    x, _ = noisy_topics(2, topics=3, per_topic=70)
    out = np.lib.format.open_memmap(tmp_path / "s.npy", mode="w+", dtype=np.float32, shape=x.shape)
    # three inverted lists of ~70 rows, one probed: 150 neighbours cannot all be found
    smoothed = smoothed_embeddings(x, 150, threads=1, exact_below=0, probes=1, out=out)
    assert smoothed is out
    assert np.isfinite(smoothed).all()
    np.testing.assert_allclose(np.linalg.norm(smoothed, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), smoothed)


def test_neighbours_below_the_similarity_floor_are_left_out():
    x, _ = noisy_topics(3, topics=4, per_topic=40)
    floor = 0.5
    smoothed = smoothed_embeddings(x, 5, threads=1, min_similarity=floor)
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1)[:, :5]
    close = np.take_along_axis(similarity, nearest, axis=1) >= floor
    assert 0 < close.mean() < 1  # the floor matters on this data
    near_sum = (x[nearest] * close[:, :, None]).sum(axis=1)
    expected = _unit(x + near_sum / np.maximum(close.sum(axis=1), 1)[:, None])
    np.testing.assert_allclose(smoothed, expected, atol=1e-5)
    alone = ~close.any(axis=1)
    np.testing.assert_allclose(smoothed[alone], x[alone], atol=1e-6)


def test_nearest_neighbours_are_the_most_similar_other_rows_and_serve_smoothing():
    x, _ = noisy_topics(4, topics=4, per_topic=50)
    found = nearest_neighbours(x, 8, threads=1)
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    expected = np.argsort(-similarity, axis=1)[:, :8]
    np.testing.assert_array_equal(found.hits, expected)
    np.testing.assert_allclose(found.similarity, np.take_along_axis(similarity, expected, axis=1), atol=1e-5)
    # a wider search handed to smoothing gives what smoothing's own narrower search gives
    np.testing.assert_allclose(
        smoothed_embeddings(x, 5, threads=1, min_similarity=0.5, nearest=found),
        smoothed_embeddings(x, 5, threads=1, min_similarity=0.5),
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="found 8"):
        smoothed_embeddings(x, 9, nearest=found)


def test_bad_arguments_are_refused():
    x, _ = noisy_topics(0, topics=2, per_topic=10)
    with pytest.raises(ValueError, match="neighbours"):
        smoothed_embeddings(x, 0)
    with pytest.raises(ValueError, match="neighbours"):
        nearest_neighbours(x, 0)
    with pytest.raises(ValueError, match="shape"):
        smoothed_embeddings(x, 3, out=np.empty((3, 3), dtype=np.float32))
