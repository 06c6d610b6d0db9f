"""The public markdown report of one partition, written only from the audited public hierarchy."""

from __future__ import annotations

from clio_dagster.schema import PublicHierarchy, PublicNode


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _languages(node: PublicNode, top: int = 3) -> str:
    return ", ".join(f"{lang} {share:.0%}" for lang, share in list(node.languages.items())[:top]) or "-"


def node_table(nodes: list[PublicNode], *, limit: int | None = None) -> str:
    """A markdown table of nodes, largest first."""
    rows = sorted(nodes, key=lambda n: (-n.conversation_count, n.id))[:limit]
    lines = [
        "| topic | conversations | users | share | concern (1-5) | languages |",
        "|---|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {_cell(n.title)} | {n.conversation_count:,} | {n.unique_users:,} | {n.share:.1%} | "
        f"{n.concerning_mean:.2f} | {_languages(n)} |"
        for n in rows
    ]
    return "\n".join(lines)


def render_report(hierarchy: PublicHierarchy) -> str:
    """Overview, privacy settings, the top-level topics and, under each, its largest children."""
    p = hierarchy.privacy
    top = [n for n in hierarchy.nodes if n.parent_id is None]
    children: dict[str, list[PublicNode]] = {}
    for node in hierarchy.nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node)
    shown = sum(n.conversation_count for n in top)
    parts = [
        f"# Usage report for {hierarchy.date}",
        "",
        f"{hierarchy.total_conversations:,} conversations; {shown:,} fall in topics that passed the privacy "
        f"thresholds, {p.suppressed_conversations:,} in {p.suppressed_clusters} suppressed clusters. "
        f"Backend: {hierarchy.backend}" + (f" ({hierarchy.model})" if hierarchy.model else "") + ".",
        "",
        f"Privacy: every topic below has at least {p.min_unique_users} distinct users and "
        f"{p.min_conversations} conversations"
        + (f"; counts carry differential-privacy noise (epsilon {p.dp_epsilon})." if p.dp_epsilon else "."),
        "",
        "## Top-level topics",
        "",
        node_table(top),
    ]
    for node in sorted(top, key=lambda n: (-n.conversation_count, n.id)):
        parts += ["", f"## {_cell(node.title)}", "", _cell(node.description)]
        if node.id in children:
            parts += ["", node_table(children[node.id], limit=10)]
    return "\n".join(parts) + "\n"
