"""The small interfaces behind which every backend sits (local, anthropic, litellm).

Choosing a backend is configuration: the resources build one of each and pass it to ``core``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import polars as pl

from clio_dagster.config import CustomFacet
from clio_dagster.schema import FACET_FAILURES_SCHEMA, ClusterName

if TYPE_CHECKING:
    from clio_dagster.core.clustering.embed import UserTextVectors


@dataclass(frozen=True)
class FacetSpec:
    """What to extract: the built-in facets plus the user's custom ones."""

    custom: tuple[CustomFacet, ...] = ()
    min_unique_users: int = 25  # the local backend's k-anonymous vocabulary bar
    max_prompt_tokens: int = 2000  # long conversations are cut to this, whole turns kept


@dataclass
class FacetResult:
    """Facets (FACETS_SCHEMA plus one column per custom facet) and per-item failures; ``vectors``:
    the user-text embeddings the extractor computed on the way, if any, for clustering to reuse."""

    facets: pl.DataFrame
    failures: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FACET_FAILURES_SCHEMA))
    stats: dict[str, float | int] = field(default_factory=dict)
    vectors: UserTextVectors | None = None


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
    # The users' own words and the language facet, row for row (restricted; the local namer takes
    # its k-anonymous phrases from them). Empty: namers fall back to ``texts``.
    user_texts: Sequence[str] = ()
    languages: Sequence[str] = ()
    reserved_titles: frozenset[str] = frozenset()  # titles already used elsewhere in the hierarchy


class ClusterNamer(Protocol):
    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        """A name per cluster (index = label), contrasted with the nearest other clusters."""
        ...


class HierarchyNamer(Protocol):
    """The LLM steps of building one level of the hierarchy (DESIGN §1.5), in batch form."""

    def propose_all(
        self, neighbourhoods: Sequence[tuple[Sequence[ClusterName], Sequence[ClusterName], int]]
    ) -> list[list[ClusterName]]:
        """Candidate parents for each (children, nearby outside clusters, number wanted)."""
        ...

    def deduplicate(self, candidates: Sequence[ClusterName], n_parents: int) -> list[ClusterName]:
        """Merge candidates that mean the same thing, down to at most ``n_parents``."""
        ...

    def assign_all(
        self, children: Sequence[ClusterName], candidates: Sequence[ClusterName], seed: int
    ) -> list[int]:
        """For each child, the index of its best-fitting candidate (each shown a shuffled order)."""
        ...

    def rename_all(self, groups: Sequence[Sequence[ClusterName]]) -> list[ClusterName]:
        """A name for each parent from the children it actually received."""
        ...


class Auditor(Protocol):
    def audit(self, texts: Sequence[str]) -> list[int | None]:
        """A 1–5 privacy score per text (5 = nothing private); None where the backend has no auditor."""
        ...


@dataclass
class Backends:
    """One implementation of each LLM step, chosen by configuration; use as a context manager."""

    facets: FacetExtractor
    namer: ClusterNamer
    auditor: Auditor
    hierarchy: HierarchyNamer | None = None  # None: parents come from centroid grouping
    backend: str = "local"  # "local" | "llm", as reported in hierarchy.json
    model: str | None = None  # what hierarchy.json reports
    usage: Any = None  # UsageStats of the LLM client, if any
    closers: list[Callable[[], None]] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        """Accounting figures for materialisation metadata (empty for the local backend)."""
        return self.usage.metadata() if self.usage is not None else {}

    def failures(self) -> pl.DataFrame:
        """Failures of the naming, hierarchy and audit stages (facet failures come with FacetResult)."""
        logs = {id(b.log): b.log for b in (self.namer, self.hierarchy, self.auditor) if hasattr(b, "log")}
        frames = [log.frame() for log in logs.values()]
        return pl.concat(frames) if frames else pl.DataFrame(schema=FACET_FAILURES_SCHEMA)

    def close(self) -> None:
        for closer in self.closers:
            closer()

    def __enter__(self) -> Backends:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
