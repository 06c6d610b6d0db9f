"""Quality of the base clusters against labelled data: AMI, NMI, ARI and reconstruction accuracy."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl


@dataclass(frozen=True)
class Scores:
    conversations: int
    ami: float
    nmi: float
    ari: float
    reconstruction: float


@dataclass(frozen=True)
class EvalReport:
    overall: Scores
    by_language: dict[str, Scores]
    language_accuracy: float | None

    def to_dict(self) -> dict:
        return {
            "overall": asdict(self.overall),
            "by_language": {k: asdict(v) for k, v in self.by_language.items()},
            "language_accuracy": self.language_accuracy,
        }


def _scores(frame: pl.DataFrame) -> Scores:
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

    truth, found = frame["topic"].to_list(), frame["cluster_id"].to_list()
    return Scores(
        conversations=frame.height,
        ami=round(float(adjusted_mutual_info_score(truth, found)), 4),
        nmi=round(float(normalized_mutual_info_score(truth, found)), 4),
        ari=round(float(adjusted_rand_score(truth, found)), 4),
        reconstruction=round(float(frame["reconstructed"].mean()), 4),
    )


def evaluate(clusters: pl.DataFrame, labels: pl.DataFrame, facets: pl.DataFrame | None = None) -> EvalReport:
    """Score ``clusters`` (conversation_id, cluster_id) against ``labels`` (conversation_id, topic,
    optionally language).

    Reconstruction maps each base cluster to its majority label (computed over all languages) and
    counts the conversations whose cluster's label is their own.
    """
    joined = clusters.select("conversation_id", "cluster_id").join(labels, on="conversation_id", how="inner")
    if joined.is_empty():
        raise ValueError("no labelled conversation was clustered: do the conversation_ids match?")
    majority = (
        joined.group_by("cluster_id", "topic")
        .len()
        .sort(["cluster_id", "len", "topic"], descending=[False, True, False])
        .unique("cluster_id", keep="first")
        .select("cluster_id", pl.col("topic").alias("cluster_topic"))
    )
    joined = joined.join(majority, on="cluster_id").with_columns(
        (pl.col("topic") == pl.col("cluster_topic")).alias("reconstructed")
    )
    by_language: dict[str, Scores] = {}
    language_accuracy = None
    if "language" in joined.columns:
        for (language,), part in sorted(joined.group_by("language"), key=lambda g: str(g[0][0])):
            by_language[str(language)] = _scores(part)
        if facets is not None:
            compared = facets.select("conversation_id", pl.col("language").alias("detected")).join(
                labels.select("conversation_id", "language"), on="conversation_id"
            )
            language_accuracy = round(float((compared["detected"] == compared["language"]).mean()), 4)
    return EvalReport(_scores(joined), by_language, language_accuracy)
