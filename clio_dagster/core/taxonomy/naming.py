"""Local cluster naming: English imperative titles and short descriptions from k-anonymous phrases.

What is the users' and what is ours:
- the users': word runs (1 to 5 words) of their own messages that at least ``min_unique_users``
  distinct users wrote today (``phrases.day_phrases``), shown in the users' most common spelling;
- ours (``wording.py``): the task verbs that turn a noun phrase into an instruction ("Ask about",
  "Find", "Get help with"), "or" joining two phrases, the generic fallback titles, the
  connectives of the descriptions ("People ask to", "and mention", "Mostly written in") and the
  English names of languages.

A description never quotes another node's title: the explorer lists every node's title and
description one after another, so a quoted title followed there by the next node's title could
put two users' phrases side by side as one raw request (issue 14; the screen also judges that).

Phrases are chosen by meaning, not by lists: each cluster's theme is the mean embedding of a
sample of its own messages; a phrase scores its similarity to the theme, less part of its
similarity to the nearest other clusters' themes, plus the share of the cluster's users who wrote
it. The embedder is multilingual, so a Chinese or Turkish cluster is named with the English phrases
of the day that lie closest to it, whoever wrote them. Descriptions add further phrases picked
with maximal marginal relevance, so they do not repeat the title.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from clio_dagster.core.facets.lexicons import CONVERSATIONAL_FILLER
from clio_dagster.core.interfaces import ClusterGroups, Embedder
from clio_dagster.core.privacy.verbatim import find_verbatim_runs, normalise_words
from clio_dagster.core.taxonomy.phrases import DayPhrases, day_phrases
from clio_dagster.core.taxonomy.wording import (
    FALLBACK_TITLES,
    NOUN_FRAMES,
    describe_languages,
    phrase_kinds,
)
from clio_dagster.schema import ClusterName

THEME_SAMPLE = 24  # messages embedded per cluster to find its theme (bench/results/naming.md)
THEME_CHARS = 240  # of each sampled message: where the request is
MAX_CANDIDATES = 12_000  # English phrases of the day considered, most widely used first
NEIGHBOURS = 5  # other clusters a phrase is contrasted with
CONTRAST = 0.5  # weight of the similarity to the nearest other cluster
USAGE = 0.5  # weight of the share of the cluster's users who wrote the phrase
DIVERSITY = 0.7  # MMR: how much similarity to an already chosen phrase counts against a phrase
MIN_SIMILARITY = 0.12  # below this no phrase describes the cluster: a generic title says so
DESCRIPTION_SLACK = 0.1  # how much less similar than the best phrase a described phrase may be
TITLE_CHOICES = 12  # best phrases a title may be made from (a parent's best are often its children's)
VERB_PREFERENCE = 0.1  # a verb phrase this much below the best noun phrase still names the cluster
FRAME_MARGIN = 0.08  # how much better than "Ask about" another task verb must fit
MAX_TITLE_WORDS = 7  # under the publication gate's verbatim run of 8 words
VERBATIM_WORDS = 8  # the publication gate's run length (core.privacy.checks)
_FILLER = CONVERSATIONAL_FILLER | {"sounds", "the following", "following"}


@dataclass
class _Day:
    """What naming one day needs, computed once and shared by every level of the hierarchy."""

    phrases: DayPhrases
    candidates: pl.DataFrame  # English title-capable phrases: phrase_id, shown, users, kind
    vectors: np.ndarray  # one unit row per candidate
    order: np.ndarray  # the rows in a seeded random order: cluster samples are taken from it
    row_vectors: dict[int, np.ndarray]
    raw_words: list[str] | None = None  # the messages' normalised words, for the verbatim check
    # "Ask about X", "Find X"...: embedded in one batch per level, not one call per cluster
    frame_vectors: dict[str, np.ndarray] = field(default_factory=dict)


class LocalClusterNamer:
    """ClusterNamer for the local backend (see the module docstring).

    ``min_unique_users`` is the day's public threshold: no phrase fewer users wrote is ever used.
    ``embedder`` defaults to the bundled multilingual USE model, loaded on first use.
    """

    def __init__(self, *, min_unique_users: int = 25, embedder: Embedder | None = None) -> None:
        self.min_unique_users = min_unique_users
        self._embedder = embedder
        self._day_key: int | None = None
        self._day: _Day | None = None

    def _model(self) -> Embedder:
        if self._embedder is None:
            from clio_dagster.core.clustering.embed import UseMultilingualEmbedder

            self._embedder = UseMultilingualEmbedder()
        return self._embedder

    def name_clusters(self, groups: ClusterGroups) -> list[ClusterName]:
        n_clusters = len(groups.centroids)
        if n_clusters == 0:
            return []
        day = self._prepare(groups)
        labels = np.asarray(groups.labels, dtype=np.int64)
        themes = self._themes(day, groups, labels, n_clusters)
        usage = _usage_shares(day, groups, labels, n_clusters)
        scores = _phrase_scores(day.vectors, themes, usage)
        names = self._compose(day, groups, labels, themes, scores)
        return self._without_verbatim_runs(names, groups)

    # -- the day -------------------------------------------------------------------------------

    def _prepare(self, groups: ClusterGroups) -> _Day:
        source = _source_texts(groups)
        users = list(groups.user_ids) or [str(i) for i in range(len(source))]
        # every level of the hierarchy names the same rows: the day is prepared once (with the
        # base level's seed, so the parents' samples are drawn from the same order)
        key = hash((tuple(source), tuple(users), tuple(groups.languages)))
        if self._day is not None and self._day_key == key:
            return self._day
        phrases = day_phrases(source, users, groups.languages, min_unique_users=self.min_unique_users)
        english = (
            phrases.english.sort(["users", "phrase"], descending=[True, False])
            .head(MAX_CANDIDATES)
            # a lone word is capitalised where it starts a sentence, not as a name ("World")
            .with_columns(
                pl.when(pl.col("phrase").str.contains(" ") | pl.col("shown").str.contains(r"^[A-Z]{2,}$"))
                .then(pl.col("shown"))
                .otherwise(pl.col("phrase"))
                .alias("shown")
            )
        )
        # conversational filler ("good", "sounds") says nothing about a topic
        english = english.filter(~pl.col("phrase").is_in(list(_FILLER)))
        kinds = phrase_kinds(english["shown"].to_list())
        candidates = english.with_columns(pl.Series("kind", kinds, dtype=pl.Utf8)).filter(
            pl.col("kind") != ""
        )
        vectors = (
            self._model().embed(candidates["shown"].to_list())
            if candidates.height
            else np.zeros((0, 1), dtype=np.float32)
        )
        order = np.random.default_rng(groups.seed).permutation(len(source))
        self._day = _Day(phrases, candidates, vectors, order, {})
        self._day_key = key
        return self._day

    def _themes(self, day: _Day, groups: ClusterGroups, labels: np.ndarray, n: int) -> np.ndarray:
        """Unit mean embedding of up to ``THEME_SAMPLE`` of each cluster's messages."""
        source = _source_texts(groups)
        sampled: list[list[int]] = [[] for _ in range(n)]
        for row in day.order:
            members = sampled[labels[row]]
            if len(members) < THEME_SAMPLE and source[row].strip():
                members.append(int(row))
        missing = sorted({r for rows in sampled for r in rows} - day.row_vectors.keys())
        if missing:
            vectors = self._model().embed([source[r][:THEME_CHARS] for r in missing])
            day.row_vectors.update(zip(missing, vectors, strict=True))
        dim = next(iter(day.row_vectors.values())).shape[0] if day.row_vectors else 1
        themes = np.zeros((n, dim), dtype=np.float32)
        for cluster, rows in enumerate(sampled):
            if rows:
                themes[cluster] = np.mean([day.row_vectors[r] for r in rows], axis=0)
        return _unit(themes)

    # -- composing -----------------------------------------------------------------------------

    def _compose(
        self,
        day: _Day,
        groups: ClusterGroups,
        labels: np.ndarray,
        themes: np.ndarray,
        scores: np.ndarray,
    ) -> list[ClusterName]:
        similarity = themes @ day.vectors.T if day.vectors.size else np.zeros((len(themes), 0))
        shown = day.candidates["shown"].to_list()
        kinds = day.candidates["kind"].to_list()
        fallback_vectors = self._model().embed(list(FALLBACK_TITLES))
        taken = {t.lower() for t in groups.reserved_titles}
        titles = [""] * len(themes)
        phrase_lists: list[list[int]] = [[] for _ in themes]
        fallback: set[int] = set()
        # the cluster a phrase describes best gets it first: names are given best fit first
        best_fit = scores.max(axis=1) if scores.size else np.zeros(len(themes))
        best = _best_phrases(scores, similarity)
        self._embed_frames(day, [ranked[:TITLE_CHOICES] for ranked in best], kinds, shown)
        for cluster in np.argsort(-best_fit, kind="stable").tolist():
            ranked = best[cluster]
            title = ""
            if ranked:
                title = self._best_title(
                    day, cluster, ranked[:TITLE_CHOICES], scores[cluster], shown, kinds, themes, taken
                )
            if not title:
                fallback.add(cluster)
                fit = fallback_vectors @ themes[cluster]
                for i in np.argsort(-fit, kind="stable"):
                    if FALLBACK_TITLES[i].lower() not in taken:
                        title = FALLBACK_TITLES[i]
                        break
                title = title or _variant(FALLBACK_TITLES[int(np.argmax(fit))], taken)
            taken.add(title.lower())
            titles[cluster] = title
            # a description only cites phrases nearly as close to the cluster as its best one
            close = [
                i
                for i in ranked
                if similarity[cluster, i] >= similarity[cluster, ranked[0]] - DESCRIPTION_SLACK
            ]
            phrase_lists[cluster] = _diverse(close, scores[cluster], day.vectors, exclude=title, shown=shown)
        languages = _language_shares(groups, labels, len(themes))
        names = []
        for cluster, title in enumerate(titles):
            examples = [(_lower_first(shown[i]), kinds[i]) for i in phrase_lists[cluster]]
            if examples:
                parts = [_common_ground(examples)]
            elif cluster in fallback:
                parts = ["No phrase shared by enough people describes these conversations closely."]
            else:
                parts = ["Most of these conversations make this request in similar words."]
            parts.append(describe_languages(languages[cluster]) + ".")
            names.append(ClusterName(title=title[:120], description=" ".join(parts)[:600]))
        return names

    def _best_title(
        self,
        day: _Day,
        cluster: int,
        ranked: list[int],
        scores: np.ndarray,
        shown: list[str],
        kinds: list[str],
        themes: np.ndarray,
        taken: set[str],
    ) -> str:
        """An instruction from the best phrases: the users' own verb phrase when one scores within
        ``VERB_PREFERENCE`` of the best noun phrase, else that noun phrase after the task verb of
        ours whose instruction lies closest to the theme ("Ask about" unless another fits clearly
        better: the embedder tells verbs apart poorly, and "Ask about" claims least)."""
        all_verbs = [i for i in ranked if kinds[i] == "verb"]
        verbs = [i for i in all_verbs if shown[i].lower() not in taken]
        nouns = [i for i in ranked if kinds[i] == "noun"]
        if verbs and (not nouns or scores[verbs[0]] >= scores[nouns[0]] - VERB_PREFERENCE):
            return _upper_first(shown[verbs[0]])
        for noun in nouns:
            options = [frame.format(_lower_first(shown[noun])) for frame in NOUN_FRAMES]
            free = [i for i, option in enumerate(options) if option.lower() not in taken]
            if not free:
                continue
            fit = self._frames(day, [options[i] for i in free]) @ themes[cluster]
            fit -= np.array([FRAME_MARGIN * (i != 0) for i in free])
            return options[free[int(np.argmax(fit))]]
        return _paired_title(all_verbs, nouns, shown, taken)

    def _embed_frames(self, day: _Day, choices: list[list[int]], kinds: list[str], shown: list[str]) -> None:
        """The task-verb instructions of each cluster's best noun phrase, embedded in one batch: most
        titles are made from it (a taken one sends ``_best_title`` to the next, embedded then)."""
        options = []
        for ranked in choices:
            nouns = [i for i in ranked if kinds[i] == "noun"]
            if nouns:
                options += [frame.format(_lower_first(shown[nouns[0]])) for frame in NOUN_FRAMES]
        if options:
            self._frames(day, options)

    def _frames(self, day: _Day, options: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(o for o in options if o not in day.frame_vectors))
        if missing:
            day.frame_vectors.update(zip(missing, self._model().embed(missing), strict=True))
        return np.array([day.frame_vectors[o] for o in options])

    def _without_verbatim_runs(self, names: list[ClusterName], groups: ClusterGroups) -> list[ClusterName]:
        """Descriptions string phrases together: where one would repeat a run of
        ``VERBATIM_WORDS`` words of a message, which the publication gate refuses, it is shortened
        to its second sentence."""
        texts = [f"{n.title}\n{n.description}" for n in names]
        day = self._day
        if day is not None and day.raw_words is None:
            # normalised once a day, not once per level of the hierarchy
            day.raw_words = [" ".join(normalise_words(t)) for t in _source_texts(groups)]
        raw = day.raw_words if day is not None else _source_texts(groups)
        leaks = find_verbatim_runs(texts, raw, n_words=VERBATIM_WORDS)
        for index in sorted({leak.public_index for leak in leaks}):
            name = names[index]
            _, _, rest = name.description.partition(". ")
            names[index] = ClusterName(title=name.title, description=rest or "Description withheld.")
        return names


def _best_phrases(scores: np.ndarray, similarity: np.ndarray, count: int = 40) -> list[list[int]]:
    """Each cluster's ``count`` best-scoring candidates, best first (ties by position), keeping
    those at least ``MIN_SIMILARITY`` close to it. A partial sort: the day has thousands."""
    if not scores.shape[1]:
        return [[] for _ in scores]
    count = min(count, scores.shape[1])
    top = np.argpartition(-scores, count - 1, axis=1)[:, :count]
    out = []
    for cluster, columns in enumerate(top):
        ordered = columns[np.lexsort((columns, -scores[cluster, columns]))]
        out.append([int(i) for i in ordered if similarity[cluster, i] >= MIN_SIMILARITY])
    return out


def _paired_title(verbs: list[int], nouns: list[int], shown: list[str], taken: set[str]) -> str:
    """Two of the best phrases joined by "or" when each alone is already another node's title
    (a parent's best phrases are usually its children's): "Generate the lyrics or write a script"."""
    pairs = [
        *((_upper_first(shown[a]), shown[b]) for a, b in itertools.combinations(verbs[:3], 2)),
        *((f"Ask about {_lower_first(shown[a])}", shown[b]) for a, b in itertools.combinations(nouns[:3], 2)),
    ]
    for first, second in pairs:
        title = f"{first} or {_lower_first(second)}"
        if len(title.split()) <= MAX_TITLE_WORDS and title.lower() not in taken:
            return title
    return ""


def _common_ground(examples: list[tuple[str, str]]) -> str:
    """The first sentence: what people ask for ("People ask to X or Y, and mention Z.")."""
    actions = [text for text, kind in examples if kind == "verb"]
    subjects = [text for text, kind in examples if kind != "verb"]
    if actions and subjects:
        return f"People ask to {_join(actions, 'or')}, and mention {_join(subjects, 'or')}."
    if actions:
        return f"People ask to {_join(actions, 'or')}."
    return f"People ask about {_join(subjects, 'or')}."


def _source_texts(groups: ClusterGroups) -> list[str]:
    """The users' own words where the caller gave them, else the request facets."""
    texts = groups.user_texts if len(groups.user_texts) else groups.texts
    return [t or "" for t in texts]


def _usage_shares(day: _Day, groups: ClusterGroups, labels: np.ndarray, n: int) -> np.ndarray:
    """(clusters, candidates): share of each cluster's distinct users who wrote each candidate."""
    shares = np.zeros((n, day.candidates.height), dtype=np.float32)
    if not day.candidates.height:
        return shares
    users = pl.Series(list(groups.user_ids) or [str(i) for i in range(len(labels))])
    rows = pl.DataFrame({"row": np.arange(len(labels)), "cluster": labels, "user": users})
    column = day.candidates.select("phrase_id").with_row_index("column")
    used = (
        day.phrases.occurrences.join(column, on="phrase_id")
        .join(rows, on="row")
        .group_by("cluster", "column")
        .agg(pl.col("user").n_unique().alias("users"))
    )
    cluster_users = rows.group_by("cluster").agg(pl.col("user").n_unique().alias("total"))
    used = used.join(cluster_users, on="cluster")
    shares[used["cluster"].to_numpy(), used["column"].to_numpy()] = (used["users"] / used["total"]).to_numpy()
    return shares


def _phrase_scores(vectors: np.ndarray, themes: np.ndarray, usage: np.ndarray) -> np.ndarray:
    """Similarity to the cluster's theme, less ``CONTRAST`` x the highest similarity to one of its
    ``NEIGHBOURS`` nearest other clusters, plus ``USAGE`` x the share of its users who wrote it."""
    if not vectors.size:
        return np.zeros((len(themes), 0), dtype=np.float32)
    own = themes @ vectors.T
    contrast = np.zeros_like(own)
    if len(themes) > 1:
        between = themes @ themes.T
        np.fill_diagonal(between, -np.inf)
        nearest = np.argsort(-between, axis=1, kind="stable")[:, : min(NEIGHBOURS, len(themes) - 1)]
        contrast = own[nearest].max(axis=1)
    return own - CONTRAST * contrast + USAGE * usage


def _diverse(ranked: list[int], scores: np.ndarray, vectors: np.ndarray, *, exclude: str, shown: list[str]):
    """Up to three phrases by maximal marginal relevance, none contained in the title."""
    chosen: list[int] = []
    pool = [i for i in ranked if shown[i].lower() not in exclude.lower()]
    while pool and len(chosen) < 3:
        if chosen:
            redundancy = (vectors[pool] @ vectors[chosen].T).max(axis=1)
            value = scores[pool] - DIVERSITY * redundancy
        else:
            value = scores[pool]
        best = pool[int(np.argmax(value))]
        chosen.append(best)
        pool = [i for i in pool if i != best and shown[i].lower() not in shown[best].lower()]
    return chosen


def _language_shares(groups: ClusterGroups, labels: np.ndarray, n: int) -> list[dict[str, float]]:
    if not len(groups.languages):
        return [{} for _ in range(n)]
    frame = pl.DataFrame({"cluster": labels, "language": list(groups.languages)})
    counts = frame.group_by("cluster", "language").len()
    shares: list[dict[str, float]] = [{} for _ in range(n)]
    totals = np.bincount(labels, minlength=n)
    for cluster, language, count in counts.iter_rows():
        shares[cluster][language] = count / max(int(totals[cluster]), 1)
    return shares


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def _variant(title: str, taken: set[str]) -> str:
    number = 2
    while f"{title} ({number})".lower() in taken:
        number += 1
    return f"{title} ({number})"


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """The capital a sentence start gave ("Quick question" -> "quick question"); acronyms and
    runs of capitalised words ("United States", "UK") keep theirs."""
    words = text.split()
    if text[:2].isupper() or (len(words) > 1 and words[1][:1].isupper()):
        return text
    return text[:1].lower() + text[1:]
