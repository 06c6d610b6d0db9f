"""Screening every text that will be public: PII scan and auditor score, one regeneration, else withhold.

Works on the hierarchy before any statistics are computed, so a withheld node simply leaves the
tree: a withheld leaf's clusters join the suppressed ones; a withheld parent's children move up to
its own parent. Every remaining node therefore passed both screens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from clio_dagster.core.interfaces import Auditor
from clio_dagster.schema import ClusterName, HierarchyNode


class Finding(Protocol):
    start: int
    end: int
    entity_type: str


Scanner = Callable[[Sequence[str]], list[list[Finding]]]
Regenerator = Callable[[HierarchyNode, Sequence[Finding]], ClusterName | None]


@dataclass
class ScreenResult:
    nodes: list[HierarchyNode]
    withheld: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)
    withheld_clusters: list[int] = field(default_factory=list)
    findings_by_type: dict[str, int] = field(default_factory=dict)


def node_text(node: HierarchyNode | ClusterName) -> str:
    return f"{node.title}\n{node.description}"


def _failures(texts: list[str], scan: Scanner, auditor: Auditor, min_score: int):
    findings = scan(texts)
    scores = auditor.audit(texts)
    failed = [bool(f) or (s is not None and s < min_score) for f, s in zip(findings, scores, strict=True)]
    return findings, scores, failed


def redact_findings(node: HierarchyNode, findings: Sequence[Finding]) -> ClusterName | None:
    """Regenerate by dropping the flagged spans; None when the title would be left empty.

    Spans index ``node_text(node)``: the title, a newline, then the description.
    """
    text = node_text(node)
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + text[finding.end :]
    title, _, description = text.partition("\n")
    title = " ".join(title.replace(" · ·", " ·").split()).strip(" ·,")
    description = " ".join(description.split())
    if len(title) < 3:
        return None
    return ClusterName(title=title, description=description or "Description withheld.")


def screen_hierarchy(
    nodes: Sequence[HierarchyNode],
    *,
    scan: Scanner,
    auditor: Auditor,
    regenerate: Regenerator,
    min_audit_score: int = 4,
) -> ScreenResult:
    """PII-scan and audit each node's text; regenerate failures once; withhold what still fails."""
    texts = [node_text(n) for n in nodes]
    findings, scores, failed = _failures(texts, scan, auditor, min_audit_score)
    result = ScreenResult(nodes=[])
    for found in findings:
        for f in found:
            result.findings_by_type[f.entity_type] = result.findings_by_type.get(f.entity_type, 0) + 1
    screened: list[HierarchyNode] = []
    withheld: set[str] = set()
    for node, node_findings, score, bad in zip(nodes, findings, scores, failed, strict=True):
        if not bad:
            screened.append(node.model_copy(update={"audit_score": score}))
            continue
        renamed = regenerate(node, node_findings)
        if renamed is not None:
            _, new_scores, still_bad = _failures([node_text(renamed)], scan, auditor, min_audit_score)
            if not still_bad[0]:
                result.regenerated.append(node.id)
                screened.append(
                    node.model_copy(
                        update={
                            "title": renamed.title,
                            "description": renamed.description,
                            "audit_score": new_scores[0],
                        }
                    )
                )
                continue
        withheld.add(node.id)
        result.withheld.append(node.id)
        if node.is_leaf:
            result.withheld_clusters += node.cluster_ids
    result.nodes = _without(screened, {n.id: n.parent_id for n in nodes}, withheld)
    return result


def _without(
    nodes: list[HierarchyNode], parent_of: dict[str, str | None], withheld: set[str]
) -> list[HierarchyNode]:
    """Reattach children of withheld nodes to their nearest kept ancestor; recompute depths and members."""

    def kept_parent(node_id: str) -> str | None:
        parent = parent_of[node_id]
        while parent is not None and parent in withheld:
            parent = parent_of[parent]
        return parent

    relinked = {n.id: n.model_copy(update={"parent_id": kept_parent(n.id)}) for n in nodes}
    children: dict[str | None, list[str]] = {}
    for node in relinked.values():
        children.setdefault(node.parent_id, []).append(node.id)

    def members(node_id: str) -> list[int]:
        node = relinked[node_id]
        if node.is_leaf:
            return node.cluster_ids
        return sorted(c for child in children.get(node_id, []) for c in members(child))

    out: list[HierarchyNode] = []

    def walk(node_id: str, depth: int) -> None:
        node = relinked[node_id]
        cluster_ids = members(node_id)
        if not cluster_ids:  # a parent left without any leaf shows nothing
            return
        out.append(node.model_copy(update={"depth": depth, "cluster_ids": cluster_ids}))
        for child in children.get(node_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    order = {n.id: i for i, n in enumerate(nodes)}
    return sorted(out, key=lambda n: (n.depth, order[n.id]))
