"""The persistent response cache: zero calls on a re-run, exact invalidation on prompt or model change."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from clio_dagster.config import CustomFacet
from clio_dagster.core.interfaces import ClusterGroups, FacetSpec
from clio_dagster.llm.cache import ResponseCache, cache_key

_spec = importlib.util.spec_from_file_location(
    "clio_tests_llm_support", Path(__file__).with_name("llm_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

TEXTS = [
    "How do I bake bread?",
    "How do I fix a flat tyre?",
    "How do I learn Spanish?",
    "Best way to boil eggs?",
]
GROUPS = ClusterGroups(
    texts=TEXTS, labels=np.array([0, 1, 1, 0]), centroids=np.array([[1.0, 0.0], [0.0, 1.0]]), seed=0
)


@pytest.fixture(autouse=True)
def _keys(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")


def _run(server, provider, home, facet_prompt_version=None, spec=None, **fields):
    """Facets and cluster names for the sample; returns new requests by role and the metadata."""
    before = server.request_count
    with support.backends_for(server, provider, home, **fields) as llm:
        if facet_prompt_version is not None:
            llm.facets.prompt = dataclasses.replace(llm.facets.prompt, version=facet_prompt_version)
        llm.facets.extract(support.conversations(TEXTS), spec or FacetSpec())
        llm.namer.name_clusters(GROUPS)
        meta = llm.metadata()
    assert server.request_count - before == meta["llm_calls"]
    return meta.get("llm_calls_facets", 0), meta.get("llm_calls_naming", 0), meta


@pytest.mark.parametrize("provider", ["anthropic", "litellm"])
def test_rerun_makes_zero_calls_and_changes_invalidate_exactly_what_they_affect(provider, tmp_path):
    with support.ProtocolServer() as server:
        assert _run(server, provider, tmp_path)[:2] == (4, 2)
        facets, naming, meta = _run(server, provider, tmp_path)
        assert (facets, naming) == (0, 0) and meta["llm_cache_hits"] == 6
        assert _run(server, provider, tmp_path, facet_prompt_version=99)[:2] == (4, 0)
        assert _run(server, provider, tmp_path, llm_model_naming=support.MODELS[provider] + "-v2")[:2] == (
            0,
            2,
        )
        custom = FacetSpec(custom=(CustomFacet(name="mood", question="Mood?", type="text"),))
        assert _run(server, provider, tmp_path, spec=custom)[:2] == (4, 0)  # the schema changed
        assert _run(server, provider, tmp_path, llm_temperature_facets=0.9)[:2] == (4, 0)


def test_cache_survives_reopening_and_keys_are_content_hashes(tmp_path):
    key = cache_key(model="m", messages=["hi"], schema={"a": 1}, prompt="facets@1")
    assert key == cache_key(prompt="facets@1", schema={"a": 1}, messages=["hi"], model="m")
    assert key != cache_key(model="m", messages=["hi"], schema={"a": 1}, prompt="facets@2")
    cache = ResponseCache(tmp_path)
    cache.put(key, {"request": "x"}, prompt="facets@1", model="m", tokens=(3, 4))
    cache.close()
    reopened = ResponseCache(tmp_path)
    assert reopened.get(key) == {"request": "x"} and reopened.get("missing") is None and len(reopened) == 1
