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
