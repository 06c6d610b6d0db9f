"""What a built explorer contains, read back from the page: for asset metadata and checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from clio_dagster.explorer.safe_read import ExplorerInputError, public_root, read_json

DATA_SCRIPT = re.compile(r'<script type="application/json" id="clio-data">(.*?)</script>', re.S)
MARKDOWN_SPECIAL = str.maketrans({"|": "\\|", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`"})


def embedded_data(page: Path) -> dict:
    """The data inlined in an explorer page, parsed as the browser parses it."""
    match = DATA_SCRIPT.search(Path(page).read_text(encoding="utf-8"))
    if not match:
        raise ExplorerInputError(f"{page} has no embedded data; rebuild it with build_explorer")
    return json.loads(match.group(1))


def count_mismatches(public_dir: Path, page: Path) -> list[str]:
    """Differences between the page's node counts and each ``<date>/hierarchy.json`` (empty: they agree)."""
    root = public_root(public_dir)
    problems = []
    for day in embedded_data(page)["days"]:
        source = read_json(root, Path(day["date"]) / "hierarchy.json")
        expected = {node["id"]: node["conversation_count"] for node in source["nodes"]}
        shown = {node["id"]: node["conversation_count"] for node in day["nodes"]}
        if shown != expected:
            differing = sorted(set(expected.items()) ^ set(shown.items()))[:5]
            problems.append(
                f"{day['date']}: {len(shown)} nodes shown, {len(expected)} published; e.g. {differing}"
            )
        if day["total_conversations"] != source["total_conversations"]:
            problems.append(f"{day['date']}: total conversations differ")
    return problems


def markdown_cell(text: str) -> str:
    """Untrusted text made inert inside a markdown table cell."""
    return " ".join(str(text).split()).translate(MARKDOWN_SPECIAL)


def explorer_metadata(page: Path, top: int = 10) -> dict[str, object]:
    """Plain values describing the page: dates, node counts, the latest day's top topics as markdown."""
    data = embedded_data(page)
    latest = data["days"][-1]
    nodes = latest["nodes"]
    for node in nodes:
        node["title"] = data["texts"][node["text"]][0]
    tops = sorted((n for n in nodes if n["depth"] == 0), key=lambda n: -n["conversation_count"])[:top]
    rows = ["| Topic | Conversations | Share | Previous share | Mean concern |", "|---|---:|---:|---:|---:|"]
    for node in tops:
        previous = node.get("previous_share")
        rows.append(
            f"| {markdown_cell(node['title'])}{' (new)' if node.get('emerging') else ''} "
            f"| {node['conversation_count']:,} | {node['share']:.1%} "
            f"| {'–' if previous is None else f'{previous:.1%}'} | {node['concerning_mean']:.2f} |"
        )
    disagreement = latest.get("disagreement") or {}
    return {
        "path": str(page),
        "bytes": Path(page).stat().st_size,
        "dates": [day["date"] for day in data["days"]],
        "latest_date": latest["date"],
        "nodes_latest": len(nodes),
        "top_level_nodes_latest": sum(1 for n in nodes if n["depth"] == 0),
        "total_conversations_latest": latest["total_conversations"],
        "suppressed_conversations_latest": latest["privacy"]["suppressed_conversations"],
        "emerging_latest": [n["title"] for n in nodes if n.get("emerging")],
        "disagreement_nodes_latest": len(disagreement.get("false_positive_nodes", []))
        + len(disagreement.get("false_negative_nodes", [])),
        "top_nodes_markdown": "\n".join(rows),
    }
