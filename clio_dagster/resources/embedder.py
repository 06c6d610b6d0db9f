"""The embedding resource: the bundled offline model by default (DESIGN §3 ``CLIO_EMBEDDER``)."""

from dagster import ConfigurableResource

from clio_dagster.config import Settings
from clio_dagster.core.interfaces import Embedder


class EmbedderResource(ConfigurableResource):
    def embedder(self, settings: Settings) -> Embedder:
        from clio_dagster.core.clustering.embed import make_embedder

        return make_embedder(settings.embedder, threads=settings.embed_threads)
