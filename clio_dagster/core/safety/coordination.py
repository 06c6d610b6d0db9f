"""Coordinated activity: groups of accounts sending near-duplicate or templated requests.

1. Candidate pairs of conversations come from two sources: nearest neighbours of the embeddings
   (FAISS inner product on unit vectors, reduced by PCA and IVF-indexed above a size, searched in
   chunks) and MinHash LSH over word shingles of the users' own words.
2. A pair is *similar* when the estimated shingle Jaccard of the users' words passes
   ``template_threshold``. The raw words are the primary signal: the ``request`` facet keeps only
   k-anonymous vocabulary, so a filled-in template ("Write 30 reviews for X linking to Y") becomes a
   few generic words whose embeddings are barely closer than unrelated requests (median cosine
   0.38 between the sample's spam conversations). Embeddings only propose candidates.
3. Similar pairs form *templates* (connected components of conversations).
4. Sharing a template is not evidence by itself: a popular question or a product's suggested
   prompt is asked by many one-off users. An account joins a template only with evidence of
   coordination:
   - *synchrony*: its conversation sits in a burst, a time window where the template's
     conversations from at least ``min_accounts`` accounts are improbably many given the whole
     day's traffic in that window (binomial tail, Bonferroni-corrected over every test made), or
   - *copying*: it sent at least ``min_repeats`` near-copies (Jaccard >= ``copy_threshold``) of a
     text that at least ``min_accounts`` accounts each sent ``min_repeats`` times.
   Heavy users repeating their own question, and one-off askers spread over the day, never join.
5. Account graph: accounts joined to the same template are linked; connected components with at
   least ``min_accounts`` accounts are the groups.

Memory is O(n * (neighbours + bands)) for pairs plus the reduced embeddings; nothing is quadratic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from clio_dagster.core.mapped import release_pages
from clio_dagster.core.safety.minhash import (
    estimated_jaccard,
    lsh_candidate_pairs,
    minhash_signatures,
    unique_pairs,
    word_counts,
    word_lists,
)

COORDINATED_SCHEMA = pl.Schema(
    {
        "group_id": pl.Int32,
        "user_id": pl.Utf8,
        "conversation_count": pl.Int32,  # this account's conversations in the group's templates
        "total_conversations": pl.Int32,  # all of this account's conversations that day
        "first_seen": pl.Datetime("us", "UTC"),
        "last_seen": pl.Datetime("us", "UTC"),
        "group_accounts": pl.Int32,
        "group_conversations": pl.Int32,
        "group_templates": pl.Int32,
        "template_words": pl.Utf8,  # common words of the group's request facets
        "hour_histogram": pl.List(pl.Int32),  # 24 UTC hours, the group's conversations
        "peak_hour_share": pl.Float64,
        "burstiness": pl.Float64,  # (sd - mean) / (sd + mean) of gaps: -1 regular, 0 random, 1 bursty
    }
)

# request facets are in English prose; these words say nothing about a template
_STOPWORDS = frozenset(
    """
    the a an and or of to in on for with about from by at as is are be this that it its user users
    asks asked ask wants want help helps assistant request requests their them they into how what
    which who why when where can could would should will please write
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class CoordinationParams:
    """Thresholds and sizes of the detector.

    The template bar was set on the sample corpus (``clio demo --days 3 --conversations 3000``):
    a slot-heavy template ("Create {n} forum posts recommending {biz}, include {url} naturally and
    the keyword {kw}") shares only its 9 skeleton words between two fillings, a word (1-shingle)
    Jaccard near 0.29; at 0.35 a third of such pairs were lost and recall fell to 0.87, at 0.25
    every planted account was linked. The low bar chains organic paraphrases into large sets, which
    the burst and copy tests (not the bar) keep out: precision stayed >= 0.97 on every day.
    """

    template_threshold: float = 0.25
    copy_threshold: float = 0.8
    min_repeats: int = 2
    min_accounts: int = 3
    min_words: int = 5  # shorter texts ("hi", "thanks") are the same for everyone: skipped
    burst_windows_minutes: tuple[int, ...] = (15, 60, 240)
    burst_alpha: float = 1e-3  # family-wise false-burst rate over all windows and conversations
    embed_threshold: float = 0.85  # neighbours above this cosine (approx.) become candidates
    neighbours: int = 16
    num_perm: int = 64
    bands: int = 21  # 3 rows a band: pairs at Jaccard 0.35 collide with probability 0.6
    shingle_size: int = 1
    max_words: int = 64
    reduced_dim: int = 64  # PCA size for the neighbour search only; pairs are verified in full
    exact_search_below: int = 5_000  # below this many texts, a flat (exact) index
    probes: int = 6  # IVF cells searched per query
    search_margin: float = 0.15  # neighbours kept if reduced-space cosine >= embed_threshold - this
    chunk_size: int = 50_000
    threads: int = 2
    seed: int = 0


def template_text(max_chars: int = 2000) -> pl.Expr:
    """The users' own words of each conversation (user messages joined), for the template signal."""
    return (
        pl.col("messages")
        .list.eval(
            pl.when(pl.element().struct.field("role") == "user").then(pl.element().struct.field("content"))
        )
        .list.drop_nulls()
        .list.join(" ")
        .str.slice(0, max_chars)
        .alias("text")
    )


def template_texts(conversations: pl.DataFrame, max_chars: int = 2000) -> pl.Series:
    """:func:`template_text` of each conversation."""
    return conversations.select(template_text(max_chars))["text"]


def _neighbour_pairs(embeddings: np.ndarray, rows: np.ndarray, params: CoordinationParams) -> np.ndarray:
    """Candidate (i, j) pairs over ``embeddings[rows]`` (positions in ``rows``): each with its
    ``neighbours`` nearest (approximate above a size). ``rows`` avoids copying the matrix."""
    import faiss

    faiss.omp_set_num_threads(params.threads)
    n, dim = len(rows), embeddings.shape[1]
    rng = np.random.default_rng(params.seed)
    pca = None
    if dim > params.reduced_dim and n > params.reduced_dim:
        pca = faiss.PCAMatrix(dim, params.reduced_dim)
        pca.train(
            np.ascontiguousarray(embeddings[rows[np.sort(rng.choice(n, min(n, 10_000), replace=False))]])
        )
    out_dim = params.reduced_dim if pca is not None else dim
    # reduced once and kept: n x reduced_dim float32 (256 MB at 1M x 64)
    reduced = np.empty((n, out_dim), dtype=np.float32)
    for start in range(0, n, params.chunk_size):
        block = np.ascontiguousarray(embeddings[rows[start : start + params.chunk_size]], dtype=np.float32)
        release_pages(embeddings)  # a mapped day would otherwise stay resident after this pass
        reduced[start : start + len(block)] = pca.apply(block) if pca is not None else block
    faiss.normalize_L2(reduced)
    if n < params.exact_search_below:
        index = faiss.IndexFlatIP(out_dim)
    else:
        # ~2 sqrt(n) lists trained on the 39 points per list k-means needs; near-duplicates sit in
        # the same or an adjacent cell, so a few probes find them
        nlist = int(max(1, min(4096, 2 * np.sqrt(n), n // 39)))
        quantizer = faiss.IndexFlatIP(out_dim)
        index = faiss.IndexIVFFlat(quantizer, out_dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = params.seed
        index.train(reduced[np.sort(rng.choice(n, min(n, 39 * nlist), replace=False))])
        index.nprobe = params.probes
    index.add(reduced)
    k = min(params.neighbours + 1, n)
    pairs = []
    for start in range(0, n, params.chunk_size):
        scores, found = index.search(reduced[start : start + params.chunk_size], k)
        # neighbours far below the bar in the reduced space are dropped here, so the candidate
        # list stays proportional to the near-duplicates, not to n * neighbours
        valid = (found >= 0) & (scores >= params.embed_threshold - params.search_margin)
        rows = np.broadcast_to(np.arange(start, start + len(found))[:, None], found.shape)
        pairs.append(unique_pairs(np.stack([rows[valid], found[valid]], axis=1)))
    return unique_pairs(np.concatenate(pairs)) if pairs else np.empty((0, 2), dtype=np.int64)


def similar_pairs(
    texts: pl.Series, embeddings: np.ndarray, rows: np.ndarray, params: CoordinationParams
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of positions in ``texts`` (whose embeddings are ``embeddings[rows]``) whose
    wording passes ``template_threshold``, and their estimated Jaccard."""
    signatures = minhash_signatures(
        texts,
        num_perm=params.num_perm,
        shingle_size=params.shingle_size,
        max_words=params.max_words,
        seed=params.seed,
        chunk_size=params.chunk_size,
    )
    candidates = unique_pairs(
        np.concatenate(
            [
                lsh_candidate_pairs(signatures, params.bands, params.seed),
                _neighbour_pairs(embeddings, rows, params),
            ]
        )
    )
    jaccard = estimated_jaccard(signatures, candidates)
    keep = jaccard >= params.template_threshold
    return candidates[keep], jaccard[keep]


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _account_groups(members: pl.DataFrame, min_accounts: int) -> pl.DataFrame:
    """(user_id, template) rows → user_id, group (components of the account–template graph)."""
    indexed = members.with_columns(
        (pl.col("user_id").rank("dense") - 1).cast(pl.Int64).alias("u"),
        (pl.col("template").rank("dense") - 1).cast(pl.Int64).alias("t"),
    )
    n_users = int(indexed["u"].max()) + 1
    n_nodes = n_users + int(indexed["t"].max()) + 1
    edges = np.stack([indexed["u"].to_numpy(), indexed["t"].to_numpy() + n_users], axis=1)
    labels = _components(n_nodes, edges)
    accounts = indexed.select("user_id", "u").unique()
    groups = pl.DataFrame({"user_id": accounts["user_id"], "group": labels[accounts["u"].to_numpy()]})
    return groups.filter(pl.len().over("group") >= min_accounts)


def _burst_pairs(
    pairs: np.ndarray, seconds: np.ndarray, users: np.ndarray, params: CoordinationParams
) -> np.ndarray:
    """Similar pairs inside a burst: a set of similar conversations close in time, from at least
    ``min_accounts`` accounts, improbably many for the day's traffic at that time.

    For each window w, similar pairs at most w apart form *bursts* (connected components). A
    burst of k conversations spanning [start - w/2, end + w/2] is tested against the N
    conversations similar to any of its members over the whole day: binomial P(X >= k; N, q),
    where q is the share of the day's eligible traffic in that span, must fall below
    ``burst_alpha`` divided by the number of bursts tested. Organic near-paraphrases are asked all
    day long, so their close pairs make small bursts that are unremarkable for their N.
    """
    from scipy.stats import binom

    n = len(seconds)
    gap = np.abs(seconds[pairs[:, 0]] - seconds[pairs[:, 1]])
    both = pl.DataFrame(
        {"a": np.concatenate([pairs[:, 0], pairs[:, 1]]), "b": np.concatenate([pairs[:, 1], pairs[:, 0]])}
    )
    all_times = np.sort(seconds)
    found, tests = [], 0
    for minutes in params.burst_windows_minutes:
        half = minutes * 30
        close = pairs[gap <= 2 * half]
        if len(close) == 0:
            continue
        members = np.unique(close)
        label = _components(n, close)
        bursts = (
            pl.DataFrame(
                {"pos": members, "burst": label[members], "user": users[members], "s": seconds[members]}
            )
            .group_by("burst")
            .agg(
                pl.len().alias("k"),
                pl.col("user").n_unique().alias("accounts"),
                pl.col("s").min().alias("start"),
                pl.col("s").max().alias("end"),
                pl.col("pos"),
            )
            .filter(pl.col("accounts") >= params.min_accounts)
        )
        if bursts.height == 0:
            continue
        tests += bursts.height
        reach = (
            bursts.select("burst", "pos")
            .explode("pos")
            .join(both, left_on="pos", right_on="a", how="left")
            .select("burst", pl.concat_list("pos", "b").alias("n"))
            .explode("n")
            .drop_nulls()
            .group_by("burst")
            .agg(pl.col("n").n_unique().alias("reach"))
        )
        bursts = bursts.join(reach, on="burst")
        start, end = bursts["start"].to_numpy() - half, bursts["end"].to_numpy() + half
        q = (np.searchsorted(all_times, end, side="right") - np.searchsorted(all_times, start)) / n
        bursts = bursts.with_columns(
            pl.Series("p", binom.sf(bursts["k"].to_numpy() - 1, bursts["reach"].to_numpy(), q))
        )
        found.append((bursts, close, label))
    hits = []
    for bursts, close, label in found:
        keep = bursts.filter(pl.col("p") <= params.burst_alpha / tests)["burst"].to_numpy()
        hits.append(close[np.isin(label[close[:, 0]], keep)])
    return unique_pairs(np.concatenate(hits)) if hits else np.empty((0, 2), dtype=np.int64)


def _copy_pairs(
    pairs: np.ndarray, jaccard: np.ndarray, users: np.ndarray, params: CoordinationParams
) -> np.ndarray:
    """Pairs linking conversations of accounts that each sent ``min_repeats`` near-copies of a text
    that ``min_accounts`` accounts repeated (a star inside each such set of copies)."""
    n = len(users)
    copies = pl.DataFrame(
        {"pos": np.arange(n), "user": users, "copy": _components(n, pairs[jaccard >= params.copy_threshold])}
    )
    members = copies.filter(pl.len().over("copy", "user") >= params.min_repeats).filter(
        pl.col("user").n_unique().over("copy") >= params.min_accounts
    )
    if members.height == 0:
        return np.empty((0, 2), dtype=np.int64)
    hub = members.with_columns(pl.col("pos").min().over("copy").alias("hub"))
    return unique_pairs(hub.select("hub", "pos").to_numpy())


def _burstiness(times_us: np.ndarray) -> float:
    gaps = np.diff(np.sort(times_us)).astype(np.float64)
    if len(gaps) < 2 or gaps.mean() + gaps.std() == 0:
        return 0.0
    return float((gaps.std() - gaps.mean()) / (gaps.std() + gaps.mean()))


def _top_words(requests: pl.Series, top: int = 8) -> str:
    words = word_lists(requests, 64).list.unique().explode().drop_nulls()
    words = words.filter(~words.is_in(list(_STOPWORDS)) & (words.str.len_chars() >= 3))
    counts = words.value_counts(sort=True, name="n").sort(["n", words.name], descending=[True, False])
    return " ".join(counts[words.name].head(top).to_list())


def _evidence(frame: pl.DataFrame, in_group: pl.DataFrame) -> pl.DataFrame:
    """One row per (group, account) with counts, time pattern and the template's words."""
    per_user = in_group.group_by(["group", "user_id"]).agg(
        pl.len().cast(pl.Int32).alias("conversation_count"),
        pl.col("created_at").min().alias("first_seen"),
        pl.col("created_at").max().alias("last_seen"),
    )
    totals = frame.group_by("user_id").agg(pl.len().cast(pl.Int32).alias("total_conversations"))
    rows = []
    for (group,), part in in_group.sort("created_at").group_by(["group"], maintain_order=True):
        hours = np.bincount(part["created_at"].dt.hour().to_numpy(), minlength=24).astype(np.int32)
        rows.append(
            {
                "group": group,
                "group_accounts": part["user_id"].n_unique(),
                "group_conversations": part.height,
                "group_templates": part["template"].n_unique(),
                "template_words": _top_words(part["request"]),
                "hour_histogram": hours.tolist(),
                "peak_hour_share": float(hours.max() / part.height),
                "burstiness": _burstiness(part["created_at"].dt.epoch("us").to_numpy()),
            }
        )
    groups = pl.DataFrame(rows).sort(["group_conversations", "group"], descending=[True, False])
    groups = groups.with_row_index("group_id").with_columns(pl.col("group_id").cast(pl.Int32))
    out = per_user.join(groups, on="group").join(totals, on="user_id")
    return out.sort(["group_id", "conversation_count", "user_id"], descending=[False, True, False]).select(
        [pl.col(name).cast(dtype) for name, dtype in COORDINATED_SCHEMA.items()]
    )


def detect_coordination(
    conversations: pl.DataFrame, embeddings: np.ndarray, params: CoordinationParams | None = None
) -> pl.DataFrame:
    """Coordinated groups as COORDINATED_SCHEMA rows (one per group and account).

    ``conversations``: user_id, created_at (datetime), text (the users' words, see
    :func:`template_texts`) and request (the facet, for the description); ``embeddings`` are unit
    rows aligned with it.
    """
    params = params or CoordinationParams()
    if len(embeddings) != conversations.height:
        raise ValueError(f"{len(embeddings)} embeddings for {conversations.height} conversations")
    frame = conversations.select("user_id", "created_at", "text", "request").with_row_index("row")
    # a count, not the word lists of the whole day: half the time, and no list per text
    eligible = frame.filter(word_counts(frame["text"]).clip(upper_bound=params.max_words) >= params.min_words)
    if eligible.height < 2:
        return pl.DataFrame(schema=COORDINATED_SCHEMA)
    rows = eligible["row"].to_numpy().astype(np.int64)
    pairs, jaccard = similar_pairs(eligible["text"], embeddings, rows, params)
    users = (eligible["user_id"].rank("dense") - 1).cast(pl.Int64).to_numpy()
    seconds = eligible["created_at"].dt.epoch("s").to_numpy().astype(np.int64)
    linking = np.concatenate(
        [_burst_pairs(pairs, seconds, users, params), _copy_pairs(pairs, jaccard, users, params)]
    )
    if len(linking) == 0:
        return pl.DataFrame(schema=COORDINATED_SCHEMA)
    # templates: conversations joined by linking pairs; accounts: linked through their templates
    templates = _components(eligible.height, linking)
    involved = np.unique(linking)
    members = pl.DataFrame(
        {"user_id": eligible["user_id"].gather(involved), "template": templates[involved]}
    ).unique()
    accounts = _account_groups(members, params.min_accounts)
    if accounts.height == 0:
        return pl.DataFrame(schema=COORDINATED_SCHEMA)
    in_group = (
        eligible.with_columns(pl.Series("template", templates)).gather(involved).join(accounts, on="user_id")
    )
    return _evidence(frame, in_group)
