"""Shared helpers for the LLM tests: the protocol server, sample conversations, backends against it.

Imported by path (see ``load``), because site-packages carries an unrelated top-level ``tests`` package.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from clio_dagster.config import Settings
from clio_dagster.core.interfaces import Backends
from clio_dagster.llm.backends import build_llm_backends, options_from_settings
from clio_dagster.schema import CONVERSATIONS_SCHEMA

HERE = Path(__file__).parent
MODELS = {"anthropic": "claude-haiku-4-5", "litellm": "openai/gpt-4o-mini"}


def load(name: str) -> ModuleType:
    """Import ``tests/<name>.py`` once, under a name that cannot collide with site-packages."""
    key = f"clio_tests_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HERE / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


server_module = load("llm_protocol_server")
ProtocolServer = server_module.ProtocolServer
Fault = server_module.Fault


def conversations(texts: list[str], *, turns: int = 1) -> pl.DataFrame:
    """One conversation per text (the first user message), with ``turns`` user/assistant exchanges."""
    rows = []
    for i, text in enumerate(texts):
        messages = []
        for t in range(turns):
            messages.append({"role": "user", "content": text if t == 0 else f"And step {t}?"})
            messages.append({"role": "assistant", "content": f"Here is an answer, part {t}."})
        rows.append(
            {
                "conversation_id": f"c{i:04d}",
                "user_id": f"u{i % 7}",
                "created_at": datetime(2026, 11, 27, tzinfo=UTC),
                "messages": messages,
                "moderation_flagged": None,
                "moderation_score": None,
                "moderation_categories": None,
                "metadata": None,
            }
        )
    return pl.DataFrame(rows, schema=CONVERSATIONS_SCHEMA)


def api_base(server: Any, provider: str) -> str:
    """Where ``provider``'s SDK reaches the protocol server."""
    return server.url if provider == "anthropic" else server.openai_base


def server_env(server: Any, provider: str) -> dict[str, str]:
    """The environment that points a whole pipeline run at the protocol server through ``provider``."""
    return {
        "CLIO_LLM_BACKEND": provider,
        "CLIO_LLM_MODEL": MODELS[provider],
        "CLIO_LLM_API_BASE": api_base(server, provider),
        "ANTHROPIC_API_KEY": "test-key",
        "OPENAI_API_KEY": "test-key",
    }


def settings_for(server: Any, provider: str, home: Path, **fields: Any) -> Settings:
    base = api_base(server, provider)
    values = {"llm_backend": provider, "llm_model": MODELS[provider], "llm_api_base": base, "home": home}
    return Settings(**{**values, **fields})


def backends_for(
    server: Any, provider: str, home: Path, options: dict | None = None, **fields: Any
) -> Backends:
    """Backends against the protocol server, with fast backoff so fault tests stay quick."""
    settings = settings_for(server, provider, home, **fields)
    opts = options_from_settings(
        settings, **{"backoff_initial_s": 0.02, "backoff_max_s": 2.0, **(options or {})}
    )
    return build_llm_backends(settings, settings.cache_dir, opts)


COPIED_FIELDS = {"request", "task", "title", "description"}


def copying_responder(planted: set[str]):
    """The scripted answers of a weak or injected model that copies private details: each facet,
    title and description carries the ``planted`` strings it saw in its prompt. Its auditor keeps
    the scripted rule (it flags only emails and long digit runs)."""

    def copy(value: Any, found: list[str], key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: copy(v, found, k) for k, v in value.items()}
        if isinstance(value, list):
            return [copy(v, found, key) for v in value]
        # cut to the schema's 120 and 600 characters, so a long planted string (an address on
        # real data) still gives a valid answer, which the screen must judge, not a re-ask
        if isinstance(value, str) and key == "title":
            return f"{value[: max(10, 100 - len(found[0]))]} for {found[0]}"[:120]
        if isinstance(value, str) and key in COPIED_FIELDS:
            return f"{value} Written for {found[0]}; contact {', '.join(found[1:]) or found[0]}."[:590]
        return value

    def respond(request) -> dict[str, Any]:
        answer = server_module.default_responder(request)
        found = sorted(s for s in planted if s in request.prompt_text)[:3]
        if not found or "scores" in answer:
            return answer
        return copy(answer, found)

    return respond
