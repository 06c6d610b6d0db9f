"""The learned concern model: a 1–5 safety concern score and a harm category from text embeddings.

A multinomial logistic regression over the sentence embeddings of the user's own words, with one
class for benign requests and one per harm category, trained by ``bench/train_concern.py`` on real
labelled prompts (HarmBench, StrongREJECT, AdvBench and pyrit's red-team objectives against the
benign real-data development corpus) plus a documented hand-written supplement. Because the
embedder is multilingual and aligned across languages, one model scores every language it covers.

The probability that a request is harmful (1 − P(benign), Platt-calibrated on cross-validated
predictions, classes weighted equally) is mapped to the 1–5 scale by fixed cut points, so each
score has a meaning that does not move when the model is retrained:
  1  P < 0.10     benign
  2  P < 0.50     some resemblance to harmful requests, more likely benign
  3  P < 0.80     more likely harmful than not
  4  P < 0.95     likely harmful
  5  P >= 0.95    almost certainly harmful
The harm category is the regression's most probable harm class, reported when the score is 3 or more.

The weights are an ``.npz`` (``clio_dagster/data/concern_model.npz``, ~6 MB: the regression and the
vote's reference vectors in float16, no text) that names the embedder it was trained over and a
format version; anything else is refused with what to do about it, since scores over another
embedder's vectors would be meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

FORMAT_VERSION = 2
WEIGHTS_FILE = "concern_model.npz"
BENIGN = "benign"
# Calibrated harm probability at which each score from 2 to 5 starts (see the module docstring).
SCORE_CUTS = (0.10, 0.50, 0.80, 0.95)
CONCERNING_SCORE = 3
# Rows of embeddings scored at once: bounds the (rows x neighbours) similarity matrix to ~100 MB.
_SCORE_CHUNK = 4096

# The words the request facet leads a concerning request with: fixed vocabulary, never the user's.
HARM_LABELS: dict[str, str] = {
    "weapons_chem_bio": "weapons and dangerous chemicals",
    "cybercrime": "cybercrime",
    "illegal_activity": "illegal activity",
    "violence": "violence",
    "harassment_hate": "harassment and hate",
    "sexual": "sexual content",
    "self_harm": "self harm",
    "misinformation": "misinformation",
    "other_harm": "other harm",
}


class ConcernModelError(ValueError):
    """Weights that cannot be used (missing, another format, another embedder), and what to do."""


@dataclass(frozen=True)
class NeighbourVote:
    """Labelled reference prompts and how their vote is taken."""

    vectors: np.ndarray  # float16 (n, dim): embeddings of the reference prompts
    weights: np.ndarray  # float32 (n,): each reference's weight in the vote (its training weight)
    harmful: np.ndarray  # bool (n,)
    k: int  # neighbours that vote
    sharpness: float  # a neighbour's vote is weight * exp(sharpness * cosine similarity)
    prior: float  # pseudo-weight of a 50/50 prior, so a vote of a few light neighbours stays moderate

    def harm_log_odds(self, embeddings: np.ndarray) -> np.ndarray:
        similarity = embeddings @ self.vectors.T.astype(np.float32)
        k = min(self.k, similarity.shape[1])
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        closeness = np.take_along_axis(similarity, nearest, axis=1).astype(np.float64)
        vote = self.weights[nearest] * np.exp(self.sharpness * closeness)  # cosine <= 1: no overflow
        harm = (vote * self.harmful[nearest]).sum(axis=1) + self.prior / 2
        total = vote.sum(axis=1) + self.prior
        probability = np.clip(harm / total, 1e-6, 1 - 1e-6)
        return np.log(probability / (1 - probability))


@dataclass(frozen=True)
class ConcernModel:
    """Weights of the concern model; ``score`` turns embeddings into (score, harm category)."""

    embedder: str
    classes: tuple[str, ...]  # classes[0] is BENIGN, the rest are harm categories
    coef: np.ndarray  # float32 (classes, dim)
    intercept: np.ndarray  # float32 (classes,)
    calibration: np.ndarray  # float64 (2,): Platt slope and offset on the blended log-odds of harm
    neighbours: NeighbourVote | None = None
    neighbour_share: float = 0.0  # share of the neighbour vote in the blended log-odds

    @property
    def dim(self) -> int:
        return int(self.coef.shape[1])

    def harm_probability(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated P(harmful) per row and the index (into ``classes``) of the likeliest harm class."""
        log_odds, strongest = self.harm_log_odds(embeddings)
        slope, offset = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * log_odds + offset))), strongest

    def harm_log_odds(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The blended, uncalibrated log-odds of harm per row, and the likeliest harm class."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dim:
            raise ConcernModelError(
                f"the concern model takes ({self.dim})-dimensional {self.embedder} embeddings, "
                f"got an array of shape {embeddings.shape}"
            )
        log_odds = np.empty(len(embeddings))
        strongest = np.zeros(len(embeddings), dtype=np.int64)
        for start in range(0, len(embeddings), _SCORE_CHUNK):
            chunk = embeddings[start : start + _SCORE_CHUNK]
            blend, strongest[start : start + len(chunk)] = self.linear_log_odds(chunk)
            if self.neighbours is not None and self.neighbour_share > 0:
                vote = self.neighbours.harm_log_odds(chunk)
                blend = (1 - self.neighbour_share) * blend + self.neighbour_share * vote
            log_odds[start : start + len(chunk)] = blend
        return log_odds, strongest

    def linear_log_odds(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The regression's harm log-odds, log((1 − P(benign)) / P(benign)), and its likeliest harm class."""
        logits = embeddings.astype(np.float64) @ self.coef.T.astype(np.float64) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        harm = np.clip(1.0 - probabilities[:, 0], 1e-12, 1 - 1e-12)
        strongest = 1 + probabilities[:, 1:].argmax(axis=1) if len(self.classes) > 1 else np.zeros(len(harm))
        return np.log(harm / (1.0 - harm)), strongest.astype(np.int64)

    def score(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(concerning, harm_category): int8 scores 1–5 and the harm category of each row ("" below 3)."""
        probability, strongest = self.harm_probability(embeddings)
        concerning = (1 + np.searchsorted(np.asarray(SCORE_CUTS), probability, side="right")).astype(np.int8)
        categories = np.asarray(self.classes, dtype=object)[strongest]
        categories[concerning < CONCERNING_SCORE] = ""
        return concerning, categories.astype(str)

    def save(self, path: Path) -> None:
        votes = self.neighbours
        dim = self.dim
        np.savez_compressed(
            path,
            format_version=np.array(FORMAT_VERSION),
            embedder=np.array(self.embedder),
            classes=np.array(self.classes),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            calibration=self.calibration.astype(np.float64),
            neighbour_share=np.array(self.neighbour_share if votes else 0.0),
            neighbour_vectors=(votes.vectors if votes else np.zeros((0, dim))).astype(np.float16),
            neighbour_weights=(votes.weights if votes else np.zeros(0)).astype(np.float32),
            neighbour_harmful=(votes.harmful if votes else np.zeros(0)).astype(bool),
            neighbour_vote=np.array([votes.k, votes.sharpness, votes.prior] if votes else [0.0, 0.0, 0.0]),
        )


def load_concern_model(path: Path | None = None, *, embedder: str) -> ConcernModel:
    """The weights at ``path`` (default: the shipped file), refused unless they are in this format
    and were trained over ``embedder`` (the name of the embedder that will produce the vectors)."""
    source = path if path is not None else resources.files("clio_dagster.data") / WEIGHTS_FILE
    try:
        with resources.as_file(source) as file, np.load(file, allow_pickle=False) as data:
            fields = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ConcernModelError(
            f"cannot read concern model weights at {source} ({exc}); "
            "rebuild them with: python bench/train_concern.py"
        ) from exc
    version = int(fields["format_version"]) if "format_version" in fields else None
    if version != FORMAT_VERSION:
        raise ConcernModelError(
            f"concern model weights at {source} are format {version}, this code reads format "
            f"{FORMAT_VERSION}: rebuild them with python bench/train_concern.py"
        )
    missing = {
        "embedder", "classes", "coef", "intercept", "calibration", "neighbour_share",
        "neighbour_vectors", "neighbour_weights", "neighbour_harmful", "neighbour_vote",
    } - set(fields)  # fmt: skip
    if missing:
        raise ConcernModelError(f"concern model weights at {source} lack {sorted(missing)}; rebuild them")
    trained_over = str(fields["embedder"])
    if trained_over != embedder:
        raise ConcernModelError(
            f"concern model weights at {source} were trained over the '{trained_over}' embedder, "
            f"not '{embedder}': score with that embedder or retrain (bench/train_concern.py --embedder)"
        )
    classes = tuple(str(name) for name in fields["classes"])
    coef, intercept = fields["coef"], fields["intercept"]
    if (
        not classes
        or classes[0] != BENIGN
        or coef.shape[0] != len(classes)
        or intercept.shape != (len(classes),)
    ):
        raise ConcernModelError(f"concern model weights at {source} are inconsistent; rebuild them")
    vectors = fields["neighbour_vectors"]
    neighbours = None
    if len(vectors):
        k, sharpness, prior = fields["neighbour_vote"].tolist()
        weights, harmful = fields["neighbour_weights"], fields["neighbour_harmful"]
        shape = (len(vectors),)
        if vectors.shape[1] != coef.shape[1] or weights.shape != shape or harmful.shape != shape or k < 1:
            raise ConcernModelError(f"concern model weights at {source} are inconsistent; rebuild them")
        neighbours = NeighbourVote(vectors, weights, harmful.astype(bool), int(k), sharpness, prior)
    return ConcernModel(
        trained_over,
        classes,
        coef,
        intercept,
        fields["calibration"].astype(np.float64),
        neighbours,
        float(fields["neighbour_share"]),
    )


@lru_cache(maxsize=4)
def shipped_concern_model(embedder: str) -> ConcernModel:
    """The shipped weights for ``embedder``, loaded once per process."""
    return load_concern_model(embedder=embedder)
