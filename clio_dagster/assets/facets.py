"""Privacy-preserving facets of every conversation (DESIGN §1.1), sharded within the day.

A graph-backed asset: the day is cut into shards of ``facet_shard_rows`` conversations (dynamic
outputs), each shard is prepared in its own step, the day's k-anonymous vocabulary is built once
from every shard's (token, user) pairs, each shard's unsure languages are settled with every
shard's language evidence and the shard is rendered in its own step, and the shards are
collected in order. The multiprocess, k8s or celery executors run the shard steps in parallel;
see ``core/facets/shards.py`` for why the vocabulary needs the whole day first.
"""

import io

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    DynamicOut,
    DynamicOutput,
    OpExecutionContext,
    Out,
    Output,
    graph_asset,
    op,
)

from clio_dagster.assets.operations import LLM_POOL, LLM_RETRY, PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.checks.privacy_results import check_result
from clio_dagster.config import Settings
from clio_dagster.core.clustering.embed import UserTextVectors, make_embedder
from clio_dagster.core.clustering.vector_cache import VectorCache
from clio_dagster.core.facets.shards import (
    as_two_pass,
    combine_shards,
    day_vocabulary,
    render_shard,
    shard_bounds,
)
from clio_dagster.core.files import write_restricted_bytes
from clio_dagster.core.interfaces import FacetResult, FacetSpec
from clio_dagster.core.privacy.checks import check_facet_failure_rate
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings


def _spec(settings: ClioSettings) -> FacetSpec:
    cfg = settings.get()
    return FacetSpec(custom=tuple(cfg.custom_facets), min_unique_users=cfg.min_unique_users)


@op(out=DynamicOut(pl.DataFrame))
def facet_shards(conversations: pl.DataFrame, settings: ClioSettings):
    """The day's conversations in consecutive shards (zero-copy slices), in order."""
    for index, (offset, length) in enumerate(
        shard_bounds(conversations.height, settings.get().facet_shard_rows)
    ):
        yield DynamicOutput(conversations.slice(offset, length), mapping_key=f"shard_{index:05d}")


def facet_failure_check(failed: int, total: int, bound: float) -> AssetCheckResult:
    """ERROR (blocking) above the configured failure-rate bound; WARN when any item failed below it."""
    over = check_facet_failure_rate(failed, total, max_rate=bound)
    if over or not failed:
        return check_result(over)
    return check_result(check_facet_failure_rate(failed, total, max_rate=0.0), warn=True)


def _additive(accounting: dict) -> dict:
    """The accounting figures that add up across shards (calls, tokens, cost), not percentiles."""
    return {k: v for k, v in accounting.items() if isinstance(v, int | float) and "latency" not in k}


@op(
    out={"prepared": Out(pl.DataFrame), "pairs": Out(pl.DataFrame), "languages": Out(pl.DataFrame)},
    pool=LLM_POOL,
    retry_policy=LLM_RETRY,
)
def prepare_facet_shard(shard: pl.DataFrame, settings: ClioSettings, llm: LLMResource):
    """Per-conversation work of one shard, its (token, user) pairs for the day's vocabulary and
    its users' confident languages for settling unsure ones."""
    with llm.backends(settings.get()) as backends:
        extractor = as_two_pass(backends.facets)
        prepared = extractor.prepare(shard, _spec(settings))
        return prepared, extractor.token_pairs(prepared), extractor.language_evidence(prepared)


@op
def facet_vocabulary(
    context: OpExecutionContext, pairs: list[pl.DataFrame], settings: ClioSettings, llm: LLMResource
) -> pl.DataFrame:
    """Words used by at least ``min_unique_users`` distinct users over the whole day (and what
    rarer words are shown as)."""
    with llm.backends(settings.get()) as backends:
        vocabulary = day_vocabulary(as_two_pass(backends.facets), pairs, _spec(settings))
    context.add_output_metadata({"vocabulary_size": vocabulary.height, "shards": len(pairs)})
    return vocabulary


@op
def facet_language_evidence(context: OpExecutionContext, languages: list[pl.DataFrame]) -> pl.DataFrame:
    """Every shard's (user, confident language) counts in one table: the day's evidence."""
    evidence = pl.concat(languages)
    context.add_output_metadata({"evidence_rows": evidence.height, "shards": len(languages)})
    return evidence


def embeddings_reuse(cfg: Settings, vectors: UserTextVectors) -> bool:
    """Whether the ``embeddings`` asset will ask for exactly these vectors: it embeds the users'
    own words, cut to the same bound, with the same model."""
    return (
        cfg.embeds_user_text
        and cfg.embed_max_chars == vectors.max_chars
        and make_embedder(cfg.embedder, threads=1).name == vectors.embedder
    )


@op(
    out={"facets": Out(pl.DataFrame), "failures": Out(pl.DataFrame), "stats": Out(dict)},
    pool=LLM_POOL,
    retry_policy=LLM_RETRY,
)
def render_facet_shard(
    context: OpExecutionContext,
    prepared: pl.DataFrame,
    vocabulary: pl.DataFrame,
    language_evidence: pl.DataFrame,
    settings: ClioSettings,
    llm: LLMResource,
):
    """Facets of one shard, languages settled by the day's evidence, requests drawn from the day's
    vocabulary; contract checked per shard. The user-text vectors the extractor computed on the
    way are kept for the ``embeddings`` asset when it will want them (``core.clustering.vector_cache``)."""
    cfg = settings.get()
    with llm.backends(cfg) as backends:
        extractor = as_two_pass(backends.facets)
        settled = extractor.with_day_languages(prepared, [language_evidence])
        result = render_shard(extractor, settled, vocabulary, _spec(settings))
        accounting = _additive(backends.metadata())
    stats = {**result.stats, **accounting, "shards_with_stored_vectors": 0}
    if result.vectors is not None and embeddings_reuse(cfg, result.vectors):
        VectorCache(cfg.restricted_partition(context.partition_key)).store(result.vectors)
        stats["shards_with_stored_vectors"] = 1
    return result.facets, result.failures, stats


@op(out={"result": Out(pl.DataFrame), "facet_failure_rate": Out(is_required=False)})
@observed
def collect_facets(
    context: OpExecutionContext,
    facets: list[pl.DataFrame],
    failures: list[pl.DataFrame],
    stats: list[dict],
    settings: ClioSettings,
    llm: LLMResource,
):
    """Shards in order; failures to ``facet_failures.parquet``; the check on the failure rate."""
    result = combine_shards([FacetResult(f, e, s) for f, e, s in zip(facets, failures, stats, strict=True)])
    buffer = io.BytesIO()
    result.failures.write_parquet(buffer)
    path = settings.get().restricted_partition(context.partition_key) / "facet_failures.parquet"
    write_restricted_bytes(path, buffer.getvalue())
    total = result.facets.height + result.failures["conversation_id"].n_unique()
    rate = facet_failure_check(result.failures["conversation_id"].n_unique(), total, llm.failure_rate_bound())
    yield AssetCheckResult(
        asset_key="facets",
        check_name="facet_failure_rate",
        passed=rate.passed,
        severity=rate.severity,
        description=rate.description,
        metadata=rate.metadata,
    )
    yield Output(
        result.facets,
        metadata={
            "conversations": result.facets.height,
            "failures": result.failures.height,
            "languages": result.facets["language"].n_unique(),
            **result.stats,
        },
    )


@graph_asset(
    partitions_def=DAILY,
    kinds={"polars"},
    group_name="analysis",
    backfill_policy=PER_DAY,
    check_specs=[AssetCheckSpec("facet_failure_rate", asset="facets", blocking=True, partitions_def=DAILY)],
)
def facets(conversations: pl.DataFrame):
    """One row per conversation, in input order; per-item LLM failures go to ``facet_failures.parquet``."""
    prepared, pairs, languages = facet_shards(conversations).map(prepare_facet_shard)
    vocabulary = facet_vocabulary(pairs.collect())
    evidence = facet_language_evidence(languages.collect())
    rendered, failed, stats = prepared.map(lambda shard: render_facet_shard(shard, vocabulary, evidence))
    return collect_facets(rendered.collect(), failed.collect(), stats.collect())
