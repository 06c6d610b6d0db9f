"""The day's k-anonymous English phrases: the only conversation-derived text the local namer may publish.

A candidate is a run of 1 to ``MAX_WORDS`` consecutive words of the users' own messages (the
opening ``SOURCE_CHARS`` characters, where the request usually is), inside one clause, made only of
ASCII letters, after identifiers (URLs, e-mails, anything with a digit, code names) are blanked.
It is kept only when at least ``min_unique_users`` distinct users of the day wrote it, and counted
as English when most of those users' messages are English (the ``language`` facet): Indonesian,
Dutch or Spanish text is Latin too, so the script check alone is not enough.

What makes a phrase usable as a title fragment is decided by closed lists of English function
words written here (pronouns, modals, greetings, edge words), never by conversation text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from clio_dagster.core.facets.text_tokens import scrub_identifiers

MAX_WORDS = 5
SOURCE_CHARS = 240
TORN_SHARE = 0.8
ENGLISH_SHARE = 0.5  # of a phrase's users whose messages are English
_CLAUSE = r"[^.,;:!?\n\r\t()\[\]{}\"“”«»…]+"
_ASCII_WORD = r"^[A-Za-z]+(?:'[A-Za-z]+)?$"

# Words that make a fragment about the speaker or the exchange rather than the topic.
_ABOUT_THE_EXCHANGE = frozenset((
    "i", "i'm", "i'd", "i'll", "i've", "im", "me", "my", "mine", "myself", "you", "you're", "you'd",
    "you'll", "your", "yours", "yourself", "we", "we're", "our", "us", "he", "she", "him", "her", "his",
    "they", "them", "their", "it's", "that's", "there's", "can", "can't", "could", "would", "will",
    "won", "should", "shall", "may", "might", "must", "do", "does", "did", "don't", "doesn't", "didn't",
    "is", "isn't", "are", "aren't", "am", "was", "wasn't", "were", "be", "been", "being", "have", "has",
    "had", "having", "please", "pls", "thanks", "thank", "hi", "hello", "hey", "okay", "ok", "yes",
    "yeah", "no", "sure", "what", "who", "whom", "whose", "when", "where", "why", "which", "how",
    "whether", "something", "anything", "everything", "someone", "anyone", "just", "also", "so", "very",
    "really", "maybe", "actually", "still", "even", "else", "other", "another", "thing", "things",
    "there", "here", "this", "these", "those"
))  # fmt: skip
# Words a fragment may hold inside but must not start with (it would read as a torn sentence).
_TORN_START = frozenset((
    "and", "or", "but", "nor", "to", "of", "in", "on", "at", "for", "with", "from", "by", "about", "as",
    "than", "that", "into", "onto", "over", "under", "between", "through", "during", "without",
    "within", "if", "because", "while", "then", "not"
))  # fmt: skip
# Words a fragment must not end with: anything that still expects a continuation.
_TORN_END = _TORN_START | frozenset((
    "a", "an", "the", "some", "any", "each", "every", "all", "both", "few", "many", "much", "more",
    "most", "no", "own", "same", "such", "my", "your", "its", "it", "them", "this", "that", "these",
    "those", "new"
))  # fmt: skip
_FUNCTION_WORDS = _TORN_END | _ABOUT_THE_EXCHANGE


@dataclass(frozen=True)
class DayPhrases:
    """``phrases``: phrase_id, phrase (lower case), shown (the users' most common spelling),
    users (distinct users who wrote it), english (bool). ``occurrences``: distinct (row, phrase_id)."""

    phrases: pl.DataFrame
    occurrences: pl.DataFrame

    @property
    def english(self) -> pl.DataFrame:
        return self.phrases.filter("english")


def day_phrases(
    user_texts: Sequence[str],
    user_ids: Sequence[str],
    languages: Sequence[str],
    *,
    min_unique_users: int,
    chunk_rows: int = 25_000,
) -> DayPhrases:
    """Phrases at least ``min_unique_users`` distinct users wrote today, and which rows hold them."""
    languages = list(languages) if len(languages) else [None] * len(user_texts)
    frame = pl.DataFrame(
        {"text": list(user_texts), "user_id": list(user_ids), "language": languages},
        schema={"text": pl.Utf8, "user_id": pl.Utf8, "language": pl.Utf8},
    ).with_row_index("row")
    parts = [_candidates(frame.slice(start, chunk_rows)) for start in range(0, frame.height, chunk_rows)]
    found = pl.concat(parts) if parts else _candidates(frame)
    per_user = found.select("phrase", "user_hash", "english_user").unique(["phrase", "user_hash"])
    counted = (
        per_user.group_by("phrase")
        .agg(pl.len().alias("users"), pl.col("english_user").mean().alias("english_share"))
        .filter(pl.col("users") >= min_unique_users)
    )
    kept = found.join(counted.select("phrase"), on="phrase", how="semi")
    counted = counted.join(_torn(kept), on="phrase", how="anti")
    kept = kept.join(counted.select("phrase"), on="phrase", how="semi")
    shown = (
        kept.group_by("phrase", "shown")
        .agg(pl.col("user_hash").n_unique().alias("spellers"))
        .sort(["phrase", "spellers", "shown"], descending=[False, True, False])
        .group_by("phrase", maintain_order=True)
        .first()
        .select("phrase", "shown")
    )
    phrases = (
        counted.join(shown, on="phrase")
        .sort("phrase")
        .with_row_index("phrase_id")
        .select(
            pl.col("phrase_id").cast(pl.Int32),
            "phrase",
            "shown",
            pl.col("users").cast(pl.Int32),
            (pl.col("english_share") >= ENGLISH_SHARE).alias("english"),
        )
    )
    occurrences = (
        kept.join(phrases.select("phrase", "phrase_id"), on="phrase")
        .select(pl.col("row").cast(pl.Int64), "phrase_id")
        .unique()
        .sort("row", "phrase_id")
    )
    return DayPhrases(phrases=phrases, occurrences=occurrences)


def _torn(kept: pl.DataFrame) -> pl.DataFrame:
    """Phrases cut out of a longer one: at least ``TORN_SHARE`` of their users wrote the same word
    right before or right after them ("letter for a marketing" inside "cover letter for a
    marketing job"). The longer phrase, or a shorter whole one, is kept instead. A function word
    beside it does not count: "write a cover letter" is whole although "for" usually follows."""
    users = kept.group_by("phrase").agg(pl.col("user_hash").n_unique().alias("users"))
    torn = []
    for side in ("before", "after"):
        beside = (
            kept.drop_nulls(side)
            .filter(~pl.col(side).is_in(list(_FUNCTION_WORDS)))
            .group_by("phrase", side)
            .agg(pl.col("user_hash").n_unique().alias("beside"))
            .group_by("phrase")
            .agg(pl.col("beside").max())
            .join(users, on="phrase")
            .filter(pl.col("beside") >= TORN_SHARE * pl.col("users"))
        )
        torn.append(beside.select("phrase"))
    return pl.concat(torn).unique()


def _candidates(chunk: pl.DataFrame) -> pl.DataFrame:
    """(row, user_hash, english_user, phrase, shown) for every candidate word run of the chunk."""
    clauses = (
        chunk.select(
            "row",
            pl.col("user_id").hash(11).alias("user_hash"),
            # without a language facet (a caller that has none) only the script check applies
            (pl.col("language") == "en").fill_null(True).alias("english_user"),
            scrub_identifiers(pl.col("text").fill_null("").str.slice(0, SOURCE_CHARS))
            .str.extract_all(_CLAUSE)
            .alias("clause"),
        )
        .explode("clause")
        .drop_nulls("clause")
        .with_row_index("clause_id")
    )
    words = (
        clauses.with_columns(pl.col("clause").str.split(" ").alias("shown"))
        .explode("shown")
        .filter(pl.col("shown") != "")
        .with_columns(pl.col("shown").str.replace_all("’", "'"))
    )
    # a word that is not plain ASCII letters ends the run: phrases never span other scripts or digits
    breaks = (~pl.col("shown").str.contains(_ASCII_WORD)).cum_sum().alias("run")
    words = words.with_columns(breaks).filter(pl.col("shown").str.contains(_ASCII_WORD))
    words = words.with_columns(
        pl.col("shown").str.to_lowercase().alias("word"),
        # both counters only grow, so their sum changes exactly where a clause or a run changes
        (pl.col("clause_id").cast(pl.Int64) + pl.col("run")).alias("segment"),
    )
    words = words.with_columns(pl.col("word").is_in(list(_ABOUT_THE_EXCHANGE)).alias("blocked"))
    out = []
    for n in range(1, MAX_WORDS + 1):
        ahead = [pl.col("word").shift(-j) for j in range(n)]
        shown = [pl.col("shown").shift(-j) for j in range(n)]
        whole = pl.col("segment").shift(-(n - 1)) == pl.col("segment")
        blocked = pl.sum_horizontal([pl.col("blocked").shift(-j) for j in range(n)])
        grams = words.select(
            "row",
            "user_hash",
            "english_user",
            pl.concat_str(ahead, separator=" ").alias("phrase"),
            pl.concat_str(shown, separator=" ").alias("shown"),
            whole.fill_null(False).alias("whole"),
            blocked.alias("blocked"),
            pl.col("word").alias("first"),
            pl.col("word").shift(-(n - 1)).alias("last"),
            pl.when(pl.col("segment").shift(-n) == pl.col("segment"))
            .then(pl.col("word").shift(-n))
            .alias("after"),
            pl.when(pl.col("segment").shift(1) == pl.col("segment"))
            .then(pl.col("word").shift(1))
            .alias("before"),
        )
        out.append(
            grams.filter(
                pl.col("whole")
                & (pl.col("blocked") == 0)
                & ~pl.col("first").is_in(list(_TORN_START))
                & ~pl.col("last").is_in(list(_TORN_END))
                & (pl.col("last").str.len_chars() > 2)
            ).select("row", "user_hash", "english_user", "phrase", "shown", "before", "after")
        )
    return pl.concat(out).unique(["row", "phrase"])
