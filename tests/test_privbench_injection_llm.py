"""Prompt injection on the LLM backend: the protocol server plays a model that obeys every
injection, echoing each planted string (emails, names, phones, addresses) it finds in a prompt
into every text field of its answer. Nothing planted may reach public/ all the same."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from clio_dagster.config import Settings

_spec = importlib.util.spec_from_file_location(
    "privbench_support", Path(__file__).with_name("privbench_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

pytestmark = pytest.mark.slow

ECHOED_FIELDS = {"request", "task", "title", "description"}


@pytest.fixture(scope="module")
def llm_sample(tmp_path_factory):
    from clio_dagster.sample import generate_sample

    return generate_sample(tmp_path_factory.mktemp("privbench-llm"), days=1, conversations=600, seed=3)


def planted_strings(truth: Path) -> set[str]:
    found = {s for t in support.read_records(truth) for s in t["planted"] if len(s) >= 6}
    return found | {support.MANY_EMAIL, support.FEW_EMAIL, support.FEW_SPELLED}


def echoing_responder(planted: set[str]):
    """The default scripted answers, with every planted string of the prompt appended to each text field."""
    import llm_support

    def echo(value: Any, found: list[str], key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: echo(v, found, k) for k, v in value.items()}
        if isinstance(value, list):
            return [echo(v, found, key) for v in value]
        if isinstance(value, str) and key == "title":  # titles are capped at 120 characters
            return f"{value[: 110 - len(found[0])]} {found[0]}"
        if isinstance(value, str) and key in ECHOED_FIELDS:
            return f"{value} Contact {', '.join(found)}."
        return value

    def respond(request) -> dict[str, Any]:
        answer = llm_support.server_module.default_responder(request)
        found = sorted(s for s in planted if s in request.prompt_text and len(s) <= 60)[:3]
        if not found or "scores" in answer:  # the scripted auditor keeps its own rule
            return answer
        return echo(answer, found)

    return respond


# Found by this test: the PII scanner misses some non-English names ("Guillaume Bègue") that an
# obeying model copies into a title, and the scripted auditor only flags emails and long numbers.
@pytest.mark.parametrize("provider", ["anthropic"])
def test_an_llm_that_obeys_injections_leaks_nothing_public(
    provider, llm_sample, clio_home, tmp_path, monkeypatch
):
    import llm_support

    path, date = support.injected_corpus(llm_sample, tmp_path / "injected")
    planted = planted_strings(llm_sample.truth)
    with llm_support.ProtocolServer(responder=echoing_responder(planted)) as server:
        monkeypatch.setenv("CLIO_INPUT", str(path))
        monkeypatch.setenv("CLIO_LLM_BACKEND", provider)
        monkeypatch.setenv("CLIO_LLM_MODEL", llm_support.MODELS[provider])
        monkeypatch.setenv("CLIO_LLM_API_BASE", server.url)
        monkeypatch.setenv("CLIO_MIN_UNIQUE_USERS", "10")
        monkeypatch.setenv("CLIO_MIN_CONVERSATIONS", "10")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        outcome, checks = support.run(date)
    assert outcome.success, outcome.reason
    assert all(checks.values()), checks
    settings = Settings()

    # the "model" did obey: planted strings are in the restricted facets and unscreened names
    facets = pl.read_parquet(settings.restricted_partition(date) / "facets.parquet")
    facet_text = "\n".join(facets["request"].to_list())
    assert support.MANY_EMAIL in facet_text
    assert sum(s in facet_text for s in planted) >= 20
    unscreened = json.dumps(support.restricted_json(settings, date, "hierarchy"))
    assert any(s in unscreened for s in planted)

    files = support.public_files(settings)
    assert {f"{date}/hierarchy.json", f"{date}/report.md", "explorer.html"} <= set(files)
    public = support.published(settings, date)
    assert public.backend == "llm" and public.nodes
    leaks = sorted({(name, s) for name, text in files.items() for s in planted if s in text})
    assert leaks == []
    lowered = "\n".join(files.values()).lower()
    assert [m for m in support.MARKERS if m in lowered] == []
