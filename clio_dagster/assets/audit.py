"""Every text that may become public is PII-scanned and audited; failures are regenerated or withheld."""

import polars as pl
from dagster import AssetExecutionContext, MetadataValue, asset

from clio_dagster.assets.operations import LLM_POOL, LLM_RETRY, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import day_evidence
from clio_dagster.core.privacy.screen import (
    rare_proper_terms,
    rare_term_scanner,
    redact_findings,
    screen_hierarchy,
)
from clio_dagster.core.user_text import all_user_text
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode


@asset(
    partitions_def=DAILY,
    kinds={"privacy"},
    group_name="publish",
    pool=LLM_POOL,
    retry_policy=LLM_RETRY,
    backfill_policy=PER_DAY,
)
@observed
def audited_hierarchy(
    context: AssetExecutionContext,
    hierarchy: list[HierarchyNode],
    conversations: pl.DataFrame,
    settings: ClioSettings,
    llm: LLMResource,
) -> list[HierarchyNode]:
    """The hierarchy with only texts that passed the gate's judgement (PII, verbatim runs, ids) and
    the auditor: a failing text is regenerated once, else its node is withheld.

    Beside the scanner, any name-like word that fewer than ``min_unique_users`` users wrote today
    counts as a finding: an LLM namer that copied it (an obeyed injection, say) is caught even where
    the scanner does not know the name.
    """
    from clio_dagster.core.facets.local import label_words
    from clio_dagster.core.privacy.pii import scan_texts
    from clio_dagster.core.taxonomy.wording import fixed_words

    cfg = settings.get()
    words = conversations.select("user_id", all_user_text())
    rare = rare_proper_terms(words["user_text"], words["user_id"], min_unique_users=cfg.min_unique_users)
    # the local request facet's and the local namer's own fixed words reach titles legitimately
    rare -= label_words() | fixed_words()
    with llm.backends(cfg) as backends:
        result = screen_hierarchy(
            hierarchy,
            scan=rare_term_scanner(scan_texts, rare),
            auditor=backends.auditor,
            regenerate=redact_findings,
            evidence=day_evidence(conversations),
        )
        accounting = backends.metadata()
    context.add_output_metadata(
        {
            "nodes_in": len(hierarchy),
            "nodes_out": len(result.nodes),
            "regenerated": len(result.regenerated),
            "withheld": len(result.withheld),
            "findings_by_type": MetadataValue.json(result.findings_by_type),
            "rare_terms": len(rare),
            **accounting,
        }
    )
    return result.nodes
