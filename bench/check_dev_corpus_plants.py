"""Score a `clio run` over a development-corpus split against its planted cases.

    clio run --input /work/devcorpus/dev/conversations.jsonl --home /tmp/devrun
    python bench/check_dev_corpus_plants.py /tmp/devrun /work/devcorpus/dev

Per day: which accounts `coordinated.parquet` groups (the spam network should be found, the crowd
decoys not); whether the node holding the planted emerging topic is marked emerging and which other
nodes are; where the planted false positives and negatives sit in `disagreement.json`; and whether
any planted PII string, user id or conversation id appears in any file under public/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devcorpus import load_labels


def _majority_node(assignments: pl.DataFrame, planted: str) -> tuple[str | None, int, int]:
    """The deepest node holding most of a plant's conversations, with its share of them."""
    rows = assignments.filter(pl.col("planted") == planted)
    if rows.is_empty():
        return None, 0, 0
    leaves = rows.with_columns(pl.col("node_path").list.last().alias("node")).group_by("node").len()
    node, count = leaves.sort("len", descending=True).row(0)
    return node, count, rows.height


def _disagreement_ranks(disagreement: dict, assignments: pl.DataFrame, key: str, planted: str) -> list:
    """For the first five listed nodes: rank, node id, and the share of its conversations planted so."""
    ranks = []
    for rank, item in enumerate(disagreement.get(key, [])[:5], start=1):
        members = assignments.filter(pl.col("node_path").list.contains(item["node_id"]))
        share = members.filter(pl.col("planted") == planted).height / max(members.height, 1)
        ranks.append((rank, item["node_id"], round(share, 2)))
    return ranks


def check_day(home: Path, day: str, labels: pl.DataFrame) -> None:
    restricted, public = home / "restricted" / day, home / "public" / day
    today = labels.filter(pl.col("date") == day)
    spam = set(today.filter(pl.col("planted") == "spam_network")["user_id"])
    crowd = set(today.filter(pl.col("planted").str.starts_with("crowd_"))["user_id"])
    coordinated = pl.read_parquet(restricted / "coordinated.parquet")
    grouped = set(coordinated["user_id"]) if coordinated.height else set()
    groups = coordinated["group_id"].n_unique() if coordinated.height else 0
    others = len(grouped - spam - crowd)
    print(
        f"{day}: coordinated groups {groups}, spam accounts found {len(grouped & spam)}/{len(spam)}, "
        f"crowd users grouped {len(grouped & crowd)}/{len(crowd)}, other accounts grouped {others}"
    )

    assignments = pl.read_parquet(restricted / "assignments.parquet").join(
        labels.select("conversation_id", "planted"), on="conversation_id"
    )
    hierarchy = json.loads((public / "hierarchy.json").read_text())
    nodes = {node["id"]: node for node in hierarchy["nodes"]}
    node, count, total = _majority_node(assignments, "emerging")
    if node:
        flag = nodes[node].get("emerging") if node in nodes else "not public"
        print(f"  planted emerging: {count}/{total} in {node} (emerging={flag})")
    others = [n["id"] for n in hierarchy["nodes"] if n.get("emerging") and n["id"] != node]
    print(f"  other nodes marked emerging: {len(others)}")

    disagreement = json.loads((restricted / "disagreement.json").read_text())
    print(f"  pearson {disagreement['pearson']:.3f}, spearman {disagreement['spearman']:.3f}")
    for key, planted in (
        ("false_positive_nodes", "false_positive"),
        ("false_negative_nodes", "false_negative"),
    ):
        ranks = _disagreement_ranks(disagreement, assignments, key, planted)
        print(f"  {key} (rank, node, share planted {planted}): {ranks}")


def check_public_leaks(home: Path, labels: pl.DataFrame) -> None:
    public_text = "\n".join(
        path.read_text(errors="replace") for path in sorted((home / "public").rglob("*")) if path.is_file()
    )
    secrets = {value for values in labels["pii"] for value in values if len(value) >= 6}
    identifiers = set(labels["user_id"]) | set(labels["conversation_id"])
    leaked_pii = sorted(value for value in secrets if value in public_text)
    leaked_ids = sorted(value for value in identifiers if value in public_text)
    print(
        f"public/: {len(leaked_pii)} of {len(secrets)} planted PII strings found, {len(leaked_ids)} ids found"
    )
    for value in leaked_pii[:10]:
        print(f"  leaked: {value!r}")


def main(home: str, split_dir: str) -> None:
    labels = load_labels(split_dir)
    for day in sorted(labels["date"].unique()):
        if (Path(home) / "public" / day / "hierarchy.json").exists():
            check_day(Path(home), day, labels)
    check_public_leaks(Path(home), labels)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
