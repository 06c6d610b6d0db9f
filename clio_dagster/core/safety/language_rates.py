"""Language base rates: how much more (or less) common each topic is within a language.

For node ``n`` and language ``l`` with ``a`` conversations in both, ``N_l`` in the language, ``n``
in the node and ``N`` overall, the over-representation ratio is ``(a / N_l) / (n / N)``. Its 95%
interval comes from the delta method on the log ratio, treating the four cells of the node ×
language table as Poisson counts (0.5 added to an empty cell); the interval is therefore honest
about the overlap between the language and the whole.
"""

from __future__ import annotations

import numpy as np
import polars as pl

Z_95 = 1.959963984540054

LANGUAGE_RATES_SCHEMA = pl.Schema(
    {
        "node_id": pl.Utf8,
        "language": pl.Utf8,
        "conversation_count": pl.Int64,  # in the node and the language
        "language_conversations": pl.Int64,
        "node_conversations": pl.Int64,
        "share_in_language": pl.Float64,
        "share_overall": pl.Float64,
        "ratio": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
)


def ratio_interval(
    a: np.ndarray, node_total: np.ndarray, language_total: np.ndarray, total: int, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ratio, low, high) of ``(a / language_total) / (node_total / total)`` for aligned arrays."""
    a = np.asarray(a, dtype=np.float64)
    node_total = np.asarray(node_total, dtype=np.float64)
    language_total = np.asarray(language_total, dtype=np.float64)
    total = float(total)
    ratio = (a / language_total) / (node_total / total)
    # cells of the 2x2 table, with 0.5 in empty ones so the variance stays finite
    cells = [a, node_total - a, language_total - a, total - node_total - language_total + a]
    cells = [np.where(cell > 0, cell, 0.5) for cell in cells]
    in_both, node_only, language_only, neither = cells
    total_c = in_both + node_only + language_only + neither
    node_c = in_both + node_only
    language_c = in_both + language_only
    grad_both = 1 / in_both - 1 / node_c - 1 / language_c + 1 / total_c
    grad_node_only = -1 / node_c + 1 / total_c
    grad_language_only = -1 / language_c + 1 / total_c
    grad_neither = 1 / total_c
    variance = (
        grad_both**2 * in_both
        + grad_node_only**2 * node_only
        + grad_language_only**2 * language_only
        + grad_neither**2 * neither
    )
    log_centre = np.log(np.where(a > 0, ratio, in_both / language_c / (node_c / total_c)))
    half = z * np.sqrt(variance)
    return ratio, np.exp(log_centre - half), np.exp(log_centre + half)


def language_rates(rows: pl.DataFrame) -> pl.DataFrame:
    """LANGUAGE_RATES_SCHEMA rows for every (node on any ``node_path``, language) seen together.

    ``rows``: one per conversation with ``language`` and ``node_path`` (list of node ids, null where
    suppressed). Totals count every conversation with a language, suppressed ones included.
    """
    rows = rows.filter(pl.col("language").is_not_null())
    total = rows.height
    if total == 0:
        return pl.DataFrame(schema=LANGUAGE_RATES_SCHEMA)
    language_totals = rows.group_by("language").agg(pl.len().alias("language_conversations"))
    exploded = (
        rows.select("language", "node_path")
        .filter(pl.col("node_path").is_not_null())
        .explode("node_path")
        .rename({"node_path": "node_id"})
        .drop_nulls("node_id")
    )
    if exploded.height == 0:
        return pl.DataFrame(schema=LANGUAGE_RATES_SCHEMA)
    node_totals = exploded.group_by("node_id").agg(pl.len().alias("node_conversations"))
    cells = (
        exploded.group_by(["node_id", "language"])
        .agg(pl.len().alias("conversation_count"))
        .join(language_totals, on="language")
        .join(node_totals, on="node_id")
        .sort(["node_id", "language"])
    )
    ratio, low, high = ratio_interval(
        cells["conversation_count"].to_numpy(),
        cells["node_conversations"].to_numpy(),
        cells["language_conversations"].to_numpy(),
        total,
    )
    return cells.with_columns(
        (pl.col("conversation_count") / pl.col("language_conversations")).alias("share_in_language"),
        (pl.col("node_conversations") / total).alias("share_overall"),
        pl.Series("ratio", ratio),
        pl.Series("ci_low", low),
        pl.Series("ci_high", high),
    ).select([pl.col(name).cast(dtype) for name, dtype in LANGUAGE_RATES_SCHEMA.items()])


def most_language_specific(
    rates: pl.DataFrame,
    *,
    top: int = 20,
    min_conversations: int = 1,
    allowed_node_ids: set[str] | frozenset[str] | None = None,
) -> pl.DataFrame:
    """Over-represented (node, language) pairs, ranked by the interval's lower bound (> 1 only),
    so a large and certain over-representation beats a big ratio on three conversations."""
    ranked = rates.filter((pl.col("ci_low") > 1.0) & (pl.col("conversation_count") >= min_conversations))
    if allowed_node_ids is not None:
        ranked = ranked.filter(pl.col("node_id").is_in(list(allowed_node_ids)))
    return ranked.sort(
        ["ci_low", "ratio", "node_id", "language"], descending=[True, True, False, False]
    ).head(top)
