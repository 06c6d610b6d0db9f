"""Turn privacy violations from ``core.privacy.checks`` into Dagster asset-check results.

The description lists the violations' node ids and reasons only: it is what the alert sensors
forward to on-call, so it must stay free of private text (the reasons are, by construction).
"""

from __future__ import annotations

from collections.abc import Sequence

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from clio_dagster.core.privacy.checks import Violation

MAX_LISTED = 10


def check_result(violations: Sequence[Violation], *, warn: bool = False) -> AssetCheckResult:
    """Passed when there are no violations; else ERROR (blocking) or, with ``warn``, WARN."""
    severity = AssetCheckSeverity.WARN if warn else AssetCheckSeverity.ERROR
    if not violations:
        return AssetCheckResult(passed=True, severity=severity, metadata={"violations": 0})
    listed = [f"{v.node_id}: {v.reason}" if v.node_id else v.reason for v in violations[:MAX_LISTED]]
    more = len(violations) - len(listed)
    description = "; ".join(listed) + (f" (+{more} more)" if more else "")
    nodes = sorted({v.node_id for v in violations if v.node_id})
    return AssetCheckResult(
        passed=False,
        severity=severity,
        description=description,
        metadata={"violations": len(violations), "nodes": MetadataValue.json(nodes)},
    )
