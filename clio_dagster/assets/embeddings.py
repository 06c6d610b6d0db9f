"""Embeddings for clustering, rows aligned with ``facets``: the users' own words on the local backend,
the request facet on the LLM backends (DESIGN §1.2). Either way they stay in the restricted zone."""

import polars as pl
from dagster import AssetExecutionContext, asset

from clio_dagster.assets.operations import PER_DAY, observed
from clio_dagster.assets.partitions import DAILY
from clio_dagster.core.clustering.embed import DistinctRows, embed_day
from clio_dagster.core.clustering.vector_cache import VectorCache, embed_shards
from clio_dagster.core.facets.shards import shard_bounds
from clio_dagster.core.user_text import user_text
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.settings import ClioSettings


@asset(partitions_def=DAILY, kinds={"numpy"}, group_name="analysis", backfill_policy=PER_DAY)
@observed
def embeddings(
    context: AssetExecutionContext,
    conversations: pl.LazyFrame,
    facets: pl.LazyFrame,
    settings: ClioSettings,
    embedder: EmbedderResource,
) -> DistinctRows:
    """Stored dense (one float32 row per conversation); held here once per distinct text.

    User text is taken a facet shard at a time: a shard whose vectors the facet step already
    computed (the local backend scores concern from them) is loaded, not embedded again
    (``core.clustering.vector_cache``); only the missing shards are embedded.
    """
    cfg = settings.get()
    model = embedder.embedder(cfg)
    ids = facets.select("conversation_id").collect()["conversation_id"]
    cache = VectorCache(cfg.restricted_partition(context.partition_key))
    if cfg.embeds_user_text:
        # only the bounded text is collected, never the day's whole messages column
        day = conversations.select("conversation_id", user_text(cfg.embed_max_chars)).collect()
        if not day["conversation_id"].equals(ids):
            raise ValueError("facets and conversations are not in the same order: re-materialise facets")
        vectors, reused = embed_shards(model, day["user_text"], cfg.facet_shard_rows, cache=cache)
        del day
        metadata = {
            "input": "user_text",
            "max_chars": cfg.embed_max_chars,
            "shards": len(shard_bounds(len(ids), cfg.facet_shard_rows)),
            "shards_reused": reused,
        }
    else:
        cache.clear()  # vectors a facet step kept under other settings are of no use to this day
        vectors = embed_day(model, facets.select("request").collect()["request"])
        metadata = {"input": "request"}
    context.add_output_metadata(
        {
            "model": model.name,
            "rows": vectors.shape[0],
            "dim": vectors.shape[1],
            "distinct_texts": len(vectors.vectors),
            **metadata,
        }
    )
    return vectors
