"""What the trust-and-safety screen of one day shows, from the restricted and public outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from clio_dagster.serve.outputs import Missing, Outputs

_BLOCKS = "·▁▂▃▄▅▆▇█"
_TOP = 15


@dataclass
class TrustSafetyScreen:
    day: str
    groups: list[dict] = field(default_factory=list)
    false_positives: list[dict] = field(default_factory=list)
    false_negatives: list[dict] = field(default_factory=list)
    correlation: dict = field(default_factory=dict)
    over_represented: list[dict] = field(default_factory=list)
    under_represented: list[dict] = field(default_factory=list)
    facet_failures: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # views without a file for this day


def explorer_link(day: str, node_id: str) -> str:
    """The explorer opened on this node of this day (its deep-link fragment)."""
    return "/#" + urlencode({"d": day, "n": node_id})


def hour_sparkline(histogram: list[int]) -> str:
    """24 hourly counts as one character each: a dot for none, else a block scaled to the busiest hour."""
    peak = max(histogram, default=0)
    return "".join(
        _BLOCKS[max(1, round(count / peak * (len(_BLOCKS) - 1)))] if count else _BLOCKS[0]
        for count in histogram
    )


def trust_safety_screen(outputs: Outputs, day: str) -> TrustSafetyScreen:
    screen = TrustSafetyScreen(day)
    titles = _node_titles(outputs, day)
    try:
        screen.groups = outputs.restricted_view(day, "coordinated")
        for group in screen.groups:
            group["hours"] = hour_sparkline(group["hour_histogram"])
    except Missing:
        screen.missing.append("coordinated groups")
    try:
        disagreement = outputs.restricted_view(day, "disagreement")
        screen.correlation = {k: disagreement.get(k) for k in ("pearson", "spearman", "moderated_count")}
        screen.false_positives = _ranked(disagreement.get("false_positive_nodes", []), day, titles)
        screen.false_negatives = _ranked(disagreement.get("false_negative_nodes", []), day, titles)
    except Missing:
        screen.missing.append("classifier disagreement")
    try:
        rates = outputs.restricted_view(day, "language-rates")
        for row in rates:
            row["title"] = titles.get(row["node_id"], row["node_id"])
            row["link"] = explorer_link(day, row["node_id"])
        # only cells whose whole 95% interval lies above or below parity
        screen.over_represented = sorted((r for r in rates if r["ci_low"] > 1), key=lambda r: -r["ratio"])[
            :_TOP
        ]
        screen.under_represented = sorted((r for r in rates if r["ci_high"] < 1), key=lambda r: r["ratio"])[
            :_TOP
        ]
    except Missing:
        screen.missing.append("language rates")
    try:
        screen.facet_failures = outputs.restricted_view(day, "facet-failures")
    except Missing:
        screen.missing.append("facet failures")
    return screen


def _ranked(nodes: list[dict], day: str, titles: dict[str, str]) -> list[dict]:
    return [
        {
            **node,
            "title": titles.get(node["node_id"], node["node_id"]),
            "link": explorer_link(day, node["node_id"]),
        }
        for node in nodes[:_TOP]
    ]


def _node_titles(outputs: Outputs, day: str) -> dict[str, str]:
    try:
        hierarchy = outputs.public_json(day, "hierarchy")
    except Missing:
        return {}
    return {node["id"]: node["title"] for node in hierarchy.get("nodes", [])}
