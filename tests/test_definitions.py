from dagster import AssetKey


def test_definitions_load_with_every_stage_and_check():
    from clio_dagster.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "conversations",
        "facets",
        "embeddings",
        "base_clusters",
        "cluster_names",
        "hierarchy",
        "assignments",
        "audited_hierarchy",
        "tracked_hierarchy",
        "candidate_hierarchy",
        "public_hierarchy",
    } <= keys
    checks = {c.name for c in graph.asset_check_keys}
    assert {"thresholds_on_every_node", "no_identifiers"} <= checks
    partitions = {
        graph.get(k).partitions_def for k in graph.get_all_asset_keys() if graph.get(k).is_materializable
    }
    assert len(partitions) == 1  # one daily partitioning shared by every asset
    # every check too, those yielded inside assets included (quarantine_rate, no_surging_topics)
    check_partitions = {c.name: graph.get(c).partitions_def for c in graph.asset_check_keys}
    assert set(check_partitions.values()) == partitions, check_partitions
    assert graph.get(AssetKey("public_hierarchy")).partitions_def.get_partition_key_range_for_time_window


def test_every_llm_step_retries_with_backoff():
    """Each op that claims the ``llm`` pool is retried as a whole, with exponential, jittered backoff."""
    from dagster import Backoff, Jitter

    from clio_dagster.assets.operations import LLM_POOL
    from clio_dagster.definitions import defs

    job = defs.resolve_job_def("clio_daily")
    llm_steps = [
        (handle, job.graph.get_node(handle))
        for handle in job.graph.iterate_node_handles()
        if getattr(job.graph.get_node(handle).definition, "pool", None) == LLM_POOL
    ]
    names = {node.definition.name for _, node in llm_steps}
    assert {"prepare_facet_shard", "render_facet_shard", "cluster_names", "hierarchy"} <= names
    for handle, node in llm_steps:
        policy = job.get_retry_policy_for_handle(handle)
        assert policy is not None, node.definition.name
        assert policy.max_retries >= 1 and policy.delay and policy.delay > 0
        assert policy.backoff == Backoff.EXPONENTIAL and policy.jitter == Jitter.PLUS_MINUS


def test_the_taxonomy_depends_on_its_own_trailing_week():
    """Cross-day lineage is in the graph: each day's taxonomy (and the tracking that writes it) reads
    the previous seven days' taxonomy partitions, so backfills track the days in date order."""
    from dagster import AssetKey

    from clio_dagster.definitions import defs

    graph = defs.resolve_asset_graph()
    taxonomy = AssetKey("taxonomy")
    assert taxonomy in graph.get(taxonomy).parent_keys
    assert taxonomy in graph.get(AssetKey("tracked_hierarchy")).parent_keys
    parents = graph.get_parents_partitions(taxonomy, "2026-11-10").parent_partitions
    assert sorted(p.partition_key for p in parents if p.asset_key == taxonomy) == [
        f"2026-11-0{day}" for day in range(3, 10)
    ]
