"""Shared steps of the quality benchmarks: our base clusters for one labelled partition, and scores.

Runs the same core functions as the Dagster assets (local facets -> USE embeddings of the
request facet -> the configured k rule, neighbour smoothing and merged FAISS k-means), without Dagster, so a
benchmark can time each stage and hand the very same embeddings to another method.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from clio_dagster.config import Settings
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings
from clio_dagster.core.clustering.embed import UseMultilingualEmbedder
from clio_dagster.core.clustering.evaluation import evaluate
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.interfaces import FacetSpec


@dataclass
class Prepared:
    """Facets and request embeddings of one partition, with the seconds each stage took."""

    facets: pl.DataFrame
    embeddings: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)


def prepare(conversations: pl.DataFrame, settings: Settings) -> Prepared:
    """Local facets and USE embeddings of the request facet (CONVERSATIONS_SCHEMA rows in)."""
    started = time.perf_counter()
    spec = FacetSpec(min_unique_users=settings.min_unique_users)
    facets = LocalFacetExtractor().extract(conversations, spec).facets
    facet_seconds = time.perf_counter() - started
    started = time.perf_counter()
    vectors = UseMultilingualEmbedder(threads=settings.embed_threads).embed(facets["request"].to_list())
    return Prepared(facets, vectors, {"facets": facet_seconds, "embed": time.perf_counter() - started})


@dataclass
class Clock:
    """Wall and CPU seconds since creation; CPU (``time.process_time``) sums every thread of the
    process, so it is robust to other jobs on a shared machine where wall time is not."""

    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=time.process_time)

    def elapsed(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds) since the clock was created."""
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def our_clusters(
    prepared: Prepared, settings: Settings, *, k: int | None = None, plain: bool = False
) -> tuple[np.ndarray, float, float]:
    """Base cluster labels as the pipeline makes them (its k rule unless ``k`` is given; ``plain``:
    k-means alone, without smoothing, merging and links), and the wall and CPU seconds it took."""
    clock = Clock()
    n = len(prepared.embeddings)
    if k is None:
        k = choose_k(n, target_size=settings.cluster_size_target, max_k=settings.max_base_clusters)
    options = settings.clustering_options()
    if plain:
        options |= {"merge_ratio": 1, "smoothing_neighbours": 0, "link_neighbours": 0}
    result = cluster_embeddings(
        prepared.embeddings, k, seed=settings.seed, threads=settings.embed_threads, **options
    )
    return (result.labels, *clock.elapsed())


def score(facets: pl.DataFrame, labels: np.ndarray, truth: pl.DataFrame) -> dict:
    """NMI, ARI and reconstruction accuracy (overall and per language) of ``labels`` against ``truth``."""
    clusters = facets.select("conversation_id").with_columns(pl.Series("cluster_id", labels.astype(np.int64)))
    return evaluate(clusters, truth, facets).to_dict()


def _publishable(facets: pl.DataFrame, labels: np.ndarray, settings: Settings) -> pl.DataFrame:
    """Per cluster: conversations, distinct users, and whether both pass the publication thresholds."""
    return (
        facets.select("user_id")
        .with_columns(pl.Series("cluster_id", labels.astype(np.int64)))
        .group_by("cluster_id")
        .agg(pl.len().alias("conversations"), pl.col("user_id").n_unique().alias("users"))
        .with_columns(
            (
                (pl.col("users") >= settings.min_unique_users)
                & (pl.col("conversations") >= settings.min_conversations)
            ).alias("public")
        )
    )


def suppressed_share(facets: pl.DataFrame, labels: np.ndarray, settings: Settings) -> float:
    """Share of conversations in clusters below the publication thresholds (users or conversations)."""
    sizes = _publishable(facets, labels, settings)
    return float(sizes.filter(~pl.col("public"))["conversations"].sum()) / max(facets.height, 1)


def public_clusters(facets: pl.DataFrame, labels: np.ndarray, settings: Settings) -> int:
    """Number of clusters that pass the publication thresholds."""
    return int(_publishable(facets, labels, settings)["public"].sum())
