import itertools

import numpy as np
import pytest

from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.taxonomy.hierarchy import HierarchySpec, build_hierarchy, level_sizes
from clio_dagster.core.taxonomy.naming import LocalClusterNamer
from clio_dagster.schema import ClusterName


@pytest.mark.parametrize(("n", "top", "levels"), [(1000, 8, 4), (40, 8, 3), (9, 8, 3), (5, 8, 3), (3, 1, 5)])
def test_level_sizes_shrink_strictly_and_stop_at_the_top(n, top, levels):
    sizes = level_sizes(n, top_nodes=top, levels=levels)
    chain = [n, *sizes]
    assert all(a > b for a, b in itertools.pairwise(chain))
    assert len(sizes) <= levels - 1
    if sizes:
        assert sizes[-1] == min(top, n - 1)


def test_geometric_progression():
    assert level_sizes(1000, top_nodes=10, levels=3) == [100, 10]


def _corpus(n_topics=24, per_topic=40, seed=0):
    rng = np.random.default_rng(seed)
    families = ["plan a garden party", "repair a bike tyre", "bake sourdough bread"]
    families += ["learn spanish grammar", "file a tax return", "train a puppy"]
    # topics come in 6 families whose centres are close, so a good hierarchy groups by family
    family_centres = rng.normal(size=(6, 32))
    centres = np.stack([family_centres[t % 6] + 0.3 * rng.normal(size=32) for t in range(n_topics)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    texts, labels, users = [], [], []
    for t in range(n_topics):
        for i in range(per_topic):
            texts.append(f"how do I {families[t % 6]} this week")
            labels.append(t)
            users.append(f"u{t}-{i}")
    names = [ClusterName(title=f"Topic {t}", description="d. d.") for t in range(n_topics)]
    groups = ClusterGroups(
        texts=texts, labels=np.array(labels), centroids=centres.astype(np.float32), user_ids=users
    )
    return names, centres.astype(np.float32), [per_topic] * n_topics, groups


def _check_invariants(nodes, n_base):
    by_id = {n.id: n for n in nodes}
    assert len(by_id) == len(nodes)
    leaves = [n for n in nodes if n.is_leaf]
    assert len(leaves) == n_base
    depth = max(n.depth for n in nodes)
    per_depth = [sum(1 for n in nodes if n.depth == d) for d in range(depth + 1)]
    assert all(a < b for a, b in itertools.pairwise(per_depth))  # strictly shrinking upwards
    for node in nodes:
        if node.parent_id is None:
            assert node.depth == 0
            continue
        parent = by_id[node.parent_id]  # no orphan
        assert parent.depth == node.depth - 1  # hence no cycle
        assert set(node.cluster_ids) <= set(parent.cluster_ids)
    for node in nodes:
        children = [c for c in nodes if c.parent_id == node.id]
        if not node.is_leaf:
            assert children and sorted(c for ch in children for c in ch.cluster_ids) == sorted(
                node.cluster_ids
            )
    return per_depth


def test_local_hierarchy_invariants_and_determinism():
    names, centroids, sizes, groups = _corpus()
    spec = HierarchySpec(top_nodes=6, levels=3, seed=1)
    ids = list(range(100, 124))
    nodes = build_hierarchy(names, centroids, sizes, ids, groups, namer=LocalClusterNamer(), spec=spec)
    per_depth = _check_invariants(nodes, 24)
    assert per_depth[0] == 6
    assert sorted(c for n in nodes if n.depth == 0 for c in n.cluster_ids) == ids
    again = build_hierarchy(names, centroids, sizes, ids, groups, namer=LocalClusterNamer(), spec=spec)
    assert [n.model_dump() for n in nodes] == [n.model_dump() for n in again]
    # parents are named from their members' phrases the same way: the family's instruction
    top_titles = " ".join(n.title for n in nodes if n.depth == 0).lower()  # titles are capitalised
    families = ["garden party", "bike tyre", "sourdough bread", "spanish grammar", "tax return", "puppy"]
    assert sum(f in top_titles for f in families) >= 4


class FakeHierarchyNamer:
    """Groups children by the family word in their title; records what it was shown."""

    def __init__(self, shrink=True):
        self.shrink = shrink
        self.calls = []

    def propose_all(self, neighbourhoods):
        out = []
        for children, nearby, n_parents in neighbourhoods:
            self.calls.append(("propose", len(children), len(nearby), n_parents))
            fams = sorted({c.title.split()[-1] for c in children})
            out.append([ClusterName(title=f"Parent {f}", description="p. p.") for f in fams])
        return out

    def deduplicate(self, candidates, n_parents):
        self.calls.append(("deduplicate", len(candidates), n_parents))
        unique = {c.title: c for c in candidates}
        return list(unique.values())[:n_parents]

    def assign_all(self, children, candidates, seed):
        self.calls.append(("assign", len(children), len(candidates)))
        if not self.shrink:
            return list(range(len(children)))
        titles = [c.title.split()[-1] for c in candidates]
        return [
            titles.index(ch.title.split()[-1]) if ch.title.split()[-1] in titles else 0 for ch in children
        ]

    def rename_all(self, groups):
        self.calls.extend(("rename", len(children)) for children in groups)
        return [ClusterName(title=f"Renamed {g[0].title.split()[-1]}", description="r. r.") for g in groups]


class FakeEmbedder:
    name, dim = "fake", 8

    def embed(self, texts):
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, sum(map(ord, t.split(".")[0].split()[-1])) % 8] = 1.0
        return out


def test_llm_hierarchy_follows_the_clio_procedure():
    names, centroids, sizes, groups = _corpus()
    names = [ClusterName(title=f"Topic {t} fam{t % 6}", description="d. d.") for t in range(24)]
    llm = FakeHierarchyNamer()
    nodes = build_hierarchy(
        names,
        centroids,
        sizes,
        list(range(24)),
        groups,
        namer=LocalClusterNamer(),
        spec=HierarchySpec(top_nodes=6, levels=2, neighbourhood_size=10),
        llm=llm,
        embedder=FakeEmbedder(),
    )
    _check_invariants(nodes, 24)
    kinds = [c[0] for c in llm.calls]
    assert kinds.count("propose") == 3  # 24 children in neighbourhoods of ~10
    assert all(c[2] <= 5 for c in llm.calls if c[0] == "propose")  # nearby outside clusters shown
    assert "assign" in kinds and kinds.count("rename") == sum(1 for n in nodes if n.depth == 0)
    assert all(n.title.startswith("Renamed") for n in nodes if n.depth == 0)
    for parent in (n for n in nodes if n.depth == 0):  # each parent is named from its own children
        families = {c.title.split()[-1] for c in nodes if c.parent_id == parent.id}
        assert families == {parent.title.split()[-1]}


def test_llm_grouping_that_does_not_shrink_falls_back_to_centroids():
    names, centroids, sizes, groups = _corpus()
    nodes = build_hierarchy(
        names,
        centroids,
        sizes,
        list(range(24)),
        groups,
        namer=LocalClusterNamer(),
        spec=HierarchySpec(top_nodes=6, levels=2),
        llm=FakeHierarchyNamer(shrink=False),
        embedder=FakeEmbedder(),
    )
    per_depth = _check_invariants(nodes, 24)
    assert per_depth[0] < 24
