"""Privacy checks on the candidate public day (DESIGN §4.6).

Each is blocking: one failure stops ``public_hierarchy`` for that day and fails the run, which
pages on-call. Each judges the exact bytes ``public_hierarchy`` would write (every public file of
the day), with the same function as the gate at the door of ``public/``, so a check and the gate
never disagree. The WARN checks on input quality live with their assets (ingest, facets).
"""

import polars as pl
from dagster import AssetCheckResult, AssetIn, asset_check

from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import candidate_files, candidate_hierarchy, day_evidence, publication_rules
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.privacy.gate import Evidence
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import PublicHierarchy

DAY_REPORTS = {"disagreement": AssetIn("disagreement"), "language_rates": AssetIn("language_rates")}
WITH_CONVERSATIONS = {**DAY_REPORTS, "conversations": AssetIn("conversations")}


def _verify(
    check: str,
    settings: ClioSettings,
    candidate: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    evidence: Evidence | None = None,
) -> AssetCheckResult:
    from clio_dagster.core.privacy.gate import verify_public_files
    from clio_dagster.core.privacy.pii import scan_texts

    cfg = settings.get()
    files = candidate_files(cfg, candidate, disagreement, language_rates)
    return check_result(
        verify_public_files(
            files,
            rules=publication_rules(cfg),
            evidence=evidence or Evidence(),
            scanner=scan_texts,
            checks={check},
        )
    )


@asset_check(asset=candidate_hierarchy, blocking=True, partitions_def=DAILY, additional_ins=DAY_REPORTS)
def thresholds_on_every_node(
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    settings: ClioSettings,
) -> AssetCheckResult:
    """Every node at every level has enough distinct users and conversations and a public parent;
    every published file cites only public nodes and states the configured thresholds."""
    return _verify("thresholds", settings, candidate_hierarchy, disagreement, language_rates)


@asset_check(asset=candidate_hierarchy, blocking=True, partitions_def=DAILY, additional_ins=DAY_REPORTS)
def no_pii_in_public_text(
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    settings: ClioSettings,
) -> AssetCheckResult:
    """The PII scanner finds nothing in any string of any public file, each judged on its own."""
    return _verify("pii", settings, candidate_hierarchy, disagreement, language_rates)


@asset_check(asset=candidate_hierarchy, blocking=True, partitions_def=DAILY, additional_ins=DAY_REPORTS)
def audit_scores_pass(
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    settings: ClioSettings,
) -> AssetCheckResult:
    """Every text the auditor scored reached the bar (the local backend has no auditor)."""
    return _verify("audit_scores", settings, candidate_hierarchy, disagreement, language_rates)


@asset_check(
    asset=candidate_hierarchy, blocking=True, partitions_def=DAILY, additional_ins=WITH_CONVERSATIONS
)
def no_verbatim_text(
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    conversations: pl.DataFrame,
    settings: ClioSettings,
) -> AssetCheckResult:
    """No run of 8 or more consecutive words of any conversation appears in public text."""
    evidence = day_evidence(conversations)
    return _verify("verbatim", settings, candidate_hierarchy, disagreement, language_rates, evidence)


@asset_check(
    asset=candidate_hierarchy, blocking=True, partitions_def=DAILY, additional_ins=WITH_CONVERSATIONS
)
def no_identifiers(
    candidate_hierarchy: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    conversations: pl.DataFrame,
    settings: ClioSettings,
) -> AssetCheckResult:
    """No user_id or conversation_id of the partition appears in any public file."""
    evidence = day_evidence(conversations)
    return _verify("ids", settings, candidate_hierarchy, disagreement, language_rates, evidence)
