"""The embedded, offline, deterministic facet backend (DESIGN §2 ``local``).

Per conversation, from the user's own messages only (assistant and system text is ignored):
- ``turns``: the number of non-blank user messages.
- ``language``: ISO 639-1 code from script rules, two offline detectors and the day's confident
  detections of the same user (``core/facets/language.py``); ``und`` when there is no letter.
- ``request``: for a concerning conversation, "<its strongest harm category>: <category> in a
  <task> request." (fixed words, ``concern_model.HARM_LABELS``), then up to 30 distinct words of the
  user's messages, in their original order, drawn only from the partition's k-anonymous
  vocabulary: words used by at least ``spec.min_unique_users`` distinct users. URLs, e-mails,
  numbers and code identifiers are removed before tokenising, and stop words of the detected
  language (spaCy's lists) are dropped so topical words dominate.
- ``task``: a label from multilingual cue stems (``facet_lexicons.TASK_CUES``) in the first
  user message, by priority; "answer" for other questions, "chat" otherwise.
- ``concerning``: the learned concern model over the embedding of the user text cut to
  ``EMBED_MAX_CHARS`` (whole turns kept, one text per model run), with offensive language as a
  supplement; see ``core.safety.concern``. Those vectors are the day's embeddings of the users' own
  words: ``render`` returns them (``FacetResult.vectors``) so clustering reuses them instead of
  embedding the day again.
- custom facets: see ``custom_facets.py``.
The user's messages are first cut to ``spec.max_prompt_tokens`` (4 characters a token), whole
turns kept; a first message longer than that is cut. Everything is vectorised in polars; the
only per-text Python loop is language identification (once per distinct text).
The language needs the day's other conversations of each user: ``prepare`` detects it from the
text, ``language_evidence`` gives what the day-wide step collects, and ``with_day_languages``
settles the unsure ones before ``render``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

import numpy as np
import polars as pl

from clio_dagster.core.clustering.embed import UserTextVectors, embed_day, make_embedder
from clio_dagster.core.facets import language
from clio_dagster.core.facets.custom import custom_facet_column
from clio_dagster.core.facets.lexicons import CONVERSATIONAL_FILLER, QUESTION_CUES, TASK_CUES
from clio_dagster.core.facets.text_tokens import (
    CHUNK_ROWS,
    explode_tokens,
    scrub_identifiers,
    stems_pattern,
    stop_words,
    word_tokens,
)
from clio_dagster.core.interfaces import Embedder, FacetResult, FacetSpec
from clio_dagster.core.safety.concern import concern_facets
from clio_dagster.core.safety.concern_model import HARM_LABELS
from clio_dagster.core.user_text import EMBED_MAX_CHARS, user_messages, user_text
from clio_dagster.schema import FACETS_SCHEMA

REQUEST_WORDS = 30
GENERALISE_MIN_USERS = 2
GENERALISE_MAX_WORDS = 50_000
GENERALISE_SIMILARITY = 0.5
_REQUEST_SOURCE_CHARS = 1000  # enough for the first message and short follow-ups; bounds memory
_TASK_CHARS = 1000
_CHARS_PER_TOKEN = 4  # spec.max_prompt_tokens is converted to a character budget with this


def _content_tokens(chunk: pl.DataFrame) -> pl.DataFrame:
    """(row, user_hash, token) for each distinct non-stop-word token of each row's text, in order."""
    frame = chunk.select(
        "row",
        # hashes keep the distinct-user count small in memory at 1M conversations
        pl.col("user_id").hash(11).alias("user_hash"),
        "language",
        word_tokens(scrub_identifiers(pl.col("text"))).list.unique(maintain_order=True).alias("tokens"),
    )
    return (
        explode_tokens(frame)
        .join(stop_words(), on=["language", "token"], how="anti", maintain_order="left")
        .filter(~pl.col("token").is_in(list(CONVERSATIONAL_FILLER)))
        # pure hiragana runs are Japanese particles and inflections, never the topic
        .filter(~pl.col("token").str.contains(r"^\p{Hiragana}+$"))
        # a lone Latin/Cyrillic letter carries no topic; a lone Han character often does
        .filter((pl.col("token").str.len_chars() > 1) | pl.col("token").str.contains(r"\p{Han}"))
        .select("row", "user_hash", "token")
    )


def _chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
    return [frame.slice(start, CHUNK_ROWS) for start in range(0, max(frame.height, 1), CHUNK_ROWS)]


_TOKEN_HASH = pl.col("token").hash(7).alias("token_hash")
VOCABULARY_SCHEMA = pl.Schema({"token_hash": pl.UInt64, "shown": pl.Utf8})


def request_token_pairs(texts: pl.Series, user_ids: pl.Series, languages: pl.Series) -> pl.DataFrame:
    """Distinct (token_hash, user_hash) pairs of these rows: the first pass of the k-anonymous
    vocabulary, computable per shard and combined with :func:`k_anonymous_vocabulary`."""
    frame = pl.DataFrame({"text": texts, "user_id": user_ids, "language": languages}).with_row_index("row")
    parts = [
        _content_tokens(chunk).select(_TOKEN_HASH, "user_hash", "token").unique() for chunk in _chunks(frame)
    ]
    return pl.concat(parts).unique()


def generalisations(
    rare: list[str], vocabulary: list[str], *, embedder: Embedder | None, min_similarity: float
) -> dict[str, str]:
    """For each rare word, the k-anonymous word nearest to it in embedding space, if close enough.

    A word too rare to be shown (e.g. "Steuererklärung" typed by 9 users) is replaced by a shown
    word of the same meaning ("tax"), across languages, so a language with little volume is not
    reduced to its filler words. Only vocabulary words are ever emitted.
    """
    if not rare or not vocabulary or embedder is None:
        return {}
    similarity = embedder.embed(rare) @ embedder.embed(vocabulary).T
    best = similarity.argmax(axis=1)
    close = similarity[np.arange(len(rare)), best] >= min_similarity
    return {rare[i]: vocabulary[best[i]] for i in np.flatnonzero(close)}


def k_anonymous_vocabulary(
    pairs: Iterable[pl.DataFrame],
    min_unique_users: int,
    *,
    embedder: Embedder | None = None,
    min_similarity: float = GENERALISE_SIMILARITY,
) -> pl.DataFrame:
    """VOCABULARY_SCHEMA: the tokens ``min_unique_users`` distinct users share, each shown as
    itself, plus rarer tokens (at least ``GENERALISE_MIN_USERS`` users) shown as their nearest
    shared token (``embedder``). Built from every shard's (token_hash, user_hash, token) pairs of
    the day; sorted, so the result does not depend on shard order. Only shared tokens are shown.
    """
    combined = pl.concat(list(pairs)).unique(["token_hash", "user_hash"])
    users = combined.group_by("token_hash").agg(pl.len(), pl.col("token").first())
    shared = users.filter(pl.col("len") >= min_unique_users).sort("token")
    rare = (
        users.filter(pl.col("len").is_between(GENERALISE_MIN_USERS, min_unique_users - 1))
        .sort(["len", "token"], descending=[True, False])
        .head(GENERALISE_MAX_WORDS)
    )
    mapping = generalisations(
        rare["token"].sort().to_list(),
        shared["token"].to_list(),
        embedder=embedder,
        min_similarity=min_similarity,
    )
    generalised = rare.filter(pl.col("token").is_in(list(mapping))).select(
        "token_hash", pl.col("token").replace_strict(mapping, return_dtype=pl.Utf8).alias("shown")
    )
    return (
        pl.concat([shared.select("token_hash", pl.col("token").alias("shown")), generalised])
        .cast(dict(VOCABULARY_SCHEMA))
        .sort("token_hash")
    )


def shared_vocabulary_size(vocabulary: pl.DataFrame) -> int:
    """How many words of ``vocabulary`` are shown as themselves (the k-anonymous words proper)."""
    return vocabulary.filter(pl.col("shown").hash(7) == pl.col("token_hash")).height


def render_requests(
    texts: pl.Series, user_ids: pl.Series, languages: pl.Series, vocabulary: pl.DataFrame
) -> pl.Series:
    """Each row's first ``REQUEST_WORDS`` distinct tokens found in ``vocabulary``, as shown there."""
    frame = pl.DataFrame({"text": texts, "user_id": user_ids, "language": languages}).with_row_index("row")
    kept = pl.concat(
        [
            _content_tokens(chunk)
            .with_columns(_TOKEN_HASH)
            .join(vocabulary, on="token_hash", how="inner", maintain_order="left")
            .group_by("row", maintain_order=True)
            .agg(pl.col("shown").unique(maintain_order=True).head(REQUEST_WORDS).str.join(" "))
            for chunk in _chunks(frame)
        ]
    )
    request = (
        frame.select("row").join(kept, on="row", how="left", maintain_order="left")["shown"].fill_null("")
    )
    return request.alias("request")


def k_anonymous_request(
    texts: pl.Series,
    user_ids: pl.Series,
    languages: pl.Series,
    min_unique_users: int,
    *,
    embedder: Embedder | None = None,
    min_similarity: float = GENERALISE_SIMILARITY,
) -> tuple[pl.Series, int]:
    """The request rendering per row and the size of the vocabulary it was drawn from.

    Two passes over row chunks, so only one chunk's tokens are ever exploded in memory: the first
    collects distinct (user, token) pairs for the whole partition, the second keeps each row's
    first ``REQUEST_WORDS`` tokens that ``min_unique_users`` users share, with rarer words
    replaced by their nearest shared word when ``embedder`` is given.
    """
    pairs = request_token_pairs(texts, user_ids, languages)
    vocabulary = k_anonymous_vocabulary(
        [pairs], min_unique_users, embedder=embedder, min_similarity=min_similarity
    )
    del pairs
    return render_requests(texts, user_ids, languages, vocabulary), shared_vocabulary_size(vocabulary)


def label_words() -> frozenset[str]:
    """Every word ``with_harm_label`` writes itself (harm labels, task names, the connectives):
    fixed vocabulary, never a user's, so the rare-term screen need not treat them as names."""
    phrases = [*HARM_LABELS.values(), *(name for name, _ in TASK_CUES), "in a request"]
    return frozenset(word for phrase in phrases for word in re.findall(r"\w+", phrase.lower()))


def with_harm_label(request: pl.Series, harm_label: pl.Series, task: pl.Series) -> pl.Series:
    """``request`` led by "<harm label>: <harm label> in a <task> request." when there is a harm
    label (``concern.concern_facets``), so concerning requests group by harm category and task.

    The label is named twice: once, it was too weak to pull a translated threat out of benign
    translation; with a shared "harmful ... request" prefix, every harm category fell into one
    cluster (bench/results/tnsrank.md, "harm labels")."""
    frame = pl.DataFrame({"label": harm_label, "task": task, "request": request})
    label = pl.col("label")
    lead = pl.when(label != "").then(
        pl.concat_str([label, pl.lit(": "), label, pl.lit(" in a "), pl.col("task"), pl.lit(" request.")])
    )
    return frame.select(
        pl.concat_str([lead, pl.col("request")], separator=" ", ignore_nulls=True)
        .str.strip_chars()
        .alias("request")
    ).to_series()


def task_labels(first_message: pl.Series) -> pl.Series:
    """The task label of each first user message (priority order of ``TASK_CUES``)."""
    text = pl.col("t")
    label = (
        pl.when(text.str.contains(stems_pattern(QUESTION_CUES)))
        .then(pl.lit("answer"))
        .otherwise(pl.lit("chat"))
    )
    for name, stems in reversed(TASK_CUES):
        label = pl.when(text.str.contains(stems_pattern(stems))).then(pl.lit(name)).otherwise(label)
    frame = pl.DataFrame({"t": first_message.fill_null("").str.slice(0, _TASK_CHARS).str.to_lowercase()})
    return frame.select(label.alias("task")).to_series()


class LocalFacetExtractor:
    """``FacetExtractor`` from text statistics: no network, no model download, deterministic.

    Also a two-pass extractor (``core.facets.shards``): ``prepare`` and ``token_pairs`` per shard,
    ``vocabulary`` over all shards, then ``render`` per shard gives exactly what ``extract`` gives.
    ``embedder`` generalises rare request words to shared ones (default: the bundled USE model,
    loaded on first use); ``generalise=False`` keeps only literally shared words.
    ``user_text_embedder`` embeds each conversation's user text for the concern score; it must be
    the model the concern weights were trained over, one text per run (default:
    ``make_embedder()``, the bundled USE model at batch size 1 on two cores).
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        generalise: bool = True,
        user_text_embedder: Embedder | None = None,
    ) -> None:
        self._embedder = embedder
        self._user_text_embedder = user_text_embedder
        self.generalise = generalise

    def _generaliser(self) -> Embedder | None:
        if not self.generalise:
            return None
        if self._embedder is None:
            from clio_dagster.core.clustering.embed import UseMultilingualEmbedder

            self._embedder = UseMultilingualEmbedder()
        return self._embedder

    def _vectors_embedder(self) -> Embedder:
        """One text per model run: the model's dynamic quantisation scales over a whole batch, so
        batching would make a text's vector depend on which other texts share its shard (and
        sharded != unsharded facets, and the vectors would differ from the clustering step's)."""
        if self._user_text_embedder is None:
            self._user_text_embedder = make_embedder()
        return self._user_text_embedder

    def user_text_vectors(self, prepared: pl.DataFrame) -> UserTextVectors:
        """The embeddings of a prepared shard's ``embed_text``, each distinct text once."""
        embedder = self._vectors_embedder()
        texts = prepared["embed_text"]
        return UserTextVectors(embedder.name, EMBED_MAX_CHARS, texts, embed_day(embedder, texts))

    def vocabulary(self, pairs: Iterable[pl.DataFrame], spec: FacetSpec) -> pl.DataFrame:
        """The day's shown words (VOCABULARY_SCHEMA) from every shard's pairs."""
        return k_anonymous_vocabulary(pairs, spec.min_unique_users, embedder=self._generaliser())

    def prepare(self, conversations: pl.DataFrame, spec: FacetSpec) -> pl.DataFrame:
        """Per conversation: ids, turns, first message, budgeted user text, the user text that is
        embedded (``EMBED_MAX_CHARS``, whole turns kept: not a prefix of the budgeted one) and
        language."""
        budget = spec.max_prompt_tokens * _CHARS_PER_TOKEN
        messages = user_messages()
        base = conversations.select(
            "conversation_id",
            "user_id",
            messages.list.len().cast(pl.Int32).alias("turns"),
            messages.list.first().alias("first_message"),
            user_text(budget),
            user_text(EMBED_MAX_CHARS).alias("embed_text"),
        )
        return base.hstack(language.detect(base["user_text"]))

    def language_evidence(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """This shard's confident languages per user (``language.EVIDENCE_SCHEMA``), for the day."""
        return language.language_evidence(
            prepared["user_id"], prepared.select(language.DETECTIONS_SCHEMA.names())
        )

    def with_day_languages(self, prepared: pl.DataFrame, evidence: Iterable[pl.DataFrame]) -> pl.DataFrame:
        """``prepared`` with each unsure language settled by the whole day's ``evidence``."""
        day = pl.concat(list(evidence) or [pl.DataFrame(schema=language.EVIDENCE_SCHEMA)])
        detections = prepared.select(language.DETECTIONS_SCHEMA.names())
        return prepared.with_columns(language.resolve_languages(prepared["user_id"], detections, day))

    def token_pairs(self, prepared: pl.DataFrame) -> pl.DataFrame:
        """Distinct (token_hash, user_hash) pairs of a prepared shard."""
        return request_token_pairs(_request_source(prepared), prepared["user_id"], prepared["language"])

    def render(self, prepared: pl.DataFrame, vocabulary: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        """Facets of a prepared shard, requests drawn from the day's ``vocabulary``; the shard's
        user-text vectors come back in ``vectors``."""
        started = time.perf_counter()
        vectors = self.user_text_vectors(prepared)
        embedded = time.perf_counter()
        concern = concern_facets(
            prepared["user_text"], prepared["language"], vectors.rows.dense(), embedder=vectors.embedder
        )
        task = task_labels(prepared["first_message"])
        request = with_harm_label(
            render_requests(_request_source(prepared), prepared["user_id"], prepared["language"], vocabulary),
            concern["harm_label"],
            task,
        )
        facets = pl.DataFrame(
            {
                "conversation_id": prepared["conversation_id"],
                "user_id": prepared["user_id"],
                "request": request,
                "task": task,
                "language": prepared["language"],
                "turns": prepared["turns"],
                "concerning": concern["concerning"],
            },
            schema=FACETS_SCHEMA,
        )
        custom = [custom_facet_column(f, prepared["user_text"], request) for f in spec.custom]
        if custom:
            facets = facets.with_columns(custom)
        stats: dict[str, float | int] = {
            "conversations": facets.height,
            "vocabulary_size": shared_vocabulary_size(vocabulary),
            "empty_requests": int((request == "").sum()),
            "embedded_texts": len(vectors.rows.vectors),
            "embed_seconds": round(embedded - started, 3),
            "seconds": round(time.perf_counter() - started, 3),
        }
        return FacetResult(facets=facets, stats=stats, vectors=vectors)

    def extract(self, conversations: pl.DataFrame, spec: FacetSpec) -> FacetResult:
        """Facets for every conversation, in input order (FACETS_SCHEMA + custom facet columns)."""
        started = time.perf_counter()
        prepared = self.prepare(conversations, spec)
        vocabulary = self.vocabulary([self.token_pairs(prepared)], spec)
        prepared = self.with_day_languages(prepared, [self.language_evidence(prepared)])
        result = self.render(prepared, vocabulary, spec)
        result.stats["seconds"] = round(time.perf_counter() - started, 3)
        return result


def _request_source(prepared: pl.DataFrame) -> pl.Series:
    return prepared["user_text"].str.slice(0, _REQUEST_SOURCE_CHARS)
