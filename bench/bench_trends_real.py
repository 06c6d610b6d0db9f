"""Emerging topics on the real-data development corpus: what an analyst would be shown each day.

Usage (HOME: a finished run over CORPUS_DIR, e.g. by ``bench/bench_tns_real.py`` or ``clio run``):

    python bench/bench_trends_real.py CORPUS_DIR HOME [--min-conversations 10]

The tracking step (``track_hierarchy``) is run again, day after day, on the inputs the run saved
(audited hierarchy, base clusters, embeddings, facets), so the figures are those of the code in
this checkout whichever code made HOME; nothing under HOME is written. CORPUS_DIR holds
``labels.jsonl`` (``bench/build_dev_corpus.py``), whose ``planted == "emerging"`` marks the new
topic planted on the last day. Prints one JSON line per day:

- ``flagged``: the emerging nodes, each with its conversations and the share of them that are the
  planted topic; ``planted_flagged``: whether the node best matching the planted topic
  (precision x recall) is among them, and that node's ``novel_share``;
- ``clusters``: every base cluster of at least ``--min-conversations`` judged as if it were a
  public node, under the rule in use (``novel``: the Wilson lower bound of its novel share above
  ``TrendParams.emerging_share``) and the rule before it (``centroid``: its centroid below 0.58
  cosine to every centroid of the trailing days): how many each flags, and how many of those are
  mostly the planted topic. Smaller thresholds publish smaller nodes, so this is the precision
  an analyst would get at any threshold.

``--assign-bars`` prints instead, for the last day against each earlier day's stored taxonomy,
the share of the planted topic and of the other conversations that assign mode would leave
unassigned at each cosine bar (``CLIO_TAXONOMY_MIN_SIMILARITY``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import tns_real_support

from clio_dagster.core.privacy.publish import node_paths
from clio_dagster.core.taxonomy.stable_ids import track_hierarchy
from clio_dagster.core.taxonomy.trends import (
    SNAPSHOT_SCHEMA,
    TrendParams,
    novel_rows,
    novelty_sample,
    trailing_window,
    unit_rows,
    wilson_lower,
)

CENTROID_BAR = 0.58  # the rule before novelty: a node's centroid this far from every past centroid


def day_figures(
    restricted: Path, history: pl.DataFrame, labels: pl.DataFrame, min_conversations: int
) -> tuple[dict, pl.DataFrame]:
    """The day's figures, and its taxonomy snapshot (tomorrow's history)."""
    from clio_dagster.schema import HierarchyNode

    date = restricted.name
    params = TrendParams()
    base = pl.read_parquet(restricted / "base_clusters.parquet").select("conversation_id", "cluster_id")
    embeddings = np.load(restricted / "embeddings.npy", mmap_mode="r")
    audited = [HierarchyNode(**n) for n in json.loads((restricted / "audited_hierarchy.json").read_text())]
    concerning = pl.read_parquet(restricted / "facets.parquet")["concerning"]
    tracked = track_hierarchy(date, audited, base, embeddings, concerning, history, params)
    day = (
        node_paths(base, tracked.nodes)
        .join(
            labels.select("conversation_id", "planted"),
            on="conversation_id",
            how="left",
            maintain_order="left",
        )
        .with_columns((pl.col("planted") == tns_real_support.EMERGING).fill_null(False).alias("new"))
    )
    novel_share = dict(zip(tracked.trends["stable_id"], tracked.trends["novel_share"], strict=True))
    flagged = []
    for node in (n for n in tracked.nodes if n.emerging):
        members = day.filter(pl.col("node_path").list.contains(node.id))
        flagged.append(
            {
                "node": node.id,
                "conversations": members.height,
                "planted_share": round(members["new"].mean(), 3),
                "novel_share": round(novel_share[node.id], 3),
            }
        )
    best = tns_real_support.holding_nodes(day, pl.col("new"))["best"] if day["new"].any() else None
    figures = {
        "date": date,
        "planted_conversations": int(day["new"].sum()),
        "flagged": flagged,
        "planted_flagged": (best in {f["node"] for f in flagged}) if best else None,
        "planted_best_node_novel_share": round(novel_share[best], 3) if best else None,
    }
    window = trailing_window(history, date, params.window_days)
    if window.height == 0:
        return figures, tracked.snapshot
    labels_ = day["cluster_id"].to_numpy()
    rows, _ = novelty_sample(labels_, params.novelty_sample)
    novel = novel_rows(embeddings, rows, window)
    past = np.asarray(window["centroid"].to_list(), dtype=np.float32)
    new = day["new"].to_numpy()
    judged = {"novel": [], "centroid": []}
    for cluster in np.unique(labels_):
        members = labels_ == cluster
        if members.sum() < min_conversations:
            continue
        sampled = members[rows]
        share = float(novel[sampled].mean())
        low = float(wilson_lower(np.array([share]), np.array([sampled.sum()]))[0])
        centroid = unit_rows(np.asarray(embeddings[members], dtype=np.float32).mean(axis=0, keepdims=True))[0]
        mostly_planted = bool(new[members].mean() >= 0.5)
        if low > params.emerging_share:
            judged["novel"].append(mostly_planted)
        if float((past @ centroid).max()) < CENTROID_BAR:
            judged["centroid"].append(mostly_planted)
    figures["clusters"] = {
        "judged": int(sum((labels_ == c).sum() >= min_conversations for c in np.unique(labels_))),
        **{f"{rule}_flags": len(hits) for rule, hits in judged.items()},
        **{f"{rule}_flags_planted": sum(hits) for rule, hits in judged.items()},
    }
    return figures, tracked.snapshot


def assign_bars(restricted: Path, labels: pl.DataFrame, bars=(0.35, 0.4, 0.45, 0.5, 0.55)) -> None:
    from clio_dagster.core.taxonomy.reuse import load_taxonomy, rebuilt_dates

    last = sorted(p.name for p in restricted.iterdir() if (p / "embeddings.npy").exists())[-1]
    embeddings = np.load(restricted / last / "embeddings.npy", mmap_mode="r")
    ids = pl.read_parquet(restricted / last / "base_clusters.parquet").select("conversation_id")
    planted = ids.join(labels, on="conversation_id", how="left", maintain_order="left")["planted"]
    new = (planted == tns_real_support.EMERGING).fill_null(False).to_numpy()
    for taxonomy_date in rebuilt_dates(restricted, last):
        centroids = unit_rows(load_taxonomy(restricted, taxonomy_date).centroids)
        best = (unit_rows(np.asarray(embeddings, dtype=np.float32)) @ centroids.T).max(axis=1)
        for bar in bars:
            out = best < bar
            print(
                json.dumps(
                    {
                        "day": last,
                        "taxonomy": taxonomy_date,
                        "bar": bar,
                        "new_topic_unassigned": f"{(out & new).sum()}/{new.sum()}",
                        "other_unassigned": f"{(out & ~new).sum()}/{(~new).sum()}",
                        "bucket": int(out.sum()),
                    }
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("home", type=Path)
    parser.add_argument("--min-conversations", type=int, default=10)
    parser.add_argument("--assign-bars", action="store_true")
    args = parser.parse_args()
    labels = pl.read_ndjson(args.corpus / "labels.jsonl")
    restricted = args.home / "restricted"
    if args.assign_bars:
        assign_bars(restricted, labels)
        return
    dates = sorted(p.name for p in restricted.iterdir() if (p / "audited_hierarchy.json").exists())
    history = pl.DataFrame(schema=SNAPSHOT_SCHEMA)
    for date in dates:
        figures, snapshot = day_figures(restricted / date, history, labels, args.min_conversations)
        print(json.dumps(figures))
        history = pl.concat([history, snapshot])


if __name__ == "__main__":
    main()
