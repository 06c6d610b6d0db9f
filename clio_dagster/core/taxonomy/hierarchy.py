"""The multi-level hierarchy over named base clusters (DESIGN §1.5).

Levels are built bottom-up with geometric sizes between the base count and the top count. Each
level is strictly smaller than the one below, so the construction always terminates, and every
child gets exactly one parent. Two strategies share this skeleton:

- local: group the level's centroids with spherical k-means, name parents from their members' terms;
- llm: embed the level's names, form neighbourhoods, let the model propose parents (seeing nearby
  outside clusters), merge equivalent candidates, assign children with shuffled options, then
  rename each parent from the children it actually received.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clio_dagster.core.clustering.cluster import spherical_kmeans
from clio_dagster.core.interfaces import ClusterGroups, ClusterNamer, Embedder, HierarchyNamer
from clio_dagster.core.mapped import float32_blocks
from clio_dagster.schema import ClusterName, HierarchyNode


@dataclass(frozen=True)
class HierarchySpec:
    top_nodes: int = 8
    levels: int = 3  # including the base level
    seed: int = 0
    neighbourhood_size: int = 40
    nearby_outside: int = 5


def level_sizes(n_base: int, *, top_nodes: int, levels: int) -> list[int]:
    """Sizes of the levels above the base, geometric from ``n_base`` to ``top_nodes``, strictly shrinking."""
    if n_base <= 1 or levels < 2:
        return []
    top = max(1, min(top_nodes, n_base - 1))
    sizes: list[int] = []
    previous = n_base
    for step in range(1, levels):
        size = round(n_base * (top / n_base) ** (step / (levels - 1)))
        size = max(top, min(size, previous - 1))
        if size < 1 or size >= previous:
            break
        sizes.append(size)
        previous = size
    return sizes


@dataclass
class _Level:
    names: list[ClusterName]
    centroids: np.ndarray  # unit rows
    sizes: np.ndarray  # conversations per node
    base_members: list[list[int]]  # base cluster ids under each node


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def _parents_from_labels(level: _Level, labels: np.ndarray) -> tuple[np.ndarray, list[list[int]]]:
    """Contiguous parent labels ordered by parent size (largest first), and children per parent."""
    unique = np.unique(labels)
    weight = {int(p): float(level.sizes[labels == p].sum()) for p in unique}
    order = sorted(weight, key=lambda p: (-weight[p], p))
    remap = {p: i for i, p in enumerate(order)}
    contiguous = np.array([remap[int(p)] for p in labels], dtype=np.int64)
    children = [np.flatnonzero(contiguous == i).tolist() for i in range(len(order))]
    return contiguous, children


def _aggregate(level: _Level, children: list[list[int]]) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    centroids = np.stack([(level.centroids[c] * level.sizes[c, None]).sum(axis=0) for c in children])
    sizes = np.array([level.sizes[c].sum() for c in children])
    members = [sorted(m for child in c for m in level.base_members[child]) for c in children]
    return _unit(centroids), sizes, members


def _group_by_centroids(level: _Level, size: int, seed: int, *, min_groups: int) -> np.ndarray:
    """k-means on the level's centroids. A parent left with a single child would only repeat its
    child's name one level up, so such children are folded into their most similar multi-child
    group, most similar first, while at least ``min_groups`` groups remain."""
    result = spherical_kmeans(level.centroids, size, seed=seed, min_size=1)
    labels = result.labels.copy()
    counts = np.bincount(labels, minlength=len(result.centroids))
    groups = int((counts > 0).sum())
    singles = np.flatnonzero(counts[labels] == 1)
    if len(singles) == 0 or (counts >= 2).sum() == 0:
        return labels
    similarity = level.centroids[singles] @ result.centroids.T
    similarity[:, counts < 2] = -np.inf
    best = similarity.argmax(axis=1)
    for i in np.argsort(-similarity.max(axis=1), kind="stable"):
        if groups <= min_groups:
            break
        labels[singles[i]] = best[i]
        groups -= 1
    return labels


def _group_with_llm(
    level: _Level, size: int, *, llm: HierarchyNamer, embedder: Embedder, spec: HierarchySpec, seed: int
) -> tuple[np.ndarray, list[ClusterName]] | None:
    """One level by the Clio procedure; None when the model's grouping would not shrink the level."""
    n = len(level.names)
    name_vectors = embedder.embed([f"{c.title}. {c.description}" for c in level.names])
    n_neighbourhoods = max(1, math.ceil(n / spec.neighbourhood_size))
    neighbourhood = (
        spherical_kmeans(name_vectors, n_neighbourhoods, seed=seed, min_size=1).labels
        if n_neighbourhoods > 1
        else np.zeros(n, dtype=np.int64)
    )
    requests = []
    for hood in np.unique(neighbourhood):
        inside = np.flatnonzero(neighbourhood == hood)
        outside = np.flatnonzero(neighbourhood != hood)
        centre = _unit(name_vectors[inside].mean(axis=0, keepdims=True))[0]
        nearby = outside[np.argsort(-(name_vectors[outside] @ centre))[: spec.nearby_outside]]
        wanted = max(1, round(size * len(inside) / n))
        requests.append(([level.names[i] for i in inside], [level.names[i] for i in nearby], wanted))
    candidates = [c for proposed in llm.propose_all(requests) for c in proposed]
    if len(candidates) > size:
        candidates = llm.deduplicate(candidates, size)
    if not candidates:
        return None
    labels = np.asarray(llm.assign_all(level.names, candidates, seed), dtype=np.int64)
    if len(np.unique(labels)) >= n:
        return None
    _, children = _parents_from_labels(level, labels)
    # renamed[i] names parent i in the contiguous order that _parents_from_labels gives
    renamed = llm.rename_all([[level.names[c] for c in group] for group in children])
    return labels, renamed


def build_hierarchy(
    base_names: Sequence[ClusterName],
    base_centroids: np.ndarray,
    base_sizes: Sequence[int],
    base_cluster_ids: Sequence[int],
    groups: ClusterGroups,
    *,
    namer: ClusterNamer,
    spec: HierarchySpec,
    llm: HierarchyNamer | None = None,
    embedder: Embedder | None = None,
) -> list[HierarchyNode]:
    """Nodes from the top level (depth 0) down to the base clusters (leaves), ids ``n<depth>-<index>``.

    Base cluster ``i`` of the inputs is the cluster ``base_cluster_ids[i]`` of the partition;
    ``groups`` holds the request texts with labels ``i``; the local strategy
    names parents from it. With ``llm`` and ``embedder`` the Clio procedure is used, falling back to
    centroid grouping for a level whose proposals would not shrink it.
    """
    n_base = len(base_names)
    level = _Level(
        list(base_names),
        _unit(np.asarray(base_centroids, dtype=np.float32)),
        np.asarray(base_sizes, dtype=np.float64),
        [[i] for i in range(n_base)],
    )
    levels: list[_Level] = [level]
    parent_of: list[np.ndarray] = []
    for depth_from_base, size in enumerate(level_sizes(n_base, top_nodes=spec.top_nodes, levels=spec.levels)):
        seed = spec.seed + depth_from_base + 1
        if depth_from_base and len(level.names) <= spec.top_nodes:
            break  # folded singletons already brought this level down to the top count
        size = min(size, len(level.names) - 1)
        proposal = None
        if llm is not None and embedder is not None:
            proposal = _group_with_llm(level, size, llm=llm, embedder=embedder, spec=spec, seed=seed)
        floor = min(size, max(spec.top_nodes, math.ceil(size / 2)))
        labels = proposal[0] if proposal else _group_by_centroids(level, size, seed, min_groups=floor)
        contiguous, children = _parents_from_labels(level, labels)
        centroids, sizes, members = _aggregate(level, children)
        if proposal:
            names = proposal[1]
        else:
            base_to_parent = np.empty(n_base, dtype=np.int64)
            for parent, base_ids in enumerate(members):
                base_to_parent[base_ids] = parent
            taken = frozenset(n.title for lower in levels for n in lower.names)
            names = namer.name_clusters(
                ClusterGroups(
                    texts=groups.texts,
                    labels=base_to_parent[groups.labels],
                    centroids=centroids,
                    user_ids=groups.user_ids,
                    user_texts=groups.user_texts,
                    languages=groups.languages,
                    seed=seed,
                    reserved_titles=taken,
                )
            )
        parent_of.append(contiguous)
        level = _Level(names, centroids, sizes, members)
        levels.append(level)
    return _to_nodes(levels, parent_of, [int(c) for c in base_cluster_ids])


def _to_nodes(
    levels: list[_Level], parent_of: list[np.ndarray], cluster_ids: list[int]
) -> list[HierarchyNode]:
    top_depth = len(levels) - 1
    nodes: list[HierarchyNode] = []
    for from_base in range(top_depth, -1, -1):
        depth = top_depth - from_base
        level = levels[from_base]
        for index, name in enumerate(level.names):
            parent = None
            if from_base < top_depth:
                parent = f"n{depth - 1}-{int(parent_of[from_base][index]):04d}"
            nodes.append(
                HierarchyNode(
                    id=f"n{depth}-{index:04d}",
                    parent_id=parent,
                    depth=depth,
                    is_leaf=from_base == 0,
                    title=name.title,
                    description=name.description,
                    cluster_ids=[cluster_ids[m] for m in level.base_members[index]],
                )
            )
    return nodes


def cluster_centroids(
    x: np.ndarray, labels: np.ndarray, cluster_ids: Sequence[int], chunk: int = 65536
) -> np.ndarray:
    """Unit mean vector of each listed cluster's members.

    One pass over ``x`` in row chunks (it may be a memory-mapped day): a per-cluster mask would
    read all n rows once per cluster, O(n * k).
    """
    from scipy import sparse

    position = np.full(int(max(labels.max(initial=0), max(cluster_ids, default=0))) + 1, -1, dtype=np.int64)
    position[np.asarray(cluster_ids, dtype=np.int64)] = np.arange(len(cluster_ids))
    sums = np.zeros((len(cluster_ids), x.shape[1]), dtype=np.float64)
    for start, block in float32_blocks(x, chunk):  # releases a mapped day's pages as it goes
        rows = position[labels[start : start + chunk]]
        member = np.flatnonzero(rows >= 0)
        onehot = sparse.csr_matrix(
            (np.ones(len(member), dtype=np.float32), (rows[member], member)),
            shape=(len(cluster_ids), len(rows)),
        )
        sums += onehot @ block
    return _unit(sums)
