"""BERTopic vs our base clusters on the same request embeddings: time, NMI, ARI, reconstruction.

    python bench/bench_bertopic.py sample 20000          # generator sample, one day of N
    python bench/bench_bertopic.py handmade 3000         # bench/handmade_set.py, N conversations
    python bench/bench_bertopic.py handmade2 3000        # bench/handmade_set2.py, N conversations

Both methods get the very same USE embeddings of the same local ``request`` facets; only the
clustering differs (ours: the pipeline's k rule, neighbour smoothing and merged FAISS k-means
with neighbour links; for reference the same without links, and plain k-means; BERTopic 0.17:
UMAP 5-d + HDBSCAN with its documented defaults, seeded, on CPU). BERTopic's outliers (-1) are
scored twice: as one cluster, and after ``reduce_outliers(strategy="embeddings")``. Nothing is
downloaded: no embedding model is given to BERTopic, and the Hugging Face hub is set offline.
Each method's time is given as wall seconds and CPU seconds of the process (all threads): on a
shared machine the CPU ratio is the robust one. The load average is printed at start and end.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # BERTopic imports litellm

import numpy as np
import polars as pl

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import quality_support as qs  # noqa: E402

from clio_dagster.config import Settings  # noqa: E402

DATE = "2026-11-01"


def bertopic_labels(
    docs: list[str], embeddings: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """BERTopic topics with outliers kept (-1), with outliers reassigned, and the wall and CPU
    seconds the fit took."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    clock = qs.Clock()
    model = BERTopic(
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed),
        hdbscan_model=HDBSCAN(min_cluster_size=10, metric="euclidean", prediction_data=True),
        calculate_probabilities=False,
    )
    # an empty request is a legitimate facet value; BERTopic's vectorizer just needs a token
    safe_docs = [d or "_" for d in docs]
    topics, _ = model.fit_transform(safe_docs, embeddings=embeddings)
    raw = np.asarray(topics, dtype=np.int64)
    wall, cpu = clock.elapsed()
    reduced = np.asarray(
        model.reduce_outliers(safe_docs, raw.tolist(), strategy="embeddings", embeddings=embeddings),
        dtype=np.int64,
    )
    return raw, reduced, wall, cpu


def load(kind: str, n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(conversations in CONVERSATIONS_SCHEMA, labels: conversation_id, topic, language) of one day."""
    from clio_dagster.ingest import ingest_partition

    out = Path(tempfile.mkdtemp(prefix=f"clio-bertopic-{kind}-"))
    if kind == "sample":
        from clio_dagster.sample import generate_sample

        files = generate_sample(out, days=1, conversations=n, seed=seed, start=date.fromisoformat(DATE))
        truth = pl.read_ndjson(files.truth).select("conversation_id", "topic", "language")
        source = files.conversations
    elif kind == "handmade":
        from handmade_set import write_handmade

        source, truth = write_handmade(out, n, seed=seed, day=DATE)
    else:
        from handmade_set2 import write_handmade

        source, truth = write_handmade(out, n, seed=seed, day=DATE)
    return ingest_partition(str(source), DATE).kept, truth


def progress(message: str) -> None:
    """A timestamped progress line on stderr (long runs are watched through their log)."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


def main(kind: str, n: int) -> None:
    settings = Settings()
    progress(f"{kind} {n}: generating and ingesting")
    conversations, truth = load(kind, n, settings.seed)
    progress("facets and embeddings")
    prepared = qs.prepare(conversations, settings)
    progress("ours")
    ours, ours_wall, ours_cpu = qs.our_clusters(prepared, settings)
    progress("ours without neighbour links")
    unlinked, unlinked_wall, unlinked_cpu = qs.our_clusters(
        prepared, settings.model_copy(update={"cluster_link_neighbours": 0})
    )
    progress("ours, k-means alone")
    plain, plain_wall, plain_cpu = qs.our_clusters(prepared, settings, plain=True)
    # UMAP and HDBSCAN compile with numba on first use: warm up untimed, as a long-lived service would
    progress("BERTopic warm-up")
    warm = min(2000, len(prepared.embeddings))
    bertopic_labels(
        prepared.facets["request"].head(warm).to_list(), prepared.embeddings[:warm], settings.seed
    )
    progress("BERTopic")
    raw, reduced, bt_wall, bt_cpu = bertopic_labels(
        prepared.facets["request"].to_list(), prepared.embeddings, settings.seed
    )
    # reconstruction always rises with the number of clusters: also run ours at BERTopic's count
    progress("ours at BERTopic's cluster count")
    same_k, same_k_wall, same_k_cpu = qs.our_clusters(prepared, settings, k=len(np.unique(reduced)))
    rows = []
    for method, labels, wall, cpu in (
        ("ours (pipeline default: smoothing + merged k-means + links)", ours, ours_wall, ours_cpu),
        ("ours without links (the default before)", unlinked, unlinked_wall, unlinked_cpu),
        ("ours, k-means alone", plain, plain_wall, plain_cpu),
        ("ours, k = BERTopic's cluster count", same_k, same_k_wall, same_k_cpu),
        ("BERTopic (outliers = one cluster)", raw, bt_wall, bt_cpu),
        ("BERTopic + reduce_outliers", reduced, bt_wall, bt_cpu),
    ):
        scores = qs.score(prepared.facets, labels, truth)["overall"]
        hidden = qs.suppressed_share(prepared.facets, labels, settings)
        rows.append((method, len(np.unique(labels)), wall, cpu, scores, hidden))
    progress("done")
    print(
        f"{kind}: {conversations.height} conversations, {truth['topic'].n_unique()} topics, "
        f"facets {prepared.seconds['facets']:.1f}s, embeddings {prepared.seconds['embed']:.1f}s "
        f"(wall, shared by both); BERTopic outliers {int((raw == -1).sum())}; "
        f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print("| method | clusters | wall s | CPU s | NMI | ARI | reconstruction | suppressed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for method, clusters, wall, cpu, s, hidden in rows:
        scores = f"{s['nmi']:.3f} | {s['ari']:.3f} | {s['reconstruction']:.1%}"
        print(f"| {method} | {clusters} | {wall:.1f} | {cpu:.1f} | {scores} | {hidden:.1%} |")
    print(
        f"time ratio BERTopic / ours: wall {bt_wall / max(ours_wall, 1e-9):.1f}x, "
        f"CPU {bt_cpu / max(ours_cpu, 1e-9):.1f}x"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sample", int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
