"""The self-contained HTML explorer over every published date, built from public data only."""

import itertools
from collections.abc import Iterator, Sequence

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from clio_dagster.assets.operations import ALL_DATES, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.assets.publish import public_hierarchy, public_writer
from clio_dagster.config import Settings
from clio_dagster.core.privacy.gate import Evidence
from clio_dagster.resources.settings import ClioSettings


def stored_evidence(cfg: Settings, dates: Sequence[str]) -> Evidence:
    """Ids and raw text of the ``dates`` whose conversations are still in the restricted zone.

    The page repeats texts of days published earlier, which the gate checked against their own
    day when it wrote them; the days being built now are checked against theirs again here.
    """
    paths = [cfg.restricted_partition(d) / "conversations.parquet" for d in dates]
    paths = [p for p in paths if p.exists()]
    ids: set[str] = set()
    for path in paths:
        frame = pl.read_parquet(path, columns=["conversation_id", "user_id"])
        ids.update(frame["conversation_id"], frame["user_id"])

    def raw_texts() -> Iterator[str]:
        from clio_dagster.core.privacy.verbatim import conversation_texts

        return itertools.chain.from_iterable(
            conversation_texts(pl.read_parquet(p, columns=["messages"])) for p in paths
        )

    return Evidence(identifiers=frozenset(ids), raw_texts=raw_texts)


@asset(
    partitions_def=DAILY,
    deps=[public_hierarchy],
    kinds={"html"},
    group_name="publish",
    backfill_policy=ALL_DATES,
)
@observed
def explorer(context: AssetExecutionContext, settings: ClioSettings) -> MaterializeResult:
    """Rebuilds ``public/explorer.html`` after each day is published (it covers all dates), through
    the same gate as every public file."""
    from clio_dagster.explorer import build_explorer, explorer_metadata

    cfg = settings.get()
    # a backfill builds the page once for its whole range: its newest day is re-checked against that
    # day's conversations (loading every day's ids of a long range would not fit in memory); each
    # earlier day was checked against its own when the gate wrote its files
    evidence = stored_evidence(cfg, context.partition_keys[-1:])
    meta = explorer_metadata(build_explorer(public_writer(cfg), evidence))
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
