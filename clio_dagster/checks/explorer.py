"""The explorer shows exactly what the published hierarchies say."""

from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from clio_dagster.assets.explorer import explorer
from clio_dagster.assets.partitions import DAILY
from clio_dagster.resources.settings import ClioSettings


@asset_check(asset=explorer, partitions_def=DAILY)
def explorer_matches_hierarchy(settings: ClioSettings) -> AssetCheckResult:
    """Node counts and totals embedded in the page equal those of every ``hierarchy.json``."""
    from clio_dagster.explorer import count_mismatches

    public_dir = settings.get().public_dir
    mismatches = count_mismatches(public_dir, public_dir / "explorer.html")
    return AssetCheckResult(
        passed=not mismatches,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(mismatches[:5]) or "counts match",
        metadata={"mismatches": len(mismatches)},
    )
