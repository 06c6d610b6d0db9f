"""Time the local facet backend on a synthetic partition: ``python bench/bench_facets.py 100000``."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import psutil

from clio_dagster.config import CustomFacet
from clio_dagster.core.facets.extract import extract_facets
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.interfaces import FacetSpec


def _support():
    path = Path(__file__).resolve().parents[1] / "tests" / "facets_support.py"
    spec = importlib.util.spec_from_file_location("facets_support", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(n: int) -> None:
    corpus = _support().synthetic_corpus(n, seed=0)
    spec = FacetSpec(
        min_unique_users=25,
        custom=(CustomFacet(name="cooking", question="Is it about a recipe?", type="bool"),),
    )
    extractor = LocalFacetExtractor()
    extract_facets(corpus.head(50), extractor=extractor, spec=spec)  # load models once, untimed
    started = time.perf_counter()
    result = extract_facets(corpus, extractor=extractor, spec=spec)
    seconds = time.perf_counter() - started
    rss = psutil.Process().memory_info().rss / 2**20
    print(
        f"{n} conversations: {seconds:.2f} s ({n / seconds:,.0f}/s), RSS {rss:,.0f} MiB, stats {result.stats}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
