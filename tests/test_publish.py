import polars as pl

from clio_dagster.core.privacy.publish import (
    Thresholds,
    cluster_sizes,
    node_paths,
    node_statistics,
    surviving_clusters,
)
from clio_dagster.schema import HierarchyNode


def _data():
    rows = []
    for cluster, (n_users, per_user) in enumerate([(30, 2), (3, 10), (40, 1)]):
        for u in range(n_users):
            for j in range(per_user):
                rows.append(
                    (f"c{cluster}-{u}-{j}", f"u{cluster}-{u}", cluster, "en" if u else "is", 2 + cluster)
                )
    facets = pl.DataFrame(
        rows, schema=["conversation_id", "user_id", "cluster_id", "language", "concerning"], orient="row"
    )
    base = facets.select("conversation_id", "user_id", "cluster_id")
    return facets.drop("cluster_id"), base


def test_clusters_below_either_threshold_are_suppressed():
    _, base = _data()
    sizes = cluster_sizes(base)
    assert sizes["unique_users"].to_list() == [30, 3, 40]
    assert surviving_clusters(sizes, Thresholds(25, 25)) == [0, 2]
    assert surviving_clusters(sizes, Thresholds(25, 50)) == [0]


def _nodes():
    return [
        HierarchyNode(
            id="n0-0000",
            parent_id=None,
            depth=0,
            is_leaf=False,
            title="all",
            description="d",
            cluster_ids=[0, 2],
        ),
        HierarchyNode(
            id="n1-0000",
            parent_id="n0-0000",
            depth=1,
            is_leaf=True,
            title="a",
            description="d",
            cluster_ids=[0],
        ),
        HierarchyNode(
            id="n1-0001",
            parent_id="n0-0000",
            depth=1,
            is_leaf=True,
            title="b",
            description="d",
            cluster_ids=[2],
        ),
    ]


def test_node_statistics_add_up_and_fold_rare_languages():
    facets, base = _data()
    nodes = node_statistics(_nodes(), facets, base, thresholds=Thresholds(25, 25))
    top, a, b = nodes
    assert (a.conversation_count, a.unique_users) == (60, 30)
    assert (b.conversation_count, b.unique_users) == (40, 40)
    assert top.conversation_count == a.conversation_count + b.conversation_count
    assert top.unique_users == 70
    assert abs(top.share - 100 / 130) < 1e-6  # share of all conversations, suppressed included
    # one user writes Icelandic: that language is folded into "other", never shown on its own
    assert "is" not in a.languages and abs(a.languages["other"] - 2 / 60) < 1e-3
    assert a.concerning_mean == 2.0 and b.concerning_mean == 4.0


def test_node_paths_are_top_to_leaf_and_null_when_suppressed():
    _, base = _data()
    paths = node_paths(base, _nodes())
    by_cluster = {c: p for c, p in paths.select("cluster_id", "node_path").unique("cluster_id").iter_rows()}
    assert by_cluster[0] == ["n0-0000", "n1-0000"]
    assert by_cluster[2] == ["n0-0000", "n1-0001"]
    assert by_cluster[1] is None
    assert paths["conversation_id"].to_list() == base["conversation_id"].to_list()
