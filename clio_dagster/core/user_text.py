"""The user text of a conversation: what the user wrote, every user turn joined, bounded in length.

The one definition the local facet backend (language, concern, custom facets), the embeddings of
the local backend and anything else that reads "what the conversation says" share, so the same
conversation always yields the same text and vectors computed from it by one step can be reused by
another (``core.clustering.vector_cache``). Assistant and system turns are never part of it.
"""

from __future__ import annotations

import polars as pl

# Characters of user text embedded for clustering on the local backend. Chosen by measurement on the
# real development corpus (bench/results/embedders.md): longer inputs cost time roughly in
# proportion and did not cluster better (1,000 and 2,000 scored the same AMI, 500 ran 1.3x as fast).
EMBED_MAX_CHARS = 500


def user_messages() -> pl.Expr:
    """The non-blank user messages of each conversation, in order (a list column)."""
    return pl.col("messages").list.eval(
        pl.element()
        .filter(
            (pl.element().struct.field("role") == "user")
            & (pl.element().struct.field("content").str.strip_chars().str.len_chars() > 0)
        )
        .struct.field("content")
    )


def all_user_text() -> pl.Expr:
    """Every user message of each conversation joined by newlines, unbounded.

    For scans that must see every word a user wrote (the audit's rare terms): a bound would let a
    name that sits past it reach a public title unnoticed. Embeddings and facets use :func:`user_text`.
    """
    return user_messages().list.join("\n").fill_null("").alias("user_text")


def user_text(max_chars: int) -> pl.Expr:
    """Each conversation's user messages joined by newlines, cut to ``max_chars`` characters.

    Whole turns are kept while they fit (always the first, cut if it alone is too long), so a long
    conversation keeps its opening request rather than a slice through a later message.
    """
    if max_chars < 1:
        raise ValueError(f"user_text: max_chars must be >= 1 (got {max_chars})")
    length = pl.element().str.len_chars() + 1  # +1 for the joining newline
    fitting = user_messages().list.eval(
        pl.element().filter((length.cum_sum() <= max_chars) | (pl.int_range(pl.len()) == 0))
    )
    return fitting.list.join("\n").str.slice(0, max_chars).fill_null("").alias("user_text")


def user_texts(conversations: pl.DataFrame | pl.LazyFrame, max_chars: int = EMBED_MAX_CHARS) -> pl.Series:
    """:func:`user_text` of each conversation, in input order."""
    frame = conversations.select(user_text(max_chars))
    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    return frame["user_text"]
