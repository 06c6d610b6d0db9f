"""The small interfaces behind which every backend sits (local, anthropic, litellm).

Choosing a backend is configuration: the resources build one of each and pass it to ``core``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import polars as pl

from clio_dagster.config import CustomFacet
from clio_dagster.schema import FACET_FAILURES_SCHEMA, ClusterName


@dataclass(frozen=True)
class FacetSpec:
    """What to extract: the built-in facets plus the user's custom ones."""

    custom: tuple[CustomFacet, ...] = ()
    min_unique_users: int = 25  # the local backend's k-anonymous vocabulary bar
    max_prompt_tokens: int = 2000  # long conversations are cut to this, whole turns kept


@dataclass
class FacetResult:
    """Facets (FACETS_SCHEMA plus one column per custom facet) and per-item failures."""

    facets: pl.DataFrame
    failures: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FACET_FAILURES_SCHEMA))
    stats: dict[str, float | int] = field(default_factory=dict)


class FacetExtractor(Protocol):
    def extract(self, conversations: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        """Facets for every conversation (CONVERSATIONS_SCHEMA in); failures returned, not raised."""
        ...


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        ...


@dataclass(frozen=True)
class ClusterGroups:
    """Texts (request facets) grouped by cluster label, with the clusters' unit centroids."""

    texts: Sequence[str]
    labels: np.ndarray  # int, one per text; values index ``centroids``
    centroids: np.ndarray  # (n_clusters, dim)
    user_ids: Sequence[str] = ()
    seed: int = 0


class ClusterNamer(Protocol):
    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        """A name per cluster (index = label), contrasted with the nearest other clusters."""
        ...


class HierarchyNamer(Protocol):
    """The LLM steps of building one level of the hierarchy (DESIGN §1.5)."""

    def propose(self, children: Sequence[ClusterName], nearby: Sequence[ClusterName],
                n_parents: int) -> list[ClusterName]: ...

    def deduplicate(self, candidates: Sequence[ClusterName], n_parents: int) -> list[ClusterName]: ...

    def assign(self, child: ClusterName, candidates: Sequence[ClusterName], seed: int) -> int: ...

    def rename(self, children: Sequence[ClusterName]) -> ClusterName: ...


class Auditor(Protocol):
    def audit(self, texts: Sequence[str]) -> list[int | None]:
        """A 1–5 privacy score per text (5 = nothing private); None where the backend has no auditor."""
        ...
