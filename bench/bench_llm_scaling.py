"""How LLM facet throughput scales with client concurrency and shard count (issue #8).

A shard is what a facet render step of the multiprocess executor is: its own spawned process with
its own backends (client, limits, connection pool), extracting facets for its slice of the day
through ``render_shard``; all shards of a run share one response cache directory, as steps of one
run do. Concurrency is the per-process ``llm_max_concurrency``, so shards x concurrency requests
can be in flight. The protocol server (``--server-workers`` processes sharing the port) answers
every request after ``--latency`` seconds.

Figures per (provider, shards, concurrency): conversations/s from the first shard's start to the
last shard's end, client CPU ms per conversation summed over the shard processes (the load-robust
figure on a shared machine) and the server's CPU ms per conversation.

    python bench/bench_llm_scaling.py --n 2000 --latency 0.05
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_llm_throughput import client_settings, corpus, server_cpu_s, start_server  # noqa: E402


def shard_worker(
    provider: str, port: int, home: str, n: int, shards: int, index: int, concurrency: int, queue, barrier
) -> None:
    """Shard ``index``: warm up (imports, connections), wait for every shard, then time its slice."""
    try:
        _shard(provider, port, home, n, shards, index, concurrency, queue, barrier)
    except BaseException as exc:
        barrier.abort()  # release the other shards and the parent instead of leaving them waiting
        queue.put({"error": f"shard {index}: {type(exc).__name__}: {exc}"})
        raise


def _shard(
    provider: str, port: int, home: str, n: int, shards: int, index: int, concurrency: int, queue, barrier
) -> None:
    import polars as pl

    from clio_dagster.core.facets.local import VOCABULARY_SCHEMA
    from clio_dagster.core.facets.shards import as_two_pass, render_shard, shard_bounds
    from clio_dagster.core.interfaces import FacetSpec
    from clio_dagster.llm.backends import build_llm_backends, options_from_settings

    os.environ.setdefault("ANTHROPIC_API_KEY", "bench")
    os.environ.setdefault("OPENAI_API_KEY", "bench")
    warm = min(concurrency, 64)
    data = corpus(n + shards * warm)  # warm-up conversations lie past the day, never repeating a timed one
    offset, length = shard_bounds(n, -(-n // shards))[index]
    shard, warmup = data.slice(offset, length), data.slice(n + index * warm, warm)
    settings = client_settings(home, provider, port, concurrency)
    vocabulary = pl.DataFrame(schema=VOCABULARY_SCHEMA)
    with build_llm_backends(settings, settings.cache_dir, options_from_settings(settings)) as llm:
        llm.facets.extract(warmup, FacetSpec())
        barrier.wait()
        start, cpu = time.time(), time.process_time()
        result = render_shard(as_two_pass(llm.facets), shard, vocabulary, FacetSpec())
        end, cpu = time.time(), time.process_time() - cpu
    queue.put({"start": start, "end": end, "cpu": cpu, "n": length, "failures": result.failures.height})


def run(provider: str, port: int, server: psutil.Process, n: int, shards: int, concurrency: int) -> dict:
    ctx = mp.get_context("spawn")  # as the multiprocess executor: a fresh process per step, no fork
    queue, barrier = ctx.Queue(), ctx.Barrier(shards + 1)  # the shards and this process
    with tempfile.TemporaryDirectory() as home:
        procs = [
            ctx.Process(
                target=shard_worker, args=(provider, port, home, n, shards, i, concurrency, queue, barrier)
            )
            for i in range(shards)
        ]
        for proc in procs:
            proc.start()
        try:
            barrier.wait(
                timeout=600
            )  # every shard warmed up: the server's CPU from here on is the timed load
        except threading.BrokenBarrierError:
            raise RuntimeError(queue.get(timeout=60)["error"]) from None
        server_cpu = server_cpu_s(server)
        reports = [queue.get(timeout=900) for _ in procs]
        errors = [r["error"] for r in reports if "error" in r]
        if errors:
            raise RuntimeError("; ".join(errors))
        server_cpu = server_cpu_s(server) - server_cpu
        for proc in procs:
            proc.join()
    done = sum(r["n"] for r in reports)
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return {
        "provider": provider,
        "shards": shards,
        "concurrency": concurrency,
        "in_flight_max": shards * concurrency,
        "conversations": done,
        "seconds": round(wall, 2),
        "conversations_per_s": round(done / wall, 1),
        "client_cpu_ms_per_conversation": round(sum(r["cpu"] for r in reports) / done * 1000, 2),
        "server_cpu_ms_per_conversation": round(server_cpu / done * 1000, 2),
        "failures": sum(r["failures"] for r in reports),
        "load_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="conversations per configuration")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--providers", nargs="+", default=["anthropic"])
    parser.add_argument("--shards", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[8, 16, 32, 64, 128])
    parser.add_argument("--server-workers", type=int, default=1, help="protocol server processes")
    args = parser.parse_args()
    server, port = start_server(args.latency, args.server_workers)
    try:
        process = psutil.Process(server.pid)
        for provider in args.providers:
            for shards in args.shards:
                for concurrency in args.concurrency:
                    print(json.dumps(run(provider, port, process, args.n, shards, concurrency)), flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
