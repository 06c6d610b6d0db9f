"""Blocking privacy checks on the candidate public hierarchy: a failure stops publication (DESIGN §4.6)."""

import re

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import audited_hierarchy
from clio_dagster.core.report import render_report
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import PublicHierarchy


def _result(violations: list[str], what: str) -> AssetCheckResult:
    return AssetCheckResult(
        passed=not violations,
        severity=AssetCheckSeverity.ERROR,
        description=f"{len(violations)} {what}" if violations else f"no {what}",
        metadata={"violations": len(violations), "first": "; ".join(violations[:5])},
    )


@asset_check(asset=audited_hierarchy, blocking=True, partitions_def=DAILY)
def thresholds_on_every_node(audited_hierarchy: PublicHierarchy, settings: ClioSettings) -> AssetCheckResult:
    """Every node at every level has enough distinct users and conversations."""
    cfg = settings.get()
    violations = [
        f"{n.id}: {n.unique_users} users, {n.conversation_count} conversations"
        for n in audited_hierarchy.nodes
        if n.unique_users < cfg.min_unique_users or n.conversation_count < cfg.min_conversations
    ]
    return _result(violations, "nodes below the privacy thresholds")


@asset_check(
    asset=audited_hierarchy, blocking=True, partitions_def=DAILY, additional_ins={"facets": AssetIn("facets")}
)
def no_identifiers(audited_hierarchy: PublicHierarchy, facets: pl.DataFrame) -> AssetCheckResult:
    """No user_id or conversation_id of the partition appears in the public JSON or report."""
    public_text = audited_hierarchy.model_dump_json() + render_report(audited_hierarchy)
    # Token-set intersection keeps this linear in the partition size; ids are single tokens.
    tokens = set(re.findall(r"[\w\-.:@/+=]+", public_text))
    ids = set(facets["user_id"].to_list()) | set(facets["conversation_id"].to_list())
    # Short numeric ids would collide with counts in the JSON without revealing anything.
    ids = {i for i in ids if not (i.isdigit() and len(i) < 8)}
    violations = sorted(ids & tokens)
    return _result([f"identifier of length {len(v)}" for v in violations], "identifiers in public text")
