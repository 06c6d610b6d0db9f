"""Privacy checks on the candidate public hierarchy (DESIGN §4.6).

Each is blocking: one failure stops ``public_hierarchy`` for that day and fails the run, which
pages on-call. The WARN checks on input quality live with their assets (ingest, facets).
"""

from itertools import chain

import polars as pl
from dagster import AssetCheckResult, AssetIn, asset_check

from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import audited_hierarchy
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.taxonomy.report import render_report
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import PublicHierarchy


def _documents(hierarchy: PublicHierarchy) -> dict[str, str]:
    """Everything that will be written under public/ for this day."""
    return {"hierarchy.json": hierarchy.model_dump_json(), "report.md": render_report(hierarchy)}


@asset_check(asset=audited_hierarchy, blocking=True, partitions_def=DAILY)
def thresholds_on_every_node(audited_hierarchy: PublicHierarchy, settings: ClioSettings) -> AssetCheckResult:
    """Every node at every level has enough distinct users and conversations."""
    from clio_dagster.core.privacy.checks import check_thresholds

    cfg = settings.get()
    return check_result(
        check_thresholds(
            audited_hierarchy, min_unique_users=cfg.min_unique_users, min_conversations=cfg.min_conversations
        )
    )


@asset_check(asset=audited_hierarchy, blocking=True, partitions_def=DAILY)
def no_pii_in_public_text(audited_hierarchy: PublicHierarchy) -> AssetCheckResult:
    """The PII scanner finds nothing in any public string, the report included."""
    from clio_dagster.core.privacy.checks import check_pii

    return check_result(check_pii(audited_hierarchy, extra={"report.md": render_report(audited_hierarchy)}))


@asset_check(asset=audited_hierarchy, blocking=True, partitions_def=DAILY)
def audit_scores_pass(audited_hierarchy: PublicHierarchy) -> AssetCheckResult:
    """Every text the auditor scored reached the bar (the local backend has no auditor)."""
    from clio_dagster.core.privacy.checks import check_audit_scores

    return check_result(check_audit_scores(audited_hierarchy))


@asset_check(
    asset=audited_hierarchy,
    blocking=True,
    partitions_def=DAILY,
    additional_ins={"conversations": AssetIn("conversations")},
)
def no_verbatim_text(audited_hierarchy: PublicHierarchy, conversations: pl.DataFrame) -> AssetCheckResult:
    """No run of 8 or more consecutive words of any conversation appears in public text."""
    from clio_dagster.core.privacy.checks import check_verbatim
    from clio_dagster.core.privacy.verbatim import conversation_texts

    raw = conversation_texts(conversations)  # streamed in chunks: never the whole day as Python objects
    return check_result(
        check_verbatim(audited_hierarchy, raw, extra={"report.md": render_report(audited_hierarchy)})
    )


@asset_check(
    asset=audited_hierarchy, blocking=True, partitions_def=DAILY, additional_ins={"facets": AssetIn("facets")}
)
def no_identifiers(audited_hierarchy: PublicHierarchy, facets: pl.DataFrame) -> AssetCheckResult:
    """No user_id or conversation_id of the partition appears in the public JSON or report."""
    from clio_dagster.core.privacy.checks import check_no_ids

    ids = chain(facets["conversation_id"].to_list(), facets["user_id"].to_list())
    return check_result(check_no_ids(_documents(audited_hierarchy), ids))
