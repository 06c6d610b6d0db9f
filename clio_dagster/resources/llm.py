"""The LLM resource: which backend and models each role uses, and the client limits, from the environment."""

from __future__ import annotations

from dagster import ConfigurableResource

from clio_dagster.config import Settings
from clio_dagster.core.interfaces import Backends


class LLMResource(ConfigurableResource):
    """Builds the facet, naming, hierarchy and audit backends.

    Every field left unset falls back to :class:`~clio_dagster.config.Settings`, i.e. to the CLIO_LLM_*
    environment variables of DESIGN §3, so ``LLMResource()`` in ``definitions.py`` is configured by the
    environment and a field set in code or in the launchpad overrides it.
    """

    backend: str | None = None  # local | anthropic | litellm (validated by Settings)
    model: str | None = None
    model_facets: str | None = None
    model_naming: str | None = None
    model_hierarchy: str | None = None
    model_audit: str | None = None
    api_base: str | None = None
    temperature_facets: float | None = None
    temperature_naming: float | None = None
    temperature_hierarchy: float | None = None
    temperature_audit: float | None = None
    max_concurrency: int | None = None
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    timeout_s: float | None = None
    max_failure_rate: float | None = None  # the facet failure-rate bound of the blocking check (0.02)

    def settings(self, base: Settings | None = None) -> Settings:
        """``base`` (default: Settings from the environment) with this resource's explicit fields on top."""
        values = base.model_dump() if base is not None else {}
        values.update({f"llm_{name}": getattr(self, name) for name in self._explicit()})
        return Settings(**values)

    def _explicit(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    def failure_rate_bound(self) -> float:
        """The largest facet failure rate a partition may have before its check fails."""
        return self.settings().llm_max_failure_rate

    def backends(self, settings: Settings | None = None) -> Backends:
        """The backends for the configured backend; close them (or use ``with``) when the step ends.

        Pass the run's ``settings`` (its CLIO_HOME holds the response cache); this resource's fields win.
        """
        resolved = self.settings(settings)
        if resolved.llm_backend == "local":
            from clio_dagster.core.local_backends import local_backends

            return local_backends(resolved)
        from clio_dagster.llm.backends import build_llm_backends

        return build_llm_backends(resolved, resolved.cache_dir)
