"""Coordinated-activity detection at scale: time, peak memory, precision and recall.

Usage: python bench/bench_coordination.py N [--dim 512] [--seed 0]

Synthetic day of N conversations: organic users (random unit embeddings, random wording), heavy
users repeating one request, a popular question asked once by many users, and planted networks of
accounts sending slot-filled templates that carry the network's own payload (a product name and a
link), embeddings = template vector + small noise. Speed and memory are what this measures; the
quality figures that matter are on real text (``bench/bench_tns_real.py``).
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl
import psutil

from clio_dagster.core.safety.coordination import CoordinationParams, detect_coordination
from clio_dagster.core.safety.templates import TemplateParams

VOCAB_SIZE = 5000


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


def synthetic_day(n: int, dim: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, set[str]]:
    """(conversations, embeddings, planted accounts) with about 2% of traffic from networks."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(VOCAB_SIZE)])
    users, texts = np.empty(n, dtype=object), np.empty(n, dtype=object)
    embeddings = np.empty((n, dim), dtype=np.float32)
    planted: set[str] = set()
    row = 0

    # planted networks: 5-40 accounts each, 3-10 templated messages per account
    networks = max(1, n // 5000)
    for net in range(networks):
        # common words around a payload only this network uses: its product and its shop's link
        template = [*rng.choice(vocab, size=16), f"brand{net}", f"shop{net}deals"]
        slots = rng.choice(16, size=3, replace=False)
        centre = _unit(rng.standard_normal((1, dim)).astype(np.float32))[0]
        for account in range(int(rng.integers(5, 41))):
            user = f"net{net}-{account}"
            planted.add(user)
            for _ in range(int(rng.integers(3, 11))):
                words = list(template)
                for slot in slots:
                    words[slot] = f"fill{net}x{rng.integers(0, 50)}"
                users[row], texts[row] = user, " ".join(words)
                embeddings[row] = centre + 0.012 * rng.standard_normal(dim).astype(np.float32)
                row += 1
    # heavy users repeating themselves, and a popular question asked once by many
    popular = " ".join(rng.choice(vocab, size=12))
    popular_vec = _unit(rng.standard_normal((1, dim)).astype(np.float32))[0]
    for heavy in range(max(1, n // 10_000)):
        text = " ".join(rng.choice(vocab, size=12))
        vec = _unit(rng.standard_normal((1, dim)).astype(np.float32))[0]
        for _ in range(20):
            users[row], texts[row], embeddings[row] = f"heavy{heavy}", text, vec
            row += 1
    for asker in range(max(10, n // 1000)):
        users[row], texts[row], embeddings[row] = f"org{asker}", popular, popular_vec
        row += 1
    # organic traffic: users with ~3 conversations, random wording and directions
    organic = n - row
    users[row:] = [f"org{u}" for u in rng.integers(0, max(1, organic // 3), size=organic)]
    lengths = rng.integers(8, 21, size=organic)
    word_ids = rng.integers(0, VOCAB_SIZE, size=int(lengths.sum()))
    bounds = np.r_[0, np.cumsum(lengths)]
    texts[row:] = [" ".join(vocab[word_ids[bounds[i] : bounds[i + 1]]]) for i in range(organic)]
    for start in range(row, n, 100_000):
        stop = min(n, start + 100_000)
        embeddings[start:stop] = rng.standard_normal((stop - start, dim), dtype=np.float32)
    _unit(embeddings)
    day = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
    frame = pl.DataFrame(
        {
            "user_id": users.tolist(),
            "created_at": (day + rng.uniform(0, 86_400, size=n)) * 1e6,
            "text": texts.tolist(),
            "request": texts.tolist(),
        }
    ).with_columns(pl.col("created_at").cast(pl.Int64).cast(pl.Datetime("us", "UTC")))
    return frame, embeddings, planted


class RssSampler:
    """Peak resident memory of this process while running, sampled every 50 ms."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    frame, embeddings, planted = synthetic_day(args.n, args.dim, args.seed)
    generated = time.perf_counter()
    cpu_before = time.process_time()
    rss_before = psutil.Process().memory_info().rss
    with RssSampler() as sampler:
        params = CoordinationParams(templates=TemplateParams(threads=args.threads, seed=args.seed))
        result = detect_coordination(frame, embeddings, params, date="2026-11-20")
    out = result.groups
    detected = time.perf_counter()
    cpu = time.process_time() - cpu_before  # on a shared machine, CPU time is the steadier figure
    found = set(out["user_id"])
    hits = len(found & planted)
    print(f"conversations={args.n} dim={args.dim} threads={args.threads} planted_accounts={len(planted)}")
    print(f"generate_s={generated - started:.1f} detect_s={detected - generated:.1f} detect_cpu_s={cpu:.1f}")
    print(
        f"rss_mb_before_detect={rss_before / 2**20:.0f} (embeddings {embeddings.nbytes / 2**20:.0f}) "
        f"peak_rss_mb_during_detect={sampler.peak / 2**20:.0f} "
        f"detect_extra_mb={(sampler.peak - rss_before) / 2**20:.0f}"
    )
    print(
        f"groups={out['group_id'].n_unique()} flagged_accounts={len(found)} "
        f"precision={hits / max(1, len(found)):.3f} recall={hits / max(1, len(planted)):.3f}"
    )
    print(f"history_rows={result.history.height} history_mb={result.history.estimated_size() / 2**20:.0f}")


if __name__ == "__main__":
    main()
