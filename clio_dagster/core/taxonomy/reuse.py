"""Cheap daily runs: assign a day's conversations to the latest rebuilt taxonomy instead of rebuilding it.

A rebuild day stores its taxonomy in ``restricted/<date>/taxonomy/``: the unit centroid of every
base cluster (suppressed ones included) and the tracked hierarchy (stable ids, screened names). An
assign day labels each conversation with its nearest stored centroid, or with the *unassigned*
bucket (id ``k``, one past the taxonomy's clusters) below a cosine bar, and reuses the stored names
and structure: no clustering, naming or hierarchy work. Privacy thresholds are applied to today's
counts exactly as on a rebuild day (see :func:`reused_hierarchy`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from clio_dagster.core.files import write_restricted_bytes, write_restricted_text
from clio_dagster.core.taxonomy.trends import assign_to_taxonomy
from clio_dagster.schema import ClusterName, HierarchyNode

TaxonomyMode = Literal["rebuild", "assign", "auto"]
# The run tag overriding CLIO_TAXONOMY_MODE for one run: `clio run --rebuild`, the weekly rebuild
# of the daily schedule, or set by hand when launching a run (clio/taxonomy_mode = rebuild).
TAXONOMY_TAG = "clio/taxonomy_mode"
TAXONOMY_DIR = "taxonomy"
PLAN_FILE = "taxonomy_plan.json"
CENTROIDS_FILE = "centroids.npy"
NODES_FILE = "nodes.json"  # written last: its presence marks a complete taxonomy
UNASSIGNED_NAME = ClusterName(
    title="Unassigned: outside the current taxonomy",
    description="Requests that matched no topic of the current taxonomy closely enough. "
    "The next taxonomy rebuild places them in topics of their own.",
)


class TaxonomyMissingError(RuntimeError):
    """Assign mode was asked for but no rebuilt taxonomy exists before the partition."""


@dataclass(frozen=True)
class TaxonomyPlan:
    """What one partition does: ``rebuild`` its taxonomy, or ``assign`` to the one of ``taxonomy_date``."""

    mode: Literal["rebuild", "assign"]
    taxonomy_date: str | None  # the taxonomy used: the partition's own on a rebuild
    reason: str
    unassigned_cluster_id: int | None = None  # assign mode: the bucket's cluster id (= k)
    unassigned_conversations: int | None = None  # assign mode, once base_clusters has labelled the day

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TaxonomyPlan:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class StoredTaxonomy:
    date: str
    centroids: np.ndarray  # (k, d) float32 unit rows, row i = base cluster i of that day
    nodes: list[HierarchyNode]  # the tracked hierarchy of that day (stable ids)

    @property
    def unassigned_cluster_id(self) -> int:
        return len(self.centroids)


def taxonomy_dir(restricted: Path, date: str) -> Path:
    return restricted / date / TAXONOMY_DIR


def rebuilt_dates(restricted: Path, before: str) -> list[str]:
    """Dates earlier than ``before`` holding a complete stored taxonomy, oldest first."""
    if not restricted.exists():
        return []
    return sorted(
        p.name for p in restricted.iterdir() if p.name < before and (p / TAXONOMY_DIR / NODES_FILE).exists()
    )


def plan_taxonomy(mode: TaxonomyMode, restricted: Path, date: str, *, max_age_days: int) -> TaxonomyPlan:
    """Decide rebuild or assign for ``date``. ``auto`` assigns only to a taxonomy at most
    ``max_age_days`` old; ``assign`` takes the latest one whatever its age, and fails without one."""
    if mode == "rebuild":
        return TaxonomyPlan("rebuild", date, "taxonomy_mode=rebuild")
    dates = rebuilt_dates(restricted, date)
    latest = dates[-1] if dates else None
    if latest is None:
        if mode == "assign":
            raise TaxonomyMissingError(
                f"taxonomy_mode=assign but no rebuilt taxonomy exists before {date} under {restricted}: "
                "run this partition once with a rebuild (`clio run --rebuild`, the run tag "
                "clio/taxonomy_mode=rebuild) or set CLIO_TAXONOMY_MODE=auto"
            )
        return TaxonomyPlan("rebuild", date, "auto: no rebuilt taxonomy before this date")
    age = (dt.date.fromisoformat(date) - dt.date.fromisoformat(latest)).days
    if mode == "auto" and age > max_age_days:
        return TaxonomyPlan(
            "rebuild", date, f"auto: latest taxonomy ({latest}) is {age} days old > {max_age_days}"
        )
    centroids = np.load(taxonomy_dir(restricted, latest) / CENTROIDS_FILE, mmap_mode="r")
    return TaxonomyPlan("assign", latest, f"{mode}: taxonomy of {latest}, {age} days old", len(centroids))


def write_plan(restricted: Path, date: str, plan: TaxonomyPlan) -> None:
    """Record the partition's plan (read by its later steps) and drop any taxonomy stored by an
    earlier run of the same partition: it no longer matches the day's base clusters."""
    shutil.rmtree(taxonomy_dir(restricted, date), ignore_errors=True)
    write_restricted_text(restricted / date / PLAN_FILE, plan.to_json())


def read_plan(restricted: Path, date: str) -> TaxonomyPlan:
    """The plan base_clusters recorded for ``date`` (a rebuild for partitions from before plans existed)."""
    path = restricted / date / PLAN_FILE
    if not path.exists():
        return TaxonomyPlan("rebuild", date, "no plan recorded")
    return TaxonomyPlan.from_json(path.read_text())


def save_taxonomy(restricted: Path, date: str, centroids: np.ndarray, nodes: list[HierarchyNode]) -> Path:
    """Store a rebuilt day's taxonomy (owner-only, like all restricted data); nodes last."""
    out = taxonomy_dir(restricted, date)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(centroids, dtype=np.float32), allow_pickle=False)
    write_restricted_bytes(out / CENTROIDS_FILE, buffer.getvalue())
    write_restricted_text(out / NODES_FILE, json.dumps([n.model_dump() for n in nodes], indent=1))
    return out


def load_taxonomy(restricted: Path, date: str) -> StoredTaxonomy:
    directory = taxonomy_dir(restricted, date)
    nodes = [HierarchyNode(**n) for n in json.loads((directory / NODES_FILE).read_text())]
    return StoredTaxonomy(date, np.load(directory / CENTROIDS_FILE), nodes)


def assign_clusters(embeddings: np.ndarray, taxonomy: StoredTaxonomy, min_similarity: float) -> np.ndarray:
    """Each row's taxonomy cluster (int32), or ``taxonomy.unassigned_cluster_id`` below the bar."""
    if embeddings.shape[1] != taxonomy.centroids.shape[1]:
        raise ValueError(
            f"embeddings have {embeddings.shape[1]} dimensions, the taxonomy of {taxonomy.date} "
            f"{taxonomy.centroids.shape[1]}: the embedder changed, rebuild the taxonomy"
        )
    labels = assign_to_taxonomy(embeddings, taxonomy.centroids, min_similarity)
    return np.where(labels < 0, taxonomy.unassigned_cluster_id, labels).astype(np.int32)


def taxonomy_names(taxonomy: StoredTaxonomy) -> dict[int, ClusterName]:
    """The stored (screened) name of every cluster shown as a leaf; the unassigned bucket's fixed name."""
    names = {
        c: ClusterName(title=n.title, description=n.description)
        for n in taxonomy.nodes
        if n.is_leaf
        for c in n.cluster_ids
    }
    names[taxonomy.unassigned_cluster_id] = UNASSIGNED_NAME
    return names


def unassigned_node_id(taxonomy_date: str) -> str:
    return f"unassigned@{taxonomy_date}"


def report_paragraph(plan: TaxonomyPlan, total: int, *, exact_counts: bool) -> str:
    """The report's line on the taxonomy used; the unassigned count only when counts are exact
    (under differential privacy only noisy counts are published)."""
    if plan.mode == "rebuild":
        return "Taxonomy: rebuilt from this day's conversations."
    text = f"Taxonomy: this day was assigned to the taxonomy rebuilt on {plan.taxonomy_date}."
    if exact_counts and plan.unassigned_conversations is not None:
        share = plan.unassigned_conversations / max(total, 1)
        text += (
            f" {plan.unassigned_conversations:,} conversations ({share:.1%}) matched none of its topics"
            " closely enough (unassigned); they are shown as a topic only if they pass the thresholds."
        )
    return text


def reused_hierarchy(taxonomy: StoredTaxonomy, named: set[int]) -> list[HierarchyNode]:
    """The stored hierarchy restricted to today's named clusters (those passing today's thresholds).

    A leaf whose clusters all fail today is dropped, a parent keeps only its surviving clusters and
    is dropped when none is left: as on a rebuild day, a parent's members are the union of its
    shown leaves', so it passes the thresholds whenever one of its leaves does. The unassigned
    bucket, when named (it passed), is a top-level leaf. Ids, names and depths are the stored ones.
    """
    nodes = []
    for node in taxonomy.nodes:
        kept = [c for c in node.cluster_ids if c in named]
        if kept:
            nodes.append(node.model_copy(update={"cluster_ids": kept, "audit_score": None, "emerging": None}))
    if taxonomy.unassigned_cluster_id in named:
        nodes.append(
            HierarchyNode(
                id=unassigned_node_id(taxonomy.date),
                parent_id=None,
                depth=0,
                is_leaf=True,
                title=UNASSIGNED_NAME.title,
                description=UNASSIGNED_NAME.description,
                cluster_ids=[taxonomy.unassigned_cluster_id],
            )
        )
    return nodes
