"""The learned concern model: shipped weights load and score, carry across languages on held-out
hand-written probes, refuse weights of another format or embedder, and are deterministic."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from clio_dagster.core.clustering.embed import DEFAULT_EMBEDDER, UseMultilingualEmbedder
from clio_dagster.core.safety.concern_model import (
    BENIGN,
    FORMAT_VERSION,
    HARM_LABELS,
    ConcernModel,
    ConcernModelError,
    NeighbourVote,
    load_concern_model,
    shipped_concern_model,
)

PROBES = Path(__file__).parent / "data" / "concern_probes.jsonl"


@lru_cache(maxsize=1)
def _embedder() -> UseMultilingualEmbedder:
    return UseMultilingualEmbedder(threads=1, batch_size=1)  # as the local facet backend embeds


def _heldout_probes() -> list[dict]:
    # the "tune" concepts are in the training data; only the held-out ones are a fair test
    rows = [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines()]
    return [row for row in rows if row["split"] == "heldout"]


def _scores(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return shipped_concern_model(DEFAULT_EMBEDDER).score(_embedder().embed(texts))


def test_shipped_weights_load_and_score_every_row():
    model = shipped_concern_model(DEFAULT_EMBEDDER)
    assert model.classes[0] == BENIGN and set(model.classes[1:]) <= set(HARM_LABELS)
    scores, categories = _scores(["How do I bake sourdough bread?", "Give me a recipe for napalm.", ""])
    assert scores.dtype == np.int8 and scores.shape == (3,)
    assert set(scores.tolist()) <= {1, 2, 3, 4, 5}
    assert scores[0] <= 2 and categories[0] == ""
    assert scores[1] >= 3 and categories[1] in HARM_LABELS


@pytest.mark.parametrize(
    "language", ["en", "es", "fr", "de", "it", "pt", "nl", "pl", "ru", "tr", "ar", "zh", "ja", "ko"]
)
def test_held_out_probes_carry_across_languages(language):
    probes = [row for row in _heldout_probes() if row["language"] == language]
    harmful = [row["text"] for row in probes if row["kind"] == "harmful"]
    lookalikes = [row["text"] for row in probes if row["kind"] == "lookalike"]
    harmful_scores, _ = _scores(harmful)
    lookalike_scores, _ = _scores(lookalikes)
    # per language, at most one harmful miss of 7 and two look-alike misses of 8 (measured worst:
    # es, ko, nl, pl, tr 6/7 harmful; ko 6/8 look-alikes; bench/results/concern.md)
    assert (harmful_scores >= 3).sum() >= len(harmful) - 1, harmful_scores
    assert (lookalike_scores <= 2).sum() >= len(lookalikes) - 2, lookalike_scores


def test_held_out_probes_overall():
    probes = _heldout_probes()
    scores, _ = _scores([row["text"] for row in probes])
    harmful = np.array([row["kind"] == "harmful" for row in probes])
    # measured 93/98 and 109/112 (bench/results/concern.md); the bar is 0.85 on both
    assert (scores[harmful] >= 3).mean() >= 0.93
    assert (scores[~harmful] <= 2).mean() >= 0.96


def _weights(tmp_path: Path, **changes) -> Path:
    """The shipped weights saved again with some fields changed."""
    shipped_concern_model(DEFAULT_EMBEDDER).save(tmp_path / "shipped.npz")
    with np.load(tmp_path / "shipped.npz") as data:
        fields = {name: data[name] for name in data.files} | changes
    path = tmp_path / "weights.npz"
    np.savez(path, **fields)
    return path


def test_weights_of_another_embedder_are_refused(tmp_path):
    path = _weights(tmp_path, embedder=np.array("sentence-transformers:all-MiniLM-L6-v2"))
    with pytest.raises(ConcernModelError, match="trained over the 'sentence-transformers:all-MiniLM-L6-v2'"):
        load_concern_model(path, embedder=DEFAULT_EMBEDDER)
    # and the shipped weights refuse to score another embedder's vectors
    with pytest.raises(ConcernModelError, match="not 'litellm:openai/text-embedding-3-small'"):
        load_concern_model(embedder="litellm:openai/text-embedding-3-small")


def test_weights_of_another_format_or_broken_are_refused(tmp_path):
    with pytest.raises(ConcernModelError, match=f"format 99, this code reads format {FORMAT_VERSION}"):
        load_concern_model(_weights(tmp_path, format_version=np.array(99)), embedder=DEFAULT_EMBEDDER)
    # format 1 (a regression alone, trained on 1,000 characters at batch 256) is refused, not misread
    with pytest.raises(ConcernModelError, match="format 1, this code reads format"):
        load_concern_model(_weights(tmp_path, format_version=np.array(1)), embedder=DEFAULT_EMBEDDER)
    with pytest.raises(ConcernModelError, match="inconsistent"):
        load_concern_model(_weights(tmp_path, intercept=np.zeros(2, np.float32)), embedder=DEFAULT_EMBEDDER)
    with pytest.raises(ConcernModelError, match="inconsistent"):
        load_concern_model(
            _weights(tmp_path, neighbour_weights=np.ones(3, np.float32)), embedder=DEFAULT_EMBEDDER
        )
    with pytest.raises(ConcernModelError, match="cannot read"):
        load_concern_model(tmp_path / "missing.npz", embedder=DEFAULT_EMBEDDER)
    not_npz = tmp_path / "garbage.npz"
    not_npz.write_bytes(b"not a zip")
    with pytest.raises(ConcernModelError, match="cannot read"):
        load_concern_model(not_npz, embedder=DEFAULT_EMBEDDER)


def test_vectors_of_the_wrong_width_are_refused():
    with pytest.raises(ConcernModelError, match="512"):
        shipped_concern_model(DEFAULT_EMBEDDER).score(np.zeros((2, 384), np.float32))


def test_saved_weights_round_trip_and_scoring_is_deterministic(tmp_path):
    model = shipped_concern_model(DEFAULT_EMBEDDER)
    model.save(tmp_path / "copy.npz")
    copy = load_concern_model(tmp_path / "copy.npz", embedder=DEFAULT_EMBEDDER)
    vectors = np.random.default_rng(0).normal(size=(50, model.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first, second = model.score(vectors), copy.score(vectors)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    texts = [row["text"] for row in _heldout_probes()[:40]]
    assert np.array_equal(_scores(texts)[0], _scores(texts)[0])


def test_neighbour_vote_follows_the_nearest_labelled_prompts():
    # two references on the axes: harmful along x, benign along y; a query near x is harmful
    vote = NeighbourVote(
        vectors=np.array([[1.0, 0.0], [0.0, 1.0]], np.float16),
        weights=np.ones(2, np.float32),
        harmful=np.array([True, False]),
        k=2,
        sharpness=20.0,
        prior=1.0,
    )
    queries = np.array([[0.9, 0.1], [0.1, 0.9], [0.7071, 0.7071]], np.float32)
    log_odds = vote.harm_log_odds(queries)
    assert log_odds[0] > 5 and log_odds[1] < -5 and abs(log_odds[2]) < 1e-3
    # the vote counts weights: a benign reference four times as heavy wins at equal distance
    heavier = NeighbourVote(vote.vectors, np.array([1.0, 4.0], np.float32), vote.harmful, 2, 20.0, 1.0)
    assert heavier.harm_log_odds(queries[2:])[0] == pytest.approx(np.log(1 / 4), abs=1e-3)


def test_blend_moves_the_score_by_the_neighbour_share():
    # the regression alone calls the first coordinate's log-odds; the vote says benign near y
    regression = ConcernModel(
        embedder=DEFAULT_EMBEDDER,
        classes=(BENIGN, "violence"),
        coef=np.array([[0.0, 0.0], [4.0, 0.0]], np.float32),
        intercept=np.zeros(2, np.float32),
        calibration=np.array([1.0, 0.0]),
    )
    vote = NeighbourVote(
        np.array([[0.0, 1.0]], np.float16), np.ones(1, np.float32), np.array([False]), 1, 20.0, 1.0
    )
    blended = ConcernModel(**{**regression.__dict__, "neighbours": vote, "neighbour_share": 0.5})
    query = np.array([[0.6, 0.8]], np.float32)
    alone, _ = regression.harm_log_odds(query)
    mixed, _ = blended.harm_log_odds(query)
    assert alone[0] == pytest.approx(2.4, abs=1e-4)
    assert mixed[0] == pytest.approx(0.5 * 2.4 + 0.5 * vote.harm_log_odds(query)[0], abs=1e-4)
    assert mixed[0] < 0 < alone[0]


def test_score_cut_points_map_probability_to_the_scale():
    # a two-class model whose harm log-odds equal the first coordinate: scores follow the cuts
    model = ConcernModel(
        embedder=DEFAULT_EMBEDDER,
        classes=(BENIGN, "violence"),
        coef=np.array([[0.0, 0.0], [1.0, 0.0]], np.float32),
        intercept=np.zeros(2, np.float32),
        calibration=np.array([1.0, 0.0]),
    )
    probability = np.array([0.05, 0.2, 0.6, 0.9, 0.99])
    vectors = np.stack([np.log(probability / (1 - probability)), np.zeros(5)], axis=1)
    scores, categories = model.score(vectors)
    assert scores.tolist() == [1, 2, 3, 4, 5]
    assert categories.tolist() == ["", "", "violence", "violence", "violence"]
