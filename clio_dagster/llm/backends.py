"""The set of backends for every LLM role, and the factory that builds it from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clio_dagster.config import LLMRole, Settings
from clio_dagster.core.interfaces import Backends

ROLES: tuple[LLMRole, ...] = ("facets", "naming", "hierarchy", "audit")


def options_from_settings(settings: Settings, **overrides: Any) -> Any:
    """The :class:`~clio_dagster.llm.client.LLMOptions` that ``settings`` describe (plus overrides)."""
    from clio_dagster.llm.client import LLMOptions

    values: dict[str, Any] = {
        "max_concurrency": settings.llm_max_concurrency,
        "requests_per_minute": settings.llm_requests_per_minute,
        "tokens_per_minute": settings.llm_tokens_per_minute,
        "timeout_s": settings.llm_timeout_s,
        "max_retries": settings.llm_max_retries,
        "structured_mode": settings.llm_structured_mode,
        "temperatures": {role: settings.temperature_for(role) for role in ROLES},
        "seed": settings.seed,
    }
    return LLMOptions(**{**values, **overrides})


def build_llm_backends(settings: Settings, cache_dir: Path, options: Any = None) -> Backends:
    """Backends for ``settings.llm_backend`` ("anthropic" or "litellm"), one model per role.

    ``options`` (an :class:`~clio_dagster.llm.client.LLMOptions`) defaults to ``options_from_settings``.
    API keys come from the SDKs' own variables (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...).
    """
    from clio_dagster.llm.cache import ResponseCache
    from clio_dagster.llm.client import StructuredLLM
    from clio_dagster.llm.facets import LLMFacetExtractor
    from clio_dagster.llm.naming import LLMAuditor, LLMClusterNamer, LLMHierarchyNamer, _FailureLog

    if settings.llm_backend not in ("anthropic", "litellm"):
        raise ValueError(
            f"build_llm_backends needs CLIO_LLM_BACKEND anthropic or litellm, not {settings.llm_backend!r}"
        )
    models = {role: settings.model_for(role) for role in ROLES}
    missing = [role for role, model in models.items() if not model]
    if missing:
        raise ValueError(f"no model for {', '.join(missing)}: set CLIO_LLM_MODEL or CLIO_LLM_MODEL_<ROLE>")
    options = options or options_from_settings(settings)
    llm = StructuredLLM(
        settings.llm_backend, options=options, cache=ResponseCache(cache_dir), api_base=settings.llm_api_base
    )
    log = _FailureLog()
    return Backends(
        facets=LLMFacetExtractor(llm, models["facets"]),
        namer=LLMClusterNamer(llm, models["naming"], examples=settings.llm_examples_per_cluster, log=log),
        hierarchy=LLMHierarchyNamer(llm, models["hierarchy"], log=log),
        auditor=LLMAuditor(llm, models["audit"], batch_size=settings.llm_audit_batch_size, log=log),
        backend="llm",
        model=models["naming"],
        usage=llm.usage,
        closers=[llm.close, llm.cache.close],
    )
