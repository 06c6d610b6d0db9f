"""The facet stage: run a ``FacetExtractor`` and check that what it returns honours the contract."""

from __future__ import annotations

import polars as pl

from clio_dagster.core.facets.custom import CUSTOM_FACET_DTYPES
from clio_dagster.core.interfaces import FacetExtractor, FacetResult, FacetSpec
from clio_dagster.schema import FACETS_SCHEMA


class FacetContractError(ValueError):
    """A backend returned facets that do not match FACETS_SCHEMA plus the declared custom facets."""


def expected_facet_schema(spec: FacetSpec) -> pl.Schema:
    """FACETS_SCHEMA followed by one column per custom facet, with its dtype."""
    columns = dict(FACETS_SCHEMA)
    columns.update({facet.name: CUSTOM_FACET_DTYPES[facet.type] for facet in spec.custom})
    return pl.Schema(columns)


def extract_facets(conversations: pl.DataFrame, *, extractor: FacetExtractor, spec: FacetSpec) -> FacetResult:
    """Facets for each conversation; per-item failures are returned, a broken contract raises."""
    return validate_facets(extractor.extract(conversations, spec), conversations["conversation_id"], spec)


def validate_facets(result: FacetResult, ids: pl.Series, spec: FacetSpec) -> FacetResult:
    """``result`` cast to the expected schema, after checking it answers exactly the conversations ``ids``."""
    expected = expected_facet_schema(spec)
    facets = result.facets
    missing = [name for name in expected if name not in facets.columns]
    if missing:
        raise FacetContractError(f"facets lack columns {missing}; the extractor must return {list(expected)}")
    # Integer widths and null-only columns may differ by backend: cast what casts losslessly.
    try:
        facets = facets.select([pl.col(name).cast(dtype, strict=True) for name, dtype in expected.items()])
    except pl.exceptions.InvalidOperationError as error:
        raise FacetContractError(f"facet columns do not cast to {dict(expected)}: {error}") from error
    failed = result.failures["conversation_id"].unique()
    if (~facets["conversation_id"].is_in(ids.implode())).any() or (~failed.is_in(ids.implode())).any():
        raise FacetContractError("facets or failures name conversations that are not in the input")
    answered = pl.concat([facets["conversation_id"], failed]).n_unique()
    if facets.height != facets["conversation_id"].n_unique() or answered != ids.n_unique():
        raise FacetContractError(
            f"{ids.len()} conversations in, {facets.height} facet rows and "
            f"{result.failures.height} failures out: every conversation needs one facet row or a failure"
        )
    if result.vectors is not None and len(result.vectors.rows.index) != ids.len():
        raise FacetContractError(f"{len(result.vectors.rows.index)} vectors for {ids.len()} conversations")
    concerning = facets["concerning"].drop_nulls()
    if concerning.len() and (concerning.min() < 1 or concerning.max() > 5):
        raise FacetContractError("concerning must be within 1..5")
    return FacetResult(facets=facets, failures=result.failures, stats=result.stats, vectors=result.vectors)
