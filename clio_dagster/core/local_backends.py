"""The embedded, offline and deterministic backend of every LLM step (DESIGN §2)."""

from __future__ import annotations

from collections.abc import Sequence

from clio_dagster.config import Settings
from clio_dagster.core.clustering.embed import make_embedder
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.interfaces import Backends
from clio_dagster.core.taxonomy.naming import LocalClusterNamer


class NoAuditor:
    """The local backend has no model to judge texts; the PII scanner and checks still run."""

    def audit(self, texts: Sequence[str]) -> list[int | None]:
        return [None] * len(texts)


def local_backends(settings: Settings) -> Backends:
    return Backends(
        # always the bundled model, whatever CLIO_EMBEDDER says: the concern weights were trained over it
        facets=LocalFacetExtractor(user_text_embedder=make_embedder(threads=settings.embed_threads)),
        namer=LocalClusterNamer(min_unique_users=settings.min_unique_users),
        auditor=NoAuditor(),
    )
