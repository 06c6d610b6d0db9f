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


def settings_for(server: Any, provider: str, home: Path, **fields: Any) -> Settings:
    base = server.url if provider == "anthropic" else server.openai_base
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
