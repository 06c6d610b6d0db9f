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

from clio_dagster.core.facets.lexicons import CONVERSATIONAL_FILLER
from clio_dagster.core.facets.text_tokens import any_language_stop_words
from clio_dagster.core.interfaces import ClusterGroups, Embedder
from clio_dagster.schema import ClusterName

_TOKEN = re.compile(r"[^\W\d_][\w'-]*", re.UNICODE)
COLLOCATION = 0.5  # see ``_collocations_only``
# Coherence re-ranking (see ``coherent_terms``): how many c-TF-IDF candidates are re-ranked, and
# how much a term's similarity to its cluster's weighted term centroid counts.
CANDIDATES = 24
COHERENCE_POWER = 2.0


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words of every language plus conversational filler: they describe no topic."""
    return any_language_stop_words() | CONVERSATIONAL_FILLER


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
    per_cluster = _collocations_only(per_cluster).filter(pl.col("users") >= min_users)
    cluster_users = df.group_by("cluster").agg(pl.col("user").n_unique().alias("cluster_users"))
    term_total = per_cluster.group_by("term").agg(pl.col("users").sum().alias("term_users"))
    # A phrase is only as specific as its most widespread word: "stuck restaurant" must not look
    # rarer (so more distinctive) than "stuck", a word said in every cluster of one language.
    word_total = term_total.filter(~pl.col("term").str.contains(" "))
    spread = pl.max_horizontal("term_users", "w1_users", "w2_users").alias("term_users")
    term_total = (
        term_total.with_columns(
            pl.col("term").str.split(" ").list.first().alias("w1"),
            pl.col("term").str.split(" ").list.last().alias("w2"),
        )
        .join(word_total.rename({"term": "w1", "term_users": "w1_users"}), on="w1", how="left")
        .join(word_total.rename({"term": "w2", "term_users": "w2_users"}), on="w2", how="left")
        .select("term", spread)
    )
    mean_users = float(cluster_users["cluster_users"].mean() or 1.0)
    scored = (
        per_cluster.join(cluster_users, on="cluster")
        .join(term_total, on="term")
        .with_columns(
            (
                pl.col("users") / pl.col("cluster_users") * (1.0 + mean_users / pl.col("term_users")).log()
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


def _collocations_only(per_cluster: pl.DataFrame) -> pl.DataFrame:
    """Unigrams, plus the bigrams that are phrases: in their cluster, at least ``COLLOCATION`` of
    the users of each of their two words use the two together ("cover letter"), unlike two words
    that merely follow each other once stop words are gone ("caused stuck")."""
    words = per_cluster.filter(~pl.col("term").str.contains(" ")).select("cluster", "term", "users")
    bigrams = per_cluster.filter(pl.col("term").str.contains(" ")).with_columns(
        pl.col("term").str.split(" ").list.get(0).alias("w1"),
        pl.col("term").str.split(" ").list.get(1).alias("w2"),
    )
    for side in ("w1", "w2"):
        bigrams = bigrams.join(
            words.rename({"term": side, "users": f"{side}_users"}), on=["cluster", side], how="left"
        )
    phrases = bigrams.filter(
        pl.col("users") >= COLLOCATION * pl.max_horizontal("w1_users", "w2_users").fill_null(0)
    ).select(per_cluster.columns)
    return pl.concat([words.select(per_cluster.columns), phrases])


def _drop_overlaps(terms: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Say each word once: a word after a better bigram that holds it is dropped, and a bigram
    takes the place of its words ranked above it alone ("cover", "letter" -> "cover letter")."""
    kept: list[tuple[str, float]] = []
    covered: set[str] = set()
    for term, weight in terms:
        words = term.split()
        if len(words) == 1:
            if term not in covered:
                kept.append((term, weight))
                covered.add(term)
            continue
        alone = [i for i, (t, _) in enumerate(kept) if t in words]
        if alone:
            kept[alone[0]] = (term, kept[alone[0]][1])
            for i in reversed(alone[1:]):
                del kept[i]
        elif not all(w in covered for w in words):
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
        title = _title(words) or "Miscellaneous requests"
        extra = 3
        while title.lower() in seen and extra < len(words):
            title = _title([*words[:2], *words[extra:]])
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
    """A topic-like phrase from the best terms: "Cover letter, position and interview"."""
    chosen: list[str] = []
    used: set[str] = set()
    for term in words:
        if used.isdisjoint(term.split()):
            chosen.append(term)
            used.update(term.split())
        # three single words read as a list of themes; two phrases already make a long title
        if len(chosen) == 3 or (len(chosen) == 2 and len(used) > 3):
            break
    text = _join(chosen)
    return text[:1].upper() + text[1:]


def _nearest(similarity: np.ndarray, index: int) -> int | None:
    if similarity.shape[0] < 2:
        return None
    row = similarity[index].copy()
    row[index] = -np.inf
    return int(np.argmax(row))


def coherent_terms(table: TermTable, embedder: Embedder, *, top: int) -> TermTable:
    """Re-rank each cluster's terms by c-TF-IDF weight times their closeness to the cluster's theme.

    The theme is the weight-averaged embedding of the cluster's candidate terms; a word that is
    distinctive only because one language's speakers say it everywhere ("stuck", "in advance")
    lies far from the theme and drops, while the topical words ("taxes", "revenue") stay.
    """
    vocabulary = sorted({term for terms in table.terms for term, _ in terms[:CANDIDATES]})
    if not vocabulary:
        return TermTable([[] for _ in table.terms])
    vectors = embedder.embed(vocabulary)
    row = {term: i for i, term in enumerate(vocabulary)}
    ranked = []
    for terms in table.terms:
        candidates = terms[:CANDIDATES]
        if not candidates:
            ranked.append([])
            continue
        own = vectors[[row[t] for t, _ in candidates]]
        weights = np.array([w for _, w in candidates], dtype=np.float32)
        theme = weights @ own
        theme /= max(float(np.linalg.norm(theme)), 1e-12)
        closeness = np.clip(own @ theme, 0.0, 1.0) ** COHERENCE_POWER
        order = sorted(range(len(candidates)), key=lambda i: (-weights[i] * closeness[i], candidates[i][0]))
        ranked.append(
            _drop_overlaps([(candidates[i][0], float(weights[i] * closeness[i])) for i in order])[:top]
        )
    return TermTable(ranked)


class LocalClusterNamer:
    """ClusterNamer for the local backend: c-TF-IDF terms, contrasted with all other clusters,
    re-ranked by coherence with the cluster's theme in ``embedder``'s space (default: the bundled
    USE model, loaded on first use; ``coherence=False`` skips it)."""

    def __init__(
        self,
        *,
        top_terms: int = 12,
        min_users_per_term: int = 2,
        embedder: Embedder | None = None,
        coherence: bool = True,
    ) -> None:
        self.top_terms = top_terms
        self.min_users_per_term = min_users_per_term
        self.coherence = coherence
        self._embedder = embedder

    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        centroids = np.asarray(groups.centroids, dtype=np.float32)
        if not self.coherence:
            table = distinctive_terms(groups, top=self.top_terms, min_users=self.min_users_per_term)
            return compose_names(table, centroids, groups.reserved_titles)
        if self._embedder is None:
            from clio_dagster.core.clustering.embed import UseMultilingualEmbedder

            self._embedder = UseMultilingualEmbedder()
        table = distinctive_terms(groups, top=CANDIDATES, min_users=self.min_users_per_term)
        table = coherent_terms(table, self._embedder, top=self.top_terms)
        return compose_names(table, centroids, groups.reserved_titles)
