"""How well a finished ``$CLIO_HOME`` matches a labelled sample of its conversations (``clio evaluate``).

Per day it reads the restricted ``assignments`` (base cluster of each conversation) and ``facets``
(the detected language), and the public ``hierarchy.json`` (node titles), and reports:

- AMI, NMI and reconstruction accuracy of the base clusters against the topic labels
  (``core.clustering.evaluation``), and base clusters per conversation;
- language accuracy: the share of labelled conversations whose language facet equals the label;
- title agreement: for each public node with labelled conversations under it, its *majority label*
  is the most common label among them. Titles and label names (the label with ``/``, ``_`` and ``-``
  read as spaces) are embedded with the same embedder; a node agrees when the label name nearest
  to its title, among all labels of the day, is its majority label. Reported: the share of nodes
  that agree and the mean cosine between each title and its majority label's name.

Conversations without a label are counted per day (``unlabelled``), never dropped silently; so are
labels whose conversation is in no day (``labels_without_conversation``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from clio_dagster.core.clustering.evaluation import evaluate

EmbedTexts = Callable[[list[str]], np.ndarray]


class EvaluationError(ValueError):
    """A home or labels file that cannot be evaluated, with what to do about it."""


@dataclass(frozen=True)
class TitleAgreement:
    nodes: int  # public nodes with at least one labelled conversation under them
    nearest_is_majority: float | None  # share of those whose title's nearest label is their majority label
    mean_similarity: float | None  # mean cosine between a title and its majority label's name


@dataclass(frozen=True)
class DayEvaluation:
    date: str
    conversations: int
    labelled: int
    unlabelled: int
    base_clusters: int
    clusters_per_conversation: float
    ami: float | None
    nmi: float | None
    reconstruction: float | None
    language_accuracy: float | None
    titles: TitleAgreement


@dataclass(frozen=True)
class HomeEvaluation:
    days: list[DayEvaluation]
    labels_without_conversation: int

    def mean(self) -> dict[str, float | None]:
        """Unweighted mean over days of each per-day figure (days where it is defined)."""

        def average(values: list[float | None]) -> float | None:
            kept = [v for v in values if v is not None]
            return round(float(np.mean(kept)), 4) if kept else None

        return {
            "ami": average([d.ami for d in self.days]),
            "nmi": average([d.nmi for d in self.days]),
            "reconstruction": average([d.reconstruction for d in self.days]),
            "clusters_per_conversation": average([d.clusters_per_conversation for d in self.days]),
            "language_accuracy": average([d.language_accuracy for d in self.days]),
            "title_nearest_is_majority": average([d.titles.nearest_is_majority for d in self.days]),
            "title_mean_similarity": average([d.titles.mean_similarity for d in self.days]),
        }

    def to_dict(self) -> dict:
        return {
            "days": [asdict(day) for day in self.days],
            "mean": self.mean(),
            "conversations": sum(d.conversations for d in self.days),
            "unlabelled": sum(d.unlabelled for d in self.days),
            "labels_without_conversation": self.labels_without_conversation,
        }


def label_name(topic: str) -> str:
    """The words of a topic label, as they are embedded: ``travel/train_times`` -> ``travel train times``."""
    return re.sub(r"\s+", " ", re.sub(r"[/_\-:]+", " ", topic)).strip()


def read_labels(path: Path, topic_field: str = "topic") -> pl.DataFrame:
    """conversation_id, topic (from ``topic_field``) and, when the file has it, language."""
    try:
        frame = pl.read_ndjson(path, infer_schema_length=None)
    except (OSError, pl.exceptions.ComputeError) as exc:
        raise EvaluationError(f"cannot read labels {path}: {exc}") from exc
    missing = {"conversation_id", topic_field} - set(frame.columns)
    if missing:
        raise EvaluationError(
            f"{path} lacks {sorted(missing)}: each line needs conversation_id and {topic_field}"
        )
    columns = [pl.col("conversation_id").cast(pl.Utf8), pl.col(topic_field).cast(pl.Utf8).alias("topic")]
    if "language" in frame.columns:
        columns.append(pl.col("language").cast(pl.Utf8))
    labels = frame.select(columns).filter(pl.col("topic").is_not_null())
    if labels["conversation_id"].is_duplicated().any():
        raise EvaluationError(f"{path} labels some conversation_id more than once")
    return labels


def _title_agreement(
    hierarchy: dict, assignments: pl.DataFrame, labelled: pl.DataFrame, embed: EmbedTexts | None
) -> TitleAgreement:
    nodes = {node["id"]: node["title"] for node in hierarchy.get("nodes", [])}
    under = (
        assignments.select("conversation_id", "node_path")
        .join(labelled.select("conversation_id", "topic"), on="conversation_id")
        .explode("node_path")
        .filter(pl.col("node_path").is_in(list(nodes)))
    )
    if under.is_empty() or embed is None:
        return TitleAgreement(0, None, None)
    majority = (
        under.group_by("node_path", "topic")
        .len()
        .sort(["node_path", "len", "topic"], descending=[False, True, False])
        .unique("node_path", keep="first", maintain_order=True)
    )
    topics = sorted(labelled["topic"].unique().to_list())
    node_ids = majority["node_path"].to_list()
    titles = embed([nodes[n] for n in node_ids])
    names = embed([label_name(t) for t in topics])
    similarity = _unit(titles) @ _unit(names).T
    own = np.array([topics.index(t) for t in majority["topic"].to_list()])
    rows = np.arange(len(node_ids))
    return TitleAgreement(
        nodes=len(node_ids),
        nearest_is_majority=round(float((similarity.argmax(axis=1) == own).mean()), 4),
        mean_similarity=round(float(similarity[rows, own].mean()), 4),
    )


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def evaluate_day(
    date: str,
    assignments: pl.DataFrame,
    facets: pl.DataFrame,
    hierarchy: dict,
    labels: pl.DataFrame,
    embed: EmbedTexts | None,
) -> DayEvaluation:
    """The figures of one day (see the module docstring); ``embed`` None skips title agreement."""
    conversations = assignments.height
    labelled = assignments.select("conversation_id").join(labels, on="conversation_id")
    base_clusters = int(assignments["cluster_id"].n_unique())
    ami = nmi = reconstruction = language_accuracy = None
    if labelled.height:
        report = evaluate(
            assignments.select("conversation_id", "cluster_id"), labels.select("conversation_id", "topic")
        )
        ami, nmi, reconstruction = report.overall.ami, report.overall.nmi, report.overall.reconstruction
        if "language" in labels.columns:
            compared = facets.select("conversation_id", pl.col("language").alias("detected")).join(
                labelled.filter(pl.col("language").is_not_null()), on="conversation_id"
            )
            if compared.height:
                language_accuracy = round(float((compared["detected"] == compared["language"]).mean()), 4)
    return DayEvaluation(
        date=date,
        conversations=conversations,
        labelled=labelled.height,
        unlabelled=conversations - labelled.height,
        base_clusters=base_clusters,
        clusters_per_conversation=round(base_clusters / max(conversations, 1), 4),
        ami=ami,
        nmi=nmi,
        reconstruction=reconstruction,
        language_accuracy=language_accuracy,
        titles=_title_agreement(hierarchy, assignments, labelled, embed),
    )


def evaluated_days(home: Path) -> list[str]:
    """The days of ``home`` that have both restricted assignments and a public hierarchy."""
    restricted = home / "restricted"
    days = sorted(p.parent.name for p in restricted.glob("*/assignments.parquet"))
    return [d for d in days if (home / "public" / d / "hierarchy.json").is_file()]


def evaluate_home(home: Path, labels: pl.DataFrame, embed: EmbedTexts | None) -> HomeEvaluation:
    """Every published day of ``home`` against ``labels`` (:func:`read_labels`)."""
    days = evaluated_days(home)
    if not days:
        raise EvaluationError(
            f"{home} has no day with restricted/<date>/assignments.parquet and public/<date>/hierarchy.json: "
            "run `clio run` first"
        )
    results, seen = [], []
    for date in days:
        restricted = home / "restricted" / date
        assignments = pl.read_parquet(restricted / "assignments.parquet")
        facets = pl.read_parquet(restricted / "facets.parquet", columns=["conversation_id", "language"])
        hierarchy = json.loads((home / "public" / date / "hierarchy.json").read_text())
        results.append(evaluate_day(date, assignments, facets, hierarchy, labels, embed))
        seen.append(assignments.select("conversation_id"))
    orphans = labels.join(pl.concat(seen), on="conversation_id", how="anti").height
    return HomeEvaluation(results, orphans)
