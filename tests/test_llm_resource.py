"""LLMResource: configuration from the environment, overrides, and the backend it builds."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
from dagster import asset, materialize

from clio_dagster.config import Settings
from clio_dagster.core.interfaces import Backends, FacetSpec
from clio_dagster.llm.facets import LLMFacetExtractor
from clio_dagster.resources.llm import LLMResource

_spec = importlib.util.spec_from_file_location(
    "clio_tests_llm_support", Path(__file__).with_name("llm_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)


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
        assert isinstance(backends, Backends) and isinstance(backends.facets, LLMFacetExtractor)
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


def test_an_asset_materialises_facets_through_the_resource(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("CLIO_HOME", str(tmp_path))

    @asset
    def facets(context, llm: LLMResource):
        with llm.backends(Settings()) as backends:
            result = backends.facets.extract(support.conversations(["How do I bake bread?"] * 2), FacetSpec())
            context.add_output_metadata({**result.stats, **backends.metadata()})
        return result.facets.height

    with support.ProtocolServer() as server:
        resource = LLMResource(backend="anthropic", model="claude-haiku-4-5", api_base=server.url)
        run = materialize([facets], resources={"llm": resource})
    assert run.success and run.output_for_node("facets") == 2
    meta = run.get_asset_materialization_events()[0].materialization.metadata
    assert meta["llm_calls"].value == 1 and meta["llm_cache_hits"].value == 1  # same conversation twice
    assert (tmp_path / "cache" / "llm_responses.sqlite").exists()
