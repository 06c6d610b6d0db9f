"""Facet-extraction throughput of the LLM client against the protocol server, for both SDKs.

The server runs in its own process (so it does not share the client's GIL) and answers every request
after a fixed latency; the figure is client overhead: SDK, validation, limits, cache writes, language id.
On a shared machine conversations/s follows the load; client CPU ms per conversation does not.

    python bench/bench_llm_throughput.py --n 2000 --latency 0.05 --concurrency 64
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clio_dagster.config import Settings  # noqa: E402
from clio_dagster.core.interfaces import FacetSpec  # noqa: E402
from clio_dagster.llm.backends import build_llm_backends, options_from_settings  # noqa: E402
from clio_dagster.schema import CONVERSATIONS_SCHEMA  # noqa: E402

MODELS = {"anthropic": "claude-haiku-4-5", "litellm": "openai/gpt-4o-mini"}
TOPICS = [
    "bake sourdough bread",
    "fix a Python import error",
    "plan a trip to Lisbon",
    "write a cover letter",
    "understand compound interest",
    "train for a marathon",
    "repair a bicycle chain",
    "learn Spanish verbs",
]


def corpus(n: int) -> pl.DataFrame:
    """``n`` distinct two-turn conversations (distinct so the cache never answers)."""
    rows = [
        {
            "conversation_id": f"b{i:06d}",
            "user_id": f"u{i % 500}",
            "created_at": datetime(2026, 11, 27, tzinfo=UTC),
            "messages": [
                {"role": "user", "content": f"Request {i}: how do I {TOPICS[i % len(TOPICS)]}? Give steps."},
                {"role": "assistant", "content": "Here is a step-by-step answer. " * 20},
            ],
            "moderation_flagged": None,
            "moderation_score": None,
            "moderation_categories": None,
            "metadata": None,
        }
        for i in range(n)
    ]
    return pl.DataFrame(rows, schema=CONVERSATIONS_SCHEMA)


def start_server(latency: float, workers: int = 1) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        str(ROOT / "tests" / "llm_protocol_server.py"),
        "--port",
        str(port),
        "--latency",
        str(latency),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("protocol server did not start")


def server_cpu_s(server: psutil.Process) -> float:
    """CPU seconds (user + system) of the server process and its worker processes."""
    return sum(sum(p.cpu_times()[:2]) for p in [server, *server.children(recursive=True)])


def client_settings(home: str, provider: str, port: int, concurrency: int) -> Settings:
    """Settings of one benchmark client of ``provider`` against the protocol server on ``port``."""
    base = f"http://127.0.0.1:{port}" + ("/v1" if provider == "litellm" else "")
    return Settings(
        home=Path(home),
        llm_backend=provider,
        llm_model=MODELS[provider],
        llm_api_base=base,
        llm_max_concurrency=concurrency,
    )


def run(
    provider: str, port: int, conversations: pl.DataFrame, concurrency: int, server: psutil.Process
) -> dict:
    with tempfile.TemporaryDirectory() as home:
        settings = client_settings(home, provider, port, concurrency)
        with build_llm_backends(settings, settings.cache_dir, options_from_settings(settings)) as llm:
            llm.facets.extract(conversations.head(concurrency), FacetSpec())  # warm-up: imports, connections
            warm = llm.metadata()
            server_cpu = server_cpu_s(server)
            start, cpu = time.perf_counter(), time.process_time()
            result = llm.facets.extract(conversations.tail(conversations.height - concurrency), FacetSpec())
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            server_cpu = server_cpu_s(server) - server_cpu
            meta = llm.metadata()
    n = conversations.height - concurrency
    calls = meta["llm_calls"] - warm["llm_calls"]
    input_tokens = meta["llm_input_tokens"] - warm["llm_input_tokens"]
    output_tokens = meta["llm_output_tokens"] - warm["llm_output_tokens"]
    cost = meta["llm_cost_usd"] - warm["llm_cost_usd"]
    return {
        "provider": provider,
        "model": MODELS[provider],
        "conversations": n,
        "seconds": round(elapsed, 2),
        "conversations_per_s": round(n / elapsed, 1),
        "client_cpu_ms_per_conversation": round(cpu / n * 1000, 2),
        "server_cpu_ms_per_conversation": round(server_cpu / n * 1000, 2),
        "load_1m": round(os.getloadavg()[0], 2),
        "failures": result.failures.height,
        "calls_per_conversation": round(calls / n, 3),
        "input_tokens_per_conversation": round(input_tokens / n, 1),
        "output_tokens_per_conversation": round(output_tokens / n, 1),
        "cost_per_100k_usd": round(cost / n * 100_000, 2),
        "latency_p50_s": meta["llm_latency_p50_s"],
    }


def bare_sdk(port: int, n: int, concurrency: int, aiohttp: bool) -> dict:
    """The same request load through the bare Anthropic SDK (no cache, validation or limits): the floor."""
    import asyncio

    import anthropic

    from clio_dagster.llm.facets import facet_answer_model

    schema = facet_answer_model(()).model_json_schema()
    tool = {"name": "facets", "description": "Record the facets.", "input_schema": schema}

    async def go() -> tuple[float, float]:
        http = {"http_client": anthropic.DefaultAioHttpClient()} if aiohttp else {}
        client = anthropic.AsyncAnthropic(
            api_key="bench", base_url=f"http://127.0.0.1:{port}", max_retries=0, **http
        )
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                await client.messages.create(
                    model=MODELS["anthropic"],
                    max_tokens=1024,
                    system="s" * 2000,
                    tools=[tool],
                    tool_choice={"type": "tool", "name": "facets"},
                    messages=[
                        {
                            "role": "user",
                            "content": f"<conversation>{i} {TOPICS[i % 8]}</conversation>" + "x" * 700,
                        }
                    ],
                )

        await asyncio.gather(*(one(i) for i in range(concurrency)))
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - start, time.process_time() - cpu

    elapsed, cpu = asyncio.run(go())
    return {
        "provider": "bare anthropic SDK" + (" (aiohttp)" if aiohttp else " (httpx)"),
        "conversations": n,
        "seconds": round(elapsed, 2),
        "conversations_per_s": round(n / elapsed, 1),
        "client_cpu_ms_per_conversation": round(cpu / n * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="conversations per provider")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency per request, seconds")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--providers", nargs="+", default=["anthropic", "litellm"])
    parser.add_argument("--baseline", action="store_true", help="also time the bare Anthropic SDK")
    parser.add_argument("--server-workers", type=int, default=1, help="protocol server processes")
    args = parser.parse_args()
    os.environ.setdefault("ANTHROPIC_API_KEY", "bench")
    os.environ.setdefault("OPENAI_API_KEY", "bench")
    conversations = corpus(args.n + args.concurrency)
    server, port = start_server(args.latency, args.server_workers)
    process = psutil.Process(server.pid)
    try:
        for provider in args.providers:
            print(json.dumps(run(provider, port, conversations, args.concurrency, process)), flush=True)
        if args.baseline:
            for aiohttp in (False, True):
                print(json.dumps(bare_sdk(port, args.n, args.concurrency, aiohttp)), flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
