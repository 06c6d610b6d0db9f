"""The self-contained HTML explorer over every published date, built from public data only."""

from dagster import MaterializeResult, MetadataValue, asset

from clio_dagster.assets.operations import ALL_DATES, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import public_hierarchy
from clio_dagster.resources.settings import ClioSettings


@asset(
    partitions_def=DAILY,
    deps=[public_hierarchy],
    kinds={"html"},
    group_name="publish",
    backfill_policy=ALL_DATES,
)
@observed
def explorer(settings: ClioSettings) -> MaterializeResult:
    """Rebuilds ``public/explorer.html`` after each day is published (it covers all dates)."""
    from clio_dagster.explorer import build_explorer, explorer_metadata

    meta = explorer_metadata(build_explorer(settings.get().public_dir))
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(meta["path"]),
            "bytes": meta["bytes"],
            "dates": ", ".join(meta["dates"]),
            "nodes_latest": meta["nodes_latest"],
            "emerging_latest": MetadataValue.json(meta["emerging_latest"]),
            "top_nodes": MetadataValue.md(meta["top_nodes_markdown"]),
        }
    )
