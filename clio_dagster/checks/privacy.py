"""Privacy checks on the candidate public day (DESIGN §4.6).

Each is blocking: one failure stops ``public_hierarchy`` for that day and fails the run, which
pages on-call. Each judges the exact bytes ``public_hierarchy`` would write (every public file of
the day), with the same function as the gate at the door of ``public/``, so a check and the gate
never disagree. The WARN checks on input quality live with their assets (ingest, facets).
"""

from dataclasses import dataclass

import polars as pl
from dagster import AssetCheckResult, AssetChecksDefinition, AssetIn, asset_check

from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import candidate_files, candidate_hierarchy, day_evidence, publication_rules
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.core.privacy.gate import Evidence
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import PublicHierarchy

DAY_REPORTS = {"disagreement": AssetIn("disagreement"), "language_rates": AssetIn("language_rates")}
WITH_CONVERSATIONS = {**DAY_REPORTS, "conversations": AssetIn("conversations")}


@dataclass(frozen=True)
class PublicFileCheck:
    """One blocking check: its Dagster name, the gate's check it runs, and what it guarantees."""

    name: str
    gate_check: str  # one of core.privacy.gate.CHECKS
    description: str
    # checks that compare public text with the day's ids and raw text load the conversations;
    # the others do not, since loading a day of conversations is the costly part
    needs_conversations: bool = False


PUBLIC_FILE_CHECKS = (
    PublicFileCheck(
        "thresholds_on_every_node",
        "thresholds",
        "Every node at every level has enough distinct users and conversations and a public parent; "
        "every published file cites only public nodes and states the configured thresholds.",
    ),
    PublicFileCheck(
        "no_pii_in_public_text",
        "pii",
        "The PII scanner finds nothing in any string of any public file, each judged on its own.",
    ),
    PublicFileCheck(
        "audit_scores_pass",
        "audit_scores",
        "Every text the auditor scored reached the bar (the local backend has no auditor).",
    ),
    PublicFileCheck(
        "no_verbatim_text",
        "verbatim",
        "No run of 8 or more consecutive words of any conversation appears in public text.",
        needs_conversations=True,
    ),
    PublicFileCheck(
        "no_identifiers",
        "ids",
        "No user_id or conversation_id of the partition appears in any public file.",
        needs_conversations=True,
    ),
)


def _verify(
    check: PublicFileCheck,
    settings: ClioSettings,
    candidate: PublicHierarchy,
    disagreement: dict,
    language_rates: pl.DataFrame,
    evidence: Evidence,
) -> AssetCheckResult:
    from clio_dagster.core.privacy.gate import verify_public_files
    from clio_dagster.core.privacy.pii import scan_texts

    cfg = settings.get()
    files = candidate_files(cfg, candidate, disagreement, language_rates)
    return check_result(
        verify_public_files(
            files,
            rules=publication_rules(cfg),
            evidence=evidence,
            scanner=scan_texts,
            checks={check.gate_check},
        )
    )


def public_file_check(check: PublicFileCheck) -> AssetChecksDefinition:
    """The Dagster asset check that runs ``check`` on the candidate day's public files.

    Dagster reads a check's inputs from its signature, so the two input sets need two signatures.
    """
    decorate = asset_check(
        asset=candidate_hierarchy,
        name=check.name,
        description=check.description,
        blocking=True,
        partitions_def=DAILY,
        additional_ins=WITH_CONVERSATIONS if check.needs_conversations else DAY_REPORTS,
    )
    if check.needs_conversations:

        @decorate
        def against_the_day(
            candidate_hierarchy: PublicHierarchy,
            disagreement: dict,
            language_rates: pl.DataFrame,
            conversations: pl.DataFrame,
            settings: ClioSettings,
        ) -> AssetCheckResult:
            evidence = day_evidence(conversations)
            return _verify(check, settings, candidate_hierarchy, disagreement, language_rates, evidence)

        return against_the_day

    @decorate
    def on_the_files(
        candidate_hierarchy: PublicHierarchy,
        disagreement: dict,
        language_rates: pl.DataFrame,
        settings: ClioSettings,
    ) -> AssetCheckResult:
        return _verify(check, settings, candidate_hierarchy, disagreement, language_rates, Evidence())

    return on_the_files


privacy_checks = [public_file_check(check) for check in PUBLIC_FILE_CHECKS]
