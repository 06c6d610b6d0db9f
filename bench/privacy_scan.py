"""Throughput of the PII scanner and the verbatim-leak detector.

    python bench/privacy_scan.py --texts 500 --raw 20000

Public-like strings: cluster titles and descriptions, a fifth of them with planted Faker PII.
Raw side: synthetic conversations of ~300 words. Prints load time, texts/s and words/s.
"""

from __future__ import annotations

import argparse
import random
import time

from faker import Faker

from clio_dagster.core.privacy.pii import scan_texts
from clio_dagster.core.privacy.verbatim import find_verbatim_runs

TITLES = [
    "Python debugging help",
    "Cover letters for job applications",
    "Travel itineraries for European cities",
    "Questions about Excel formulas and pivot tables",
]
DESCRIPTION = (
    "Users ask the assistant for help with {topic}, often sharing a draft and asking for a shorter, "
    "clearer version. Requests range from quick fixes to step-by-step explanations."
)


def public_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    fake = Faker(["en_US", "de_DE", "fr_FR"])
    fake.seed_instance(seed)
    texts = []
    for i in range(n):
        text = DESCRIPTION.format(topic=f"{rng.choice(TITLES).lower()} ({i})")
        if i % 5 == 0:
            text += f" One mentions {fake.name()} at {fake.email()}."
        texts.append(text)
    return texts


def raw_texts(n: int, seed: int):
    rng = random.Random(seed)
    words = Faker("en_US").words(nb=2000)  # lorem vocabulary; repeats are fine
    for _ in range(n):
        yield " ".join(rng.choices(words, k=300))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--raw", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    scan_texts(["warm-up: load the spaCy model once"])
    load = time.perf_counter() - start
    texts = public_texts(args.texts, args.seed)
    start = time.perf_counter()
    findings = scan_texts(texts)
    elapsed = time.perf_counter() - start
    flagged = sum(bool(f) for f in findings)
    print(
        f"pii: load {load:.1f}s; {len(texts)} texts in {elapsed:.2f}s = {len(texts) / elapsed:.0f} texts/s "
        f"(avg {sum(len(t) for t in texts) / len(texts):.0f} chars); flagged {flagged}"
    )

    start = time.perf_counter()
    leaks = find_verbatim_runs(texts, raw_texts(args.raw, args.seed))
    elapsed = time.perf_counter() - start
    print(
        f"verbatim: {args.raw} raw texts x 300 words in {elapsed:.2f}s = {args.raw / elapsed:,.0f} texts/s "
        f"({args.raw * 300 / elapsed / 1e6:.1f}M words/s); leaks {len(leaks)}"
    )


if __name__ == "__main__":
    main()
