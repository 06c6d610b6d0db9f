"""The exact bytes of one day's public files, rendered from the candidate public hierarchy.

The blocking checks judge these bytes and the publishing step writes them through the gate, so
what was checked is what goes out, byte for byte.
"""

from __future__ import annotations

import json

import polars as pl

from clio_dagster.core.privacy.publish import Thresholds
from clio_dagster.core.safety.disagreement import public_view
from clio_dagster.core.taxonomy.report import render_report
from clio_dagster.schema import PublicHierarchy

EXACT_COUNTS = ("conversation_count", "moderated_count", "flagged_count", "unique_users")
LANGUAGE_COLUMNS = ["node_id", "language", "ratio", "ci_low", "ci_high", "share_in_language", "share_overall"]


def public_day_files(
    hierarchy: PublicHierarchy,
    *,
    disagreement: dict,
    language_rates: pl.DataFrame,
    taxonomy_paragraph: str,
    thresholds: Thresholds,
    dp: bool,
) -> dict[str, bytes]:
    """``<date>/hierarchy.json``, ``report.md``, ``disagreement.json`` and ``languages.json``."""
    date = hierarchy.date
    public_ids = {n.id for n in hierarchy.nodes}
    view = public_view(disagreement, public_ids)
    if dp:
        view = without_exact_counts(view)
    return {
        f"{date}/hierarchy.json": (hierarchy.model_dump_json(indent=1) + "\n").encode(),
        f"{date}/report.md": (render_report(hierarchy) + f"\n{taxonomy_paragraph}\n").encode(),
        f"{date}/disagreement.json": _json(view),
        f"{date}/languages.json": _json(public_language_rates(language_rates, public_ids, thresholds)),
    }


def public_language_rates(rates: pl.DataFrame, node_ids: set[str], thresholds: Thresholds) -> dict:
    """Node × language over-representation, only for cells that pass both privacy thresholds."""
    from clio_dagster.core.safety.language_rates import most_language_specific

    cells = rates.filter(
        pl.col("node_id").is_in(list(node_ids))
        & (pl.col("unique_users") >= thresholds.min_unique_users)
        & (pl.col("conversation_count") >= thresholds.min_conversations)
    ).drop("unique_users")
    return {
        "nodes": cells.select(LANGUAGE_COLUMNS).sort("node_id", "language").to_dicts(),
        "most_specific": most_language_specific(cells).select(LANGUAGE_COLUMNS).to_dicts(),
    }


def without_exact_counts(view: dict) -> dict:
    """Under differential privacy the noisy counts of hierarchy.json are the only counts published:
    exact ones beside them would let anyone subtract the noise."""
    lists = ("false_positive_nodes", "false_negative_nodes", "nodes")
    return {
        key: [{k: v for k, v in item.items() if k not in EXACT_COUNTS} for item in value]
        if key in lists
        else value
        for key, value in view.items()
    }


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()
