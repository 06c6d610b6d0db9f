"""The LLM resource: which backend runs the facet, naming, hierarchy and audit steps."""

from dagster import ConfigurableResource

from clio_dagster.config import Settings
from clio_dagster.core.interfaces import Backends


class LLMResource(ConfigurableResource):
    def backends(self, settings: Settings) -> Backends:
        from clio_dagster.core.local_backends import local_backends

        return local_backends(settings)
