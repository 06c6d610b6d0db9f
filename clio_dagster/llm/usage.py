"""Accounting of LLM use: calls, cache hits, tokens, estimated cost, latency and failures."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np


@cache
def _price_map() -> dict[str, dict]:
    """litellm's bundled (offline) price map, read as a file so pricing never imports litellm."""
    spec = find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "model_prices_and_context_window_backup.json"
    return json.loads(path.read_text()) if path.exists() else {}


def price_per_token(model: str) -> tuple[float, float] | None:
    """(input, output) USD per token for a model name, with or without a provider prefix."""
    prices = _price_map()
    for name in (model, model.split("/", 1)[-1]):
        entry = prices.get(name)
        if entry and "input_cost_per_token" in entry:
            return float(entry["input_cost_per_token"]), float(entry.get("output_cost_per_token", 0.0))
    return None


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float | None:
    prices = price_per_token(model)
    return None if prices is None else prices[0] * input_tokens + prices[1] * output_tokens


@dataclass
class UsageStats:
    """Counters shared by every call of one backend set; ``metadata()`` gives materialisation metadata."""

    calls: Counter[str] = field(default_factory=Counter)  # HTTP requests sent, by role
    cache_hits: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    reasks: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_models: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_call(self, role: str, model: str, latency: float, tokens: tuple[int, int] | None) -> None:
        """One request that got an answer (tokens known) or an error (tokens None)."""
        with self._lock:
            self.calls[role] += 1
            self.latencies.append(latency)
            if tokens is None:
                return
            self.input_tokens += tokens[0]
            self.output_tokens += tokens[1]
            cost = estimate_cost(model, *tokens)
            if cost is None:
                self.unpriced_models.add(model)
            else:
                self.cost_usd += cost

    def record(self, what: str, role: str = "") -> None:
        """Count a cache hit (per role), a retry, a re-ask or a failure."""
        with self._lock:
            if what == "cache_hit":
                self.cache_hits[role] += 1
            else:
                setattr(self, what, getattr(self, what) + 1)

    def metadata(self) -> dict[str, float | int | str]:
        """Flat, JSON-friendly figures for Dagster materialisation metadata."""
        with self._lock:
            lat = np.asarray(self.latencies) if self.latencies else np.zeros(1)
            out: dict[str, float | int | str] = {
                "llm_calls": sum(self.calls.values()),
                "llm_cache_hits": sum(self.cache_hits.values()),
                "llm_retries": self.retries,
                "llm_reasks": self.reasks,
                "llm_failures": self.failures,
                "llm_input_tokens": self.input_tokens,
                "llm_output_tokens": self.output_tokens,
                "llm_cost_usd": round(self.cost_usd, 6),
                "llm_latency_p50_s": round(float(np.percentile(lat, 50)), 4),
                "llm_latency_p95_s": round(float(np.percentile(lat, 95)), 4),
            }
            for role, n in sorted(self.calls.items()):
                out[f"llm_calls_{role}"] = n
            if self.unpriced_models:
                out["llm_unpriced_models"] = ", ".join(sorted(self.unpriced_models))
            return out
