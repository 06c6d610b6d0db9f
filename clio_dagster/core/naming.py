"""Local cluster naming: distinctive terms per cluster (class-based TF-IDF) turned into readable names.

Terms come only from request facets, which the local facet extractor already limits to a
k-anonymous vocabulary, so a name can only contain words that many users used. Term weights count
distinct users, not occurrences, so one heavy user repeating a word cannot dominate a name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from clio_dagster.core.facet_lexicons import CONVERSATIONAL_FILLER
from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.text_tokens import any_language_stop_words
from clio_dagster.schema import ClusterName

_TOKEN = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of every language plus conversational filler: they describe no topic."""
    return any_language_stop_words() | CONVERSATIONAL_FILLER


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, without numbers."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class TermTable:
    """Per-cluster distinctive terms, best first, with their c-TF-IDF weight."""

    terms: list[list[tuple[str, float]]]


def distinctive_terms(groups: ClusterGroups, *, top: int = 12, min_users: int = 2) -> TermTable:
    """c-TF-IDF over unigrams and adjacent bigrams, counting distinct users per term and cluster."""
    n_clusters = len(groups.centroids)
    df = _cluster_terms(groups)
    if df.is_empty():
        return TermTable([[] for _ in range(n_clusters)])
    per_cluster = df.group_by("cluster", "term").agg(pl.col("user").n_unique().alias("users"))
    per_cluster = per_cluster.filter(pl.col("users") >= min_users)
    cluster_users = df.group_by("cluster").agg(pl.col("user").n_unique().alias("cluster_users"))
    term_total = per_cluster.group_by("term").agg(pl.col("users").sum().alias("term_users"))
    mean_users = float(cluster_users["cluster_users"].mean() or 1.0)
    scored = (
        per_cluster.join(cluster_users, on="cluster")
        .join(term_total, on="term")
        .with_columns(
            (
                pl.col("users")
                / pl.col("cluster_users")
                * (1.0 + mean_users / pl.col("term_users")).log()
                # bigrams read better than the two words apart
                * pl.when(pl.col("term").str.contains(" ")).then(1.25).otherwise(1.0)
            ).alias("weight")
        )
        .sort(["cluster", "weight", "term"], descending=[False, True, False])
    )
    terms: list[list[tuple[str, float]]] = [[] for _ in range(n_clusters)]
    best = scored.group_by("cluster", maintain_order=True).head(top * 2)
    for cluster, term, weight in best.select("cluster", "term", "weight").iter_rows():
        terms[cluster].append((term, float(weight)))
    return TermTable([_drop_overlaps(t)[:top] for t in terms])


def _cluster_terms(groups: ClusterGroups) -> pl.DataFrame:
    """(cluster, term, user): each distinct unigram and adjacent bigram of each text, in polars.

    Words are ``tokenize``'s, longer than two characters and not stop words; bigrams join a word
    to the next kept word of the same text. No Python loop over texts: a day has up to millions.
    """
    users = list(groups.user_ids) if len(groups.user_ids) else [str(i) for i in range(len(groups.texts))]
    frame = pl.DataFrame(
        {"text": list(groups.texts), "cluster": groups.labels, "user": users},
        schema={"text": pl.Utf8, "cluster": pl.Int32, "user": pl.Utf8},
    ).with_row_index("row")
    words = (
        frame.select(
            "row", "cluster", "user", pl.col("text").str.to_lowercase().str.extract_all(_TOKEN.pattern)
        )
        .explode("text")
        .rename({"text": "word"})
        .filter((pl.col("word").str.len_chars() > 2) & ~pl.col("word").is_in(list(stopwords())))
    )
    following = pl.col("word").shift(-1).over("row")
    bigrams = (
        words.with_columns(following.alias("next"))
        .filter(pl.col("next").is_not_null() & (pl.col("word") != pl.col("next")))
        .select("row", "cluster", "user", (pl.col("word") + " " + pl.col("next")).alias("term"))
    )
    unigrams = words.select("row", "cluster", "user", pl.col("word").alias("term"))
    return pl.concat([unigrams, bigrams]).unique(["row", "term"]).select("cluster", "term", "user")


def _drop_overlaps(terms: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Keep a word only if no better-ranked bigram already says it."""
    kept: list[tuple[str, float]] = []
    covered: set[str] = set()
    for term, weight in terms:
        words = term.split()
        if len(words) == 1 and term in covered:
            continue
        if len(words) == 2 and all(w in covered for w in words):
            continue
        kept.append((term, weight))
        covered.update(words)
    return kept


def _join(words: Sequence[str], conjunction: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def compose_names(
    table: TermTable, centroids: np.ndarray, reserved: frozenset[str] = frozenset()
) -> list[ClusterName]:
    """Readable titles, distinct from each other and from ``reserved``, and two-sentence descriptions."""
    titles: list[str] = []
    seen: set[str] = {t.lower() for t in reserved}
    for terms in table.terms:
        words = [t for t, _ in terms]
        title = _title(words[:3]) or "Miscellaneous requests"
        extra = 3
        while title.lower() in seen and extra < len(words):
            title = _title([*words[:2], words[extra]])
            extra += 1
        if title.lower() in seen:
            title = f"{title} (variant {sum(t.lower().startswith(title.lower()) for t in titles) + 1})"
        seen.add(title.lower())
        titles.append(title)
    names = []
    similarity = centroids @ centroids.T if len(centroids) else np.zeros((0, 0))
    for index, terms in enumerate(table.terms):
        words = [t for t, _ in terms]
        nearest = _nearest(similarity, index)
        description = (
            f"Requests centred on {_join(words[:3]) or 'varied everyday topics'}. "
            + (f"Also characteristic: {_join(words[3:7])}" if len(words) > 3 else "No other term stands out")
            + (f"; unlike the nearby '{titles[nearest]}' group." if nearest is not None else ".")
        )
        names.append(ClusterName(title=titles[index][:120], description=description[:600]))
    return names


def _title(words: Sequence[str]) -> str:
    if not words:
        return ""
    first, *rest = words
    return " · ".join([first[:1].upper() + first[1:], *rest])


def _nearest(similarity: np.ndarray, index: int) -> int | None:
    if similarity.shape[0] < 2:
        return None
    row = similarity[index].copy()
    row[index] = -np.inf
    return int(np.argmax(row))


class LocalClusterNamer:
    """ClusterNamer for the local backend: c-TF-IDF terms, contrasted with all other clusters."""

    def __init__(self, *, top_terms: int = 12, min_users_per_term: int = 2) -> None:
        self.top_terms = top_terms
        self.min_users_per_term = min_users_per_term

    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        table = distinctive_terms(groups, top=self.top_terms, min_users=self.min_users_per_term)
        return compose_names(table, np.asarray(groups.centroids, dtype=np.float32), groups.reserved_titles)
