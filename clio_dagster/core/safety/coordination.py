"""Coordinated activity: accounts whose requests share a template *and* a rare payload.

Real traffic is full of identical benign questions from strangers ("my webcam is not detected"),
asked once each, sometimes all within an hour after an update. Near-identical wording and timing
are therefore not evidence. What a network does that a crowd does not:

1. *Template*: its requests are near-identical to another account's (shingle Jaccard of the users'
   own words, see :mod:`clio_dagster.core.safety.templates`).
2. *Rare payload*: the template carries words that hardly anyone else uses (a product name, a
   domain, an unusual phrase), measured against the population: a *payload* word is used by at
   most ``max_payload_share`` of the accounts over the window, and nearly all of its use
   (``payload_share`` of the account-days that use it) comes from accounts that use it again and
   again. A common question's words are used once each by most of the people who use them; a
   topic's words are used by many accounts that are not repeating anything.
3. *Behaviour over the trailing days*: "again and again" counts an account's conversations over
   today and the previous ``window_days`` days, read from each day's stored payload evidence
   (:data:`HISTORY_SCHEMA`), so a network posting once a day per account is still seen repeating.

Accounts are linked through the payload words they used in templated requests (an account–word
graph); connected components with at least ``min_accounts`` accounts are the groups, and each day
reports the members active that day. Nothing here is a list of spam words: rarity and repetition
are measured on the traffic itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from clio_dagster.core.safety.minhash import word_counts, word_lists
from clio_dagster.core.safety.templates import TemplateParams, similar_pairs

COORDINATED_SCHEMA = pl.Schema(
    {
        "group_id": pl.Int32,
        "user_id": pl.Utf8,
        "conversation_count": pl.Int32,  # this account's conversations today carrying the group's payload
        "total_conversations": pl.Int32,  # all of this account's conversations that day
        "active_days": pl.Int32,  # days in the window on which the account used the group's payload
        "first_seen": pl.Datetime("us", "UTC"),
        "last_seen": pl.Datetime("us", "UTC"),
        "group_accounts": pl.Int32,  # the group's accounts active today
        "group_conversations": pl.Int32,
        "payload_words": pl.Utf8,  # the rare words the group shares, most shared first
        "template_words": pl.Utf8,  # common words of the group's request facets
        "hour_histogram": pl.List(pl.Int32),  # 24 UTC hours, the group's conversations today
        "peak_hour_share": pl.Float64,
        "burstiness": pl.Float64,  # (sd - mean) / (sd + mean) of gaps: -1 regular, 0 random, 1 bursty
    }
)

# One day's payload evidence, stored so that later days can count an account's behaviour over the
# window. Only words that appeared in a cross-account template pair that day and were rare enough
# to be a payload are kept, and only for the accounts that used them in a template or repeatedly.
HISTORY_SCHEMA = pl.Schema(
    {
        "date": pl.Utf8,
        "word": pl.Utf8,
        "user_id": pl.Utf8,
        "conversations": pl.Int32,  # that day's conversations of the account containing the word
        "templated": pl.Boolean,  # one of them was near-identical to another account's, sharing the word
        "word_users": pl.Int32,  # accounts that used the word that day (templated or not)
        "population": pl.Int32,  # accounts with an eligible conversation that day
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
    """Thresholds of the detector (templates: :class:`TemplateParams`).

    ``payload_share`` and ``max_payload_share`` were chosen before any measurement and kept: on
    the real development corpus (``bench/results/tns_real.md``) a planted network's product and
    link words are used only by its accounts (share 1.0) and a crowd's question words by accounts
    asking once (share near 0), far from either bar. ``min_payload_words`` was set on dev: with
    one word, two strangers joined the network through a common word it repeats.
    """

    min_accounts: int = 3
    min_repeats: int = 2  # conversations with the word over the window that make an account a repeater
    min_words: int = 5  # shorter texts ("hi", "thanks") are the same for everyone: skipped
    min_word_chars: int = 2
    min_payload_words: int = 2  # distinct payload words an account must have used in templated requests
    payload_share: float = 0.8
    # a payload is rare: used by at most this share of the window's account-days, or by at most
    # ``payload_accounts_floor`` of them on small days (a 30-account network is a large share of a
    # small test day, never of a real one)
    max_payload_share: float = 0.05
    payload_accounts_floor: int = 100
    window_days: int = 7
    templates: TemplateParams = field(default_factory=TemplateParams)


@dataclass(frozen=True)
class CoordinationResult:
    groups: pl.DataFrame  # COORDINATED_SCHEMA
    history: pl.DataFrame  # HISTORY_SCHEMA rows of this day, to store for the following days


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


_WORD_HASH_SEED = 7
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _hashed(words: pl.Expr) -> pl.Expr:
    return words.hash(_WORD_HASH_SEED)


def _word_incidences(texts: pl.Series, users: np.ndarray, params: CoordinationParams) -> pl.DataFrame:
    """(pos, user, word): each distinct word of each text as a 64-bit hash, with the text's account
    code. Hashes, not strings, and chunk by chunk: at a million texts this is tens of millions of rows."""
    chunk, frames = params.templates.chunk_size, []
    for start in range(0, len(texts), chunk):
        hashes = (
            word_lists(texts.slice(start, chunk), params.templates.max_words)
            .list.eval(_hashed(pl.element().filter(pl.element().str.len_chars() >= params.min_word_chars)))
            .list.unique()
        )
        frames.append(
            pl.DataFrame({"user": users[start : start + chunk].astype(np.uint32), "word": hashes})
            .with_row_index("pos", offset=start)
            .explode("word")
            .drop_nulls("word")
        )
    return pl.concat(frames)


def _word_strings(
    texts: pl.Series, positions: pl.Series, words: pl.DataFrame, max_words: int
) -> pl.DataFrame:
    """(word, text): the strings of the hashed ``words``, read back from the texts at ``positions``."""
    strings = word_lists(texts.gather(positions), max_words).explode().drop_nulls().unique()
    found = pl.DataFrame({"text": strings}).with_columns(_hashed(pl.col("text")).alias("word"))
    return found.join(words, on="word", how="semi").unique("word")


def _pair_keys(positions: np.ndarray, words: np.ndarray) -> np.ndarray:
    """One uint64 key per (conversation, word): a collision (odds ~n^2 / 2^64) only marks one
    word use as templated."""
    return words ^ (positions.astype(np.uint64) * _MIX)


def _templated_incidences(
    incidences: pl.DataFrame, cross_pairs: np.ndarray, chunk_size: int = 50_000
) -> pl.DataFrame:
    """(pos, word) where conversation ``pos`` is in a cross-account template pair whose other
    conversation contains the same word. In numpy, pairs in chunks: each pair expands to the
    words of one side, looked up in the sorted (conversation, word) keys of the other; a join
    of the pairs with the word table took ~4 times the table's memory."""
    incidences = incidences.sort("pos")
    positions = incidences["pos"].to_numpy().astype(np.int64)
    words = incidences["word"].to_numpy()
    keys = np.sort(_pair_keys(positions, words))
    # every conversation a pair names, including those left without a rare word
    size = int(max(positions.max(initial=-1), cross_pairs.max(initial=-1))) + 2
    offsets = np.searchsorted(positions, np.arange(size))
    found_pos, found_word = [np.empty(0, np.int64)], [np.empty(0, np.uint64)]
    for start in range(0, len(cross_pairs), chunk_size):
        chunk = cross_pairs[start : start + chunk_size]
        own, other = np.concatenate([chunk[:, 0], chunk[:, 1]]), np.concatenate([chunk[:, 1], chunk[:, 0]])
        counts = offsets[own + 1] - offsets[own]
        first = np.repeat(offsets[own] - (np.cumsum(counts) - counts), counts)
        index = first + np.arange(int(counts.sum()))
        own_words = words[index]
        lookup = _pair_keys(np.repeat(other, counts), own_words)
        at = np.minimum(np.searchsorted(keys, lookup), len(keys) - 1)
        shared = keys[at] == lookup
        found_pos.append(np.repeat(own, counts)[shared])
        found_word.append(own_words[shared])
    return pl.DataFrame(
        {"pos": np.concatenate(found_pos), "word": np.concatenate(found_word)},
        schema={"pos": pl.UInt32, "word": pl.UInt64},
    ).unique()


def _day_evidence(
    eligible: pl.DataFrame,
    incidences: pl.DataFrame,
    cross_pairs: np.ndarray,
    date: str,
    params: CoordinationParams,
) -> pl.DataFrame:
    """This day's HISTORY_SCHEMA rows: words shared by a cross-account template pair, used by at
    most ``max_payload_share`` of the day's accounts, for each account that used them in a
    template or more than once."""
    population = eligible["user_id"].n_unique()
    word_users = incidences.group_by("word").agg(pl.col("user").n_unique().alias("word_users"))
    rare = word_users.filter(pl.col("word_users") <= _payload_cap(population, params))
    templated = _templated_incidences(
        incidences.join(rare.select("word"), on="word", how="semi"), cross_pairs
    ).with_columns(pl.lit(True).alias("templated"))
    rows = (
        incidences.join(templated.select("word").unique(), on="word", how="semi")
        .join(templated, on=["pos", "word"], how="left")
        .group_by("word", "user")
        .agg(pl.len().alias("conversations"), pl.col("templated").fill_null(False).any())
        .filter(pl.col("templated") | (pl.col("conversations") >= params.min_repeats))
        .join(rare, on="word")
    )
    strings = _word_strings(
        eligible["text"], templated["pos"].unique(), rows.select("word"), params.templates.max_words
    )
    accounts = eligible.select("user_id", "user").unique()
    return (
        rows.join(strings, on="word")
        .join(accounts, on="user")
        .drop("word")
        .rename({"text": "word"})
        .with_columns(pl.lit(date).alias("date"), pl.lit(population).alias("population"))
        .select([pl.col(name).cast(dtype) for name, dtype in HISTORY_SCHEMA.items()])
        .sort("word", "user_id")
    )


def _payload_cap(population: int, params: CoordinationParams) -> float:
    return max(params.max_payload_share * population, params.payload_accounts_floor)


def payload_words(window: pl.DataFrame, params: CoordinationParams) -> pl.DataFrame:
    """Words of the window (HISTORY_SCHEMA rows) that are a payload: used again and again by at
    least ``min_accounts`` accounts that account for ``payload_share`` of the word's account-days,
    and used by at most ``max_payload_share`` of the window's account-days."""
    population = window.select("date", "population").unique()["population"].sum()
    per_account = window.group_by("word", "user_id").agg(
        pl.col("conversations").sum(), pl.len().alias("days")
    )
    repeaters = (
        per_account.filter(pl.col("conversations") >= params.min_repeats)
        .group_by("word")
        .agg(pl.len().alias("repeaters"), pl.col("days").sum().alias("repeater_days"))
    )
    account_days = (
        window.select("word", "date", "word_users")
        .unique()
        .group_by("word")
        .agg(pl.col("word_users").sum().alias("account_days"))
    )
    return (
        repeaters.join(account_days, on="word")
        .filter(
            (pl.col("repeaters") >= params.min_accounts)
            & (pl.col("repeater_days") >= params.payload_share * pl.col("account_days"))
            & (pl.col("account_days") <= _payload_cap(population, params))
        )
        .sort("word")
    )


def _account_groups(links: pl.DataFrame, min_accounts: int) -> pl.DataFrame:
    """(user_id, word) links → user_id, group: components of the account–word graph."""
    indexed = links.with_columns(
        (pl.col("user_id").rank("dense") - 1).cast(pl.Int64).alias("u"),
        (pl.col("word").rank("dense") - 1).cast(pl.Int64).alias("w"),
    )
    n_users = int(indexed["u"].max()) + 1
    edges = np.stack([indexed["u"].to_numpy(), indexed["w"].to_numpy() + n_users], axis=1)
    labels = _components(n_users + int(indexed["w"].max()) + 1, edges)
    accounts = indexed.select("user_id", "u").unique()
    groups = pl.DataFrame({"user_id": accounts["user_id"], "group": labels[accounts["u"].to_numpy()]})
    return groups.filter(pl.len().over("group") >= min_accounts)


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


def _evidence(
    frame: pl.DataFrame, in_group: pl.DataFrame, links: pl.DataFrame, window: pl.DataFrame
) -> pl.DataFrame:
    """One row per (group, account active today) with counts, time pattern and the shared words."""
    per_user = in_group.group_by(["group", "user_id"]).agg(
        pl.len().cast(pl.Int32).alias("conversation_count"),
        pl.col("created_at").min().alias("first_seen"),
        pl.col("created_at").max().alias("last_seen"),
    )
    totals = frame.group_by("user_id").agg(pl.len().cast(pl.Int32).alias("total_conversations"))
    days = (
        window.join(links, on=["word", "user_id"])
        .group_by("group", "user_id")
        .agg(pl.col("date").n_unique().cast(pl.Int32).alias("active_days"))
    )
    payload = (
        links.group_by("group", "word")
        .agg(pl.col("user_id").n_unique().alias("n"))
        .sort(["n", "word"], descending=[True, False])
        .group_by("group", maintain_order=True)
        .agg(pl.col("word").head(8).str.join(" ").alias("payload_words"))
    )
    rows = []
    for (group,), part in in_group.sort("created_at").group_by(["group"], maintain_order=True):
        hours = np.bincount(part["created_at"].dt.hour().to_numpy(), minlength=24).astype(np.int32)
        rows.append(
            {
                "group": group,
                "group_accounts": part["user_id"].n_unique(),
                "group_conversations": part.height,
                "template_words": _top_words(part["request"]),
                "hour_histogram": hours.tolist(),
                "peak_hour_share": float(hours.max() / part.height),
                "burstiness": _burstiness(part["created_at"].dt.epoch("us").to_numpy()),
            }
        )
    groups = pl.DataFrame(rows).sort(["group_conversations", "group"], descending=[True, False])
    groups = groups.with_row_index("group_id").with_columns(pl.col("group_id").cast(pl.Int32))
    out = per_user.join(groups, on="group").join(totals, on="user_id").join(days, on=["group", "user_id"])
    out = out.join(payload, on="group")
    return out.sort(["group_id", "conversation_count", "user_id"], descending=[False, True, False]).select(
        [pl.col(name).cast(dtype) for name, dtype in COORDINATED_SCHEMA.items()]
    )


def _no_groups(history: pl.DataFrame | None = None) -> CoordinationResult:
    return CoordinationResult(
        pl.DataFrame(schema=COORDINATED_SCHEMA),
        history if history is not None else pl.DataFrame(schema=HISTORY_SCHEMA),
    )


def detect_coordination(
    conversations: pl.DataFrame,
    embeddings: np.ndarray,
    params: CoordinationParams | None = None,
    *,
    date: str = "",
    history: pl.DataFrame | None = None,
) -> CoordinationResult:
    """Coordinated groups of the day ``date`` and the day's evidence to keep for later days.

    ``conversations``: user_id, created_at (datetime), text (the users' words, see
    :func:`~clio_dagster.core.safety.templates.template_texts`) and request (the facet, for the
    description); ``embeddings`` are unit rows aligned with it. ``history``: HISTORY_SCHEMA rows of
    the previous days (rows dated ``date`` itself are ignored, so a rerun does not count twice).
    """
    params = params or CoordinationParams()
    if len(embeddings) != conversations.height:
        raise ValueError(f"{len(embeddings)} embeddings for {conversations.height} conversations")
    frame = conversations.select("user_id", "created_at", "text", "request").with_row_index("row")
    # a count, not the word lists of the whole day: half the time, and no list per text
    limit = params.templates.max_words
    eligible = frame.filter(word_counts(frame["text"]).clip(upper_bound=limit) >= params.min_words)
    if eligible.height < 2:
        return _no_groups()
    rows = eligible["row"].to_numpy().astype(np.int64)
    pairs, _ = similar_pairs(eligible["text"], embeddings, rows, params.templates)
    eligible = eligible.with_columns((pl.col("user_id").rank("dense") - 1).cast(pl.UInt32).alias("user"))
    users = eligible["user"].to_numpy()
    cross = pairs[users[pairs[:, 0]] != users[pairs[:, 1]]]
    incidences = _word_incidences(eligible["text"], users, params)
    today = _day_evidence(eligible, incidences, cross, date, params)
    earlier = history.filter(pl.col("date") != date) if history is not None else None
    window = pl.concat([earlier.select(today.columns), today]) if earlier is not None else today
    payload = payload_words(window, params)
    links = window.filter(pl.col("templated")).join(payload.select("word"), on="word", how="semi")
    # one shared word is a coincidence (a network's "sound natural" meets a stranger's "sounds
    # good"); a member shares several of the payload's words
    links = (
        links.select("user_id", "word").unique().filter(pl.len().over("user_id") >= params.min_payload_words)
    )
    if links.height == 0:
        return _no_groups(today)
    accounts = _account_groups(links, params.min_accounts)
    links = links.join(accounts, on="user_id")
    # today's conversations carrying a payload word of their account's group
    hashed_links = links.join(eligible.select("user_id", "user").unique(), on="user_id").select(
        "user", _hashed(pl.col("word")).alias("word")
    )
    carrying = incidences.join(hashed_links, on=["user", "word"], how="semi").select("pos").unique()
    in_group = eligible.with_row_index("pos").join(carrying, on="pos").join(accounts, on="user_id")
    if in_group.height == 0:
        return _no_groups(today)
    return CoordinationResult(_evidence(frame, in_group, links, window), today)
