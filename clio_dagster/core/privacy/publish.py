"""From clusters and hierarchy to the aggregates that may be shown: thresholds, node statistics, paths.

A base cluster below the user or conversation threshold is suppressed before it is named: it
generates no text, and its conversations count only in the top-level suppressed totals. Parents
are built from surviving clusters only, so every node, at every level, passes the thresholds
(a parent's users and conversations are supersets of each child's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from clio_dagster.config import CustomFacet, Settings
from clio_dagster.core.privacy.dp import (
    DPConfig,
    DPPlan,
    NodeCounts,
    bound_contributions,
    error_bound,
    node_counts,
    plan_release,
    release_counts,
)
from clio_dagster.schema import ASSIGNMENTS_SCHEMA, HierarchyNode, PublicNode

OTHER = "other"


@dataclass(frozen=True)
class Thresholds:
    min_unique_users: int
    min_conversations: int

    def passes(self, users: int, conversations: int) -> bool:
        return users >= self.min_unique_users and conversations >= self.min_conversations


def cluster_sizes(base: pl.DataFrame) -> pl.DataFrame:
    """Conversations and distinct users per base cluster (``base``: conversation_id, user_id, cluster_id)."""
    return (
        base.group_by("cluster_id")
        .agg(pl.len().alias("conversation_count"), pl.col("user_id").n_unique().alias("unique_users"))
        .sort("cluster_id")
    )


def surviving_clusters(sizes: pl.DataFrame, thresholds: Thresholds) -> list[int]:
    """Base clusters that pass both thresholds, in cluster order."""
    passing = sizes.filter(
        (pl.col("unique_users") >= thresholds.min_unique_users)
        & (pl.col("conversation_count") >= thresholds.min_conversations)
    )
    return passing["cluster_id"].to_list()


def _node_of_cluster(nodes: Sequence[HierarchyNode]) -> pl.DataFrame:
    rows = [(n.id, c) for n in nodes for c in n.cluster_ids]
    return pl.DataFrame(rows, schema={"node_id": pl.Utf8, "cluster_id": pl.Int32}, orient="row")


def _shares_above_threshold(members: pl.DataFrame, column: str, thresholds: Thresholds) -> pl.DataFrame:
    """Share of each value of ``column`` per node; values used by too few users fold into 'other'."""
    counts = members.group_by("node_id", column).agg(
        pl.len().alias("n"), pl.col("user_id").n_unique().alias("users")
    )
    counts = counts.with_columns(
        pl.when(pl.col("users") >= thresholds.min_unique_users)
        .then(pl.col(column).cast(pl.Utf8))
        .otherwise(pl.lit(OTHER))
        .fill_null(OTHER)
        .alias("value")
    )
    folded = counts.group_by("node_id", "value").agg(pl.col("n").sum())
    return folded.with_columns((pl.col("n") / pl.col("n").sum().over("node_id")).alias("share"))


def _as_dict(shares: pl.DataFrame) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    ordered = shares.sort(["node_id", "share", "value"], descending=[False, True, False])
    for node_id, value, share in ordered.select("node_id", "value", "share").iter_rows():
        out.setdefault(node_id, {})[value] = round(float(share), 4)
    return out


def node_statistics(
    nodes: Sequence[HierarchyNode],
    facets: pl.DataFrame,
    base: pl.DataFrame,
    *,
    thresholds: Thresholds,
    custom: Sequence[CustomFacet] = (),
) -> list[PublicNode]:
    """Public aggregates for every node: counts, users, share, languages, concern, custom facets.

    ``facets`` must carry conversation_id, user_id, language, concerning and the custom facet
    columns; ``base`` maps conversation_id to cluster_id. Shares are of all the partition's
    conversations, suppressed ones included.
    """
    total = facets.height
    columns = ["conversation_id", "user_id", "language", "concerning", *(c.name for c in custom)]
    members = (
        facets.select(columns)
        .join(base.select("conversation_id", pl.col("cluster_id").cast(pl.Int32)), on="conversation_id")
        .join(_node_of_cluster(nodes), on="cluster_id")
    )
    stats = members.group_by("node_id").agg(
        pl.len().alias("conversation_count"),
        pl.col("user_id").n_unique().alias("unique_users"),
        pl.col("concerning").cast(pl.Float64).mean().alias("concerning_mean"),
    )
    by_id = {row["node_id"]: row for row in stats.iter_rows(named=True)}
    languages = _as_dict(_shares_above_threshold(members, "language", thresholds))
    custom_shares = {c.name: _as_dict(_shares_above_threshold(members, c.name, thresholds)) for c in custom}
    public: list[PublicNode] = []
    for node in nodes:
        row = by_id.get(node.id, {"conversation_count": 0, "unique_users": 0, "concerning_mean": None})
        public.append(
            PublicNode(
                id=node.id,
                parent_id=node.parent_id,
                depth=node.depth,
                is_leaf=node.is_leaf,
                title=node.title,
                description=node.description,
                conversation_count=int(row["conversation_count"]),
                unique_users=int(row["unique_users"]),
                share=round(row["conversation_count"] / total, 6) if total else 0.0,
                languages=languages.get(node.id, {}),
                concerning_mean=round(float(row["concerning_mean"] or 0.0), 4),
                audit_score=node.audit_score,
                emerging=node.emerging,
                previous_share=node.previous_share,
                custom={name: shares.get(node.id, {}) for name, shares in custom_shares.items()} or None,
            )
        )
    return public


def node_paths(base: pl.DataFrame, nodes: Sequence[HierarchyNode]) -> pl.DataFrame:
    """ASSIGNMENTS_SCHEMA: each conversation's base cluster and node ids top→leaf (null if suppressed)."""
    parent = {n.id: n.parent_id for n in nodes}
    leaf_paths: dict[int, list[str]] = {}
    for node in nodes:
        if not node.is_leaf:
            continue
        path, current = [], node.id
        while current is not None:
            path.append(current)
            current = parent[current]
        for cluster_id in node.cluster_ids:
            leaf_paths[cluster_id] = path[::-1]
    paths = pl.DataFrame(
        {"cluster_id": list(leaf_paths), "node_path": list(leaf_paths.values())},
        schema={"cluster_id": pl.Int32, "node_path": pl.List(pl.Utf8)},
    )
    return (
        base.select("conversation_id", pl.col("cluster_id").cast(pl.Int32))
        .join(paths, on="cluster_id", how="left", maintain_order="left")
        .select(list(ASSIGNMENTS_SCHEMA))
        .cast(dict(ASSIGNMENTS_SCHEMA))
    )


@dataclass(frozen=True)
class DPRelease:
    """The public nodes with differentially private counts, and what the release cost."""

    nodes: list[PublicNode]
    total_conversations: int  # noisy, of the contribution-bounded conversations
    suppressed_conversations: int  # noisy total minus the noisy top-level counts (post-processing)
    withheld: list[str]  # node ids that did not clear the noisy thresholds (or whose parent did not)
    plan: DPPlan

    def metadata(self) -> dict[str, int | float]:
        """What the release cost and how noisy it is, for the asset's metadata."""
        return {
            "dp_withheld_nodes": len(self.withheld),
            "dp_noise_scale": round(self.plan.scale, 4),
            "dp_users_threshold": self.plan.users_threshold,
            "dp_conversations_threshold": self.plan.conversations_threshold,
            "dp_error_bound_95": round(error_bound(self.plan), 2),
            "dp_epsilon_spent": round(self.plan.epsilon_spent, 6),
        }


def release_with_dp(
    nodes: Sequence[PublicNode],
    hierarchy: Sequence[HierarchyNode],
    facets: pl.DataFrame,
    base: pl.DataFrame,
    *,
    config: DPConfig,
    thresholds: Thresholds,
    levels: int,
    partition: str,
) -> DPRelease:
    """Noisy counts and noisy-threshold selection of the public nodes (``core.privacy.dp``).

    ``nodes`` are the exact statistics of ``hierarchy`` (same ids); ``levels`` must not depend on
    the data (the configured number of hierarchy levels), so the budget split is fixed per
    partition. Conversations are first bounded to ``config.max_conversations_per_user`` per user;
    counts, users and the total are then released with Laplace noise, a node is kept only if
    both noisy values clear the noisy thresholds (and its parent is kept), and ``share`` is the
    noisy count over the noisy total.
    """
    levels = max(levels, 1 + max((n.depth for n in hierarchy), default=0))
    plan = plan_release(
        config,
        levels=levels,
        min_unique_users=thresholds.min_unique_users,
        min_conversations=thresholds.min_conversations,
    )
    rows = node_paths(base, hierarchy).join(
        facets.select("conversation_id", "user_id"), on="conversation_id", how="inner"
    )
    bounded = bound_contributions(
        rows.select("conversation_id", "user_id", "node_path"),
        config.max_conversations_per_user,
        key=config.noise_secret or b"",
    )
    measured, _, _ = node_counts(bounded)
    # Every node of the (given) hierarchy goes through the noisy threshold, empty ones included,
    # so whether a node appears depends on the data only through its noisy counts.
    counts = {n.id: measured.get(n.id, NodeCounts(0, 0)) for n in hierarchy}
    depths = {n.id: n.depth for n in hierarchy}
    parents = {n.id: n.parent_id for n in hierarchy}
    released, total = release_counts(
        counts, depths, parents, bounded.height, plan, config, partition=partition
    )
    public = [
        node.model_copy(
            update={
                "conversation_count": released[node.id].conversation_count,
                "unique_users": released[node.id].unique_users,
                "share": round(min(1.0, released[node.id].conversation_count / total), 6) if total else 0.0,
            }
        )
        for node in nodes
        if node.id in released
    ]
    shown = sum(n.conversation_count for n in public if n.parent_id is None)
    return DPRelease(
        nodes=public,
        total_conversations=total,
        suppressed_conversations=max(0, total - shown),
        withheld=[n.id for n in nodes if n.id not in released],
        plan=plan,
    )


def dp_config(settings: Settings) -> DPConfig:
    """The DP budget and bounds of one partition from settings (``dp_epsilon`` must be set)."""
    if settings.dp_epsilon is None:
        raise ValueError("dp_config needs CLIO_DP_EPSILON to be set")
    secret = settings.dp_noise_secret
    return DPConfig(
        epsilon=settings.dp_epsilon,
        delta=settings.dp_delta,
        max_conversations_per_user=settings.dp_max_conversations_per_user,
        noise_secret=secret.get_secret_value().encode() if secret is not None else None,
    )
