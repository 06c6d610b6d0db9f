"""The whole pipeline on the LLM backends, against a local server speaking the providers' protocols."""

import json

import pytest
from dagster import DagsterInstance

from clio_dagster.config import Settings
from clio_dagster.runner import run_partition

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_corpus(tmp_path_factory):
    from clio_dagster.sample import generate_sample

    return generate_sample(tmp_path_factory.mktemp("llm-sample"), days=1, conversations=600, seed=3)


@pytest.fixture
def server():
    import llm_support

    with llm_support.ProtocolServer() as running:
        yield running


@pytest.mark.parametrize("provider", ["anthropic", "litellm"])
def test_partition_on_llm_backend(provider, server, llm_corpus, clio_home, monkeypatch):
    import llm_support

    monkeypatch.setenv("CLIO_INPUT", str(llm_corpus.conversations))
    monkeypatch.setenv("CLIO_LLM_BACKEND", provider)
    monkeypatch.setenv("CLIO_LLM_MODEL", llm_support.MODELS[provider])
    monkeypatch.setenv("CLIO_LLM_API_BASE", server.url if provider == "anthropic" else server.openai_base)
    monkeypatch.setenv("CLIO_MIN_UNIQUE_USERS", "10")
    monkeypatch.setenv("CLIO_MIN_CONVERSATIONS", "10")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    date = llm_corpus.dates[0]

    outcome = run_partition(date, DagsterInstance.ephemeral())
    assert outcome.success, outcome.reason
    settings = Settings()
    public = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
    assert public["backend"] == "llm" and public["model"] == llm_support.MODELS[provider]
    assert len({n["depth"] for n in public["nodes"]}) >= 2
    assert all(n["unique_users"] >= 10 and n["conversation_count"] >= 10 for n in public["nodes"])
    assert all(isinstance(n["audit_score"], int) and n["audit_score"] >= 4 for n in public["nodes"])
    paths = {r.path for r in server.requests}
    assert paths == ({"/v1/messages"} if provider == "anthropic" else {"/v1/chat/completions"})
    calls = server.request_count
    assert calls >= 600  # one facet call per conversation, plus naming, hierarchy and audit

    # an unchanged partition re-materialised makes zero API calls: everything comes from the cache
    assert run_partition(date, DagsterInstance.ephemeral()).success
    assert server.request_count == calls
    public_text = (settings.public_partition(date) / "hierarchy.json").read_text()
    truth = [json.loads(line) for line in llm_corpus.truth.read_text().splitlines()]
    planted = {s for t in truth for s in t["planted"] if len(s) >= 6}
    assert not [s for s in planted if s in public_text]
