"""Throughput of the default embedder (sentences/s) on synthetic short chat requests.

python bench/bench_embed.py --n 2000 --threads 2 --batch-sizes 1,32,256

CPU seconds are printed beside the wall time: on a shared machine, sentences per CPU-second is the
figure to compare (at batch size 1 with 2 threads the runs go side by side on one session).
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from clio_dagster.core.clustering.embed import UseMultilingualEmbedder

SUBJECTS = [
    "bake sourdough bread",
    "fix a python KeyError",
    "write a cover letter",
    "plan a trip to Japan",
    "explain quantum entanglement",
    "translate an email to German",
    "debug a React component",
    "learn basic Spanish phrases",
    "train for a marathon",
    "file my taxes as a freelancer",
    "cómo hacer una tortilla de patatas",
    "écrire un poème sur la mer",
    "wie man einen Garten anlegt",
]
FRAMES = [
    "how do I {}?",
    "can you help me {} today",
    "I need to {} by Friday, where do I start",
    "give me a step-by-step guide to {}",
    "what is the fastest way to {} for a beginner",
]


def requests(n: int, seed: int) -> list[str]:
    """``n`` distinct request-like sentences (a numbered detail keeps them distinct)."""
    rng = random.Random(seed)
    return [f"{rng.choice(FRAMES).format(rng.choice(SUBJECTS))} (case {i})" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="number of distinct sentences")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-sizes", default="1,32,256")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    texts = requests(args.n, args.seed)
    mean_chars = np.mean([len(t) for t in texts])
    print(f"{args.n} distinct sentences, mean {mean_chars:.0f} chars, threads={args.threads}")
    print("machine: 2 cores, shared with other jobs while measured")
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        embedder = UseMultilingualEmbedder(threads=args.threads, batch_size=batch_size)
        embedder.embed(texts[:8])  # load the session outside the timing
        start, cpu_start = time.perf_counter(), time.process_time()
        vectors = embedder.embed(texts)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        assert vectors.shape == (args.n, embedder.dim)
        print(
            f"batch_size={batch_size:>5}: {args.n / seconds:8.0f} sentences/s ({seconds:.2f} s), "
            f"{args.n / cpu:6.0f} per CPU-second ({cpu:.2f} CPU s)"
        )


if __name__ == "__main__":
    main()
