"""LLMResource: configuration from the environment, overrides, and the backend it builds."""

from __future__ import annotations

import sys
import types

import pytest

from clio_dagster.config import Settings
from clio_dagster.llm.backends import LLMBackends
from clio_dagster.llm.facets import LLMFacetExtractor
from clio_dagster.resources.llm import LLMResource


def test_fields_come_from_the_environment_and_explicit_fields_win(monkeypatch, tmp_path):
    monkeypatch.setenv("CLIO_LLM_BACKEND", "anthropic")
    monkeypatch.setenv("CLIO_LLM_MODEL", "claude-haiku-4-5")
    monkeypatch.setenv("CLIO_LLM_MODEL_NAMING", "claude-sonnet-4-5")
    monkeypatch.setenv("CLIO_LLM_TIMEOUT_S", "12")
    settings = LLMResource(max_concurrency=3, temperature_audit=0.4).settings()
    assert settings.llm_backend == "anthropic" and settings.llm_timeout_s == 12
    assert (
        settings.model_for("facets") == "claude-haiku-4-5"
        and settings.model_for("naming") == "claude-sonnet-4-5"
    )
    assert settings.llm_max_concurrency == 3 and settings.temperature_for("audit") == 0.4
    assert LLMResource().failure_rate_bound() == 0.02


def test_builds_llm_backends_with_the_run_settings_home(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    resource = LLMResource(backend="anthropic", model="claude-haiku-4-5")
    with resource.backends(Settings(home=tmp_path)) as backends:
        assert isinstance(backends, LLMBackends) and isinstance(backends.facets, LLMFacetExtractor)
        assert backends.backend == "llm" and backends.model == "claude-haiku-4-5"
    assert (tmp_path / "cache" / "llm_responses.sqlite").exists()


def test_local_backend_is_delegated_to_core(monkeypatch):
    seen = []
    fake = types.ModuleType("clio_dagster.core.local_backends")
    fake.local_backends = lambda settings: seen.append(settings.llm_backend) or "local-set"
    monkeypatch.setitem(sys.modules, "clio_dagster.core.local_backends", fake)
    assert LLMResource(backend="local").backends() == "local-set" and seen == ["local"]


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="CLIO_LLM_MODEL"):
        LLMResource(backend="litellm", model=None).backends(Settings(home=tmp_path, llm_model=None))
