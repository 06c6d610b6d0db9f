"""Every text that may become public is PII-scanned and audited; failures are regenerated or withheld."""

from dagster import AssetExecutionContext, MetadataValue, asset

from clio_dagster.assets.operations import LLM_POOL, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.audit import redact_findings, screen_hierarchy
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.schema import HierarchyNode


@asset(partitions_def=DAILY, kinds={"privacy"}, group_name="publish", pool=LLM_POOL, backfill_policy=PER_DAY)
@observed
def screened_hierarchy(
    context: AssetExecutionContext, hierarchy: list[HierarchyNode], settings: ClioSettings, llm: LLMResource
) -> list[HierarchyNode]:
    """The hierarchy with only texts that passed the PII scanner and the auditor."""
    from clio_dagster.core.privacy.pii import scan_texts

    with llm.backends(settings.get()) as backends:
        result = screen_hierarchy(
            hierarchy, scan=scan_texts, auditor=backends.auditor, regenerate=redact_findings
        )
        accounting = backends.metadata()
    context.add_output_metadata(
        {
            "nodes_in": len(hierarchy),
            "nodes_out": len(result.nodes),
            "regenerated": len(result.regenerated),
            "withheld": len(result.withheld),
            "findings_by_type": MetadataValue.json(result.findings_by_type),
            **accounting,
        }
    )
    return result.nodes
