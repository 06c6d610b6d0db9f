"""Trust-and-safety reports (restricted): classifier disagreement, coordinated accounts, language rates."""

import numpy as np
import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetOut,
    Output,
    TimeWindowPartitionMapping,
    asset,
    multi_asset,
)

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.resources.settings import ClioSettings

# coordination judges each account over this many days before the partition (its own history asset)
COORDINATION_WINDOW_DAYS = 7
# the asset of each day's payload evidence; the restricted store keeps it as `<name>.parquet`
COORDINATION_HISTORY = "coordination_history"


@asset(partitions_def=DAILY, kinds={"polars"}, group_name="safety", backfill_policy=PER_DAY)
@observed
def disagreement(
    context: AssetExecutionContext,
    conversations: pl.LazyFrame,
    facets: pl.LazyFrame,
    assignments: pl.DataFrame,
) -> dict:
    """Where the existing safety classifier and the concern facet disagree, per cluster and node."""
    from clio_dagster.core.safety.disagreement import disagreement_report

    rows = (
        facets.select("conversation_id", "user_id", "concerning")
        .join(
            conversations.select("conversation_id", "moderation_flagged", "moderation_score"),
            on="conversation_id",
            how="left",
            maintain_order="left",
        )
        .join(assignments.lazy(), on="conversation_id", how="left", maintain_order="left")
        .collect()
    )
    report = disagreement_report(rows)
    context.add_output_metadata(
        {
            "pearson": report["pearson"] if report["pearson"] is not None else float("nan"),
            "spearman": report["spearman"] if report["spearman"] is not None else float("nan"),
            "false_positive_nodes": len(report["false_positive_nodes"]),
            "false_negative_nodes": len(report["false_negative_nodes"]),
        }
    )
    return report


@multi_asset(
    outs={
        "coordinated": AssetOut(kinds={"faiss", "polars"}, group_name="safety"),
        COORDINATION_HISTORY: AssetOut(
            kinds={"polars"},
            group_name="safety",
            description="Each day's payload evidence per account, which the next days' coordination reads.",
        ),
    },
    # the same asset's previous days: `window` loads whichever exist
    ins={
        "history": AssetIn(
            COORDINATION_HISTORY,
            partition_mapping=TimeWindowPartitionMapping(
                start_offset=-COORDINATION_WINDOW_DAYS, end_offset=-1
            ),
            metadata={"window": True},
        )
    },
    partitions_def=DAILY,
    backfill_policy=PER_DAY,
)
@observed
def coordinated(
    context: AssetExecutionContext,
    conversations: pl.LazyFrame,
    facets: pl.LazyFrame,
    embeddings: np.ndarray,
    history: pl.DataFrame,
    settings: ClioSettings,
):
    """Groups of accounts whose requests share a template and a rare payload, judged over the
    trailing days, with evidence per account; and the day's payload evidence for the days after."""
    from clio_dagster.core.safety.coordination import HISTORY_SCHEMA, CoordinationParams, detect_coordination
    from clio_dagster.core.safety.templates import TemplateParams, template_text

    cfg = settings.get()
    date = context.partition_key
    # only the columns used: the users' words are read from the messages, the rest is never loaded
    rows = (
        facets.select("conversation_id", "user_id", "request")
        .join(
            conversations.select("conversation_id", "created_at", template_text()),
            on="conversation_id",
            how="left",
            maintain_order="left",
        )
        .collect()
    )
    params = CoordinationParams(
        window_days=COORDINATION_WINDOW_DAYS,
        templates=TemplateParams(seed=cfg.seed, threads=cfg.embed_threads),
    )
    history = history if history.width else pl.DataFrame(schema=HISTORY_SCHEMA)
    result = detect_coordination(rows, embeddings, params, date=date, history=history)
    groups = result.groups
    yield Output(result.history, output_name=COORDINATION_HISTORY)
    yield Output(
        groups,
        output_name="coordinated",
        metadata={
            "groups": groups["group_id"].n_unique(),
            "accounts": groups["user_id"].n_unique(),
            "history_days": history["date"].n_unique(),
        },
    )


@asset(partitions_def=DAILY, kinds={"polars"}, group_name="safety", backfill_policy=PER_DAY)
@observed
def language_rates(facets: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    """Each node's share within each language against its share overall, with a 95% interval."""
    from clio_dagster.core.safety.language_rates import language_rates as rates

    rows = facets.select("conversation_id", "user_id", "language").join(
        assignments.select("conversation_id", "node_path"), on="conversation_id", maintain_order="left"
    )
    users = (
        rows.explode("node_path")
        .drop_nulls("node_path")
        .group_by("node_path", "language")
        .agg(pl.col("user_id").n_unique().alias("unique_users"))
        .rename({"node_path": "node_id"})
    )
    return rates(rows).join(users, on=["node_id", "language"], how="left", maintain_order="left")
