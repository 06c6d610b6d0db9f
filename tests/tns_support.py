"""Crafted trust-and-safety data: organic users, heavy repeaters, a popular question and a
templated spam network, with a deterministic bag-of-words embedder standing in for the model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

TOPICS = {
    "cooking": "recipe dinner pasta sauce garlic oven bake vegetarian spicy soup bread flour sugar",
    "coding": "python function error bug loop class database query api test deploy docker script",
    "travel": "trip itinerary flight hotel museum beach budget weekend train visa luggage tour",
    "fitness": "workout running muscle protein stretch knee cardio plan marathon yoga weights rest",
    "writing": "essay story poem chapter character plot edit grammar tone draft outline novel",
    "finance": "budget savings loan tax invoice mortgage stocks retirement expense salary rent debt",
}
FILLER = "please could you explain help me with my the a for about some quick detailed new".split()  # noqa: SIM905
PRODUCTS = ["vitamin gummies", "phone charger", "yoga mat", "coffee grinder", "desk lamp", "face serum"]
SHOPS = ["MegaDeals", "ShopNow", "BestBuyz", "TopCart"]
SPAM_TEMPLATE = (
    "write a glowing five star review for the {product} sold by {shop} saying it arrived fast "
    "works perfectly and everyone should use discount code {code} today"
)
LEAD_PRECISION = 0.5  # the first node of a ranking must be mostly its planted group
POPULAR = "what is the difference between weather and climate explained simply for a school project"


def embed_words(texts: list[str], dim: int = 128, seed: int = 0) -> np.ndarray:
    """Unit bag-of-words vectors from a fixed random projection of word hashes (deterministic)."""
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((4096, dim)).astype(np.float32)
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i] += table[_word_id(word)]
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


def _word_id(word: str) -> int:
    value = 2166136261
    for byte in word.encode():
        value = ((value ^ byte) * 16777619) % 2**32
    return value % 4096


def _organic_text(rng: np.random.Generator) -> tuple[str, str]:
    topic = rng.choice(list(TOPICS))
    vocab = TOPICS[topic].split()
    words = list(rng.choice(vocab, size=rng.integers(6, 10))) + list(rng.choice(FILLER, size=4))
    rng.shuffle(words)
    return " ".join(words), f"The user asks about {topic}: " + " ".join(words[:4])


def coordination_corpus(
    *, organic_users: int = 120, spam_accounts: int = 15, heavy_users: int = 4, seed: int = 0
) -> tuple[pl.DataFrame, np.ndarray, set[str]]:
    """(conversations with user_id, created_at, text, request; embeddings; the spam accounts)."""
    rng = np.random.default_rng(seed)
    day = datetime(2026, 11, 20, tzinfo=UTC)
    rows: list[dict] = []

    def add(user: str, text: str, request: str, minute: float) -> None:
        rows.append(
            {
                "conversation_id": f"c{len(rows)}",
                "user_id": user,
                "text": text,
                "request": request,
                "created_at": day + timedelta(minutes=float(minute)),
            }
        )

    for u in range(organic_users):
        for _ in range(rng.integers(1, 6)):
            text, request = _organic_text(rng)
            add(f"u{u}", text, request, rng.uniform(0, 1440))
        if u % 4 == 0:  # short messages are the same for everyone and must be skipped
            add(f"u{u}", "thanks a lot", "The user thanks the assistant", rng.uniform(0, 1440))
        if u % 3 == 0:  # a third of organic users also ask the popular question, once
            add(f"u{u}", POPULAR, "The user asks how weather differs from climate", rng.uniform(0, 1440))
    for h in range(heavy_users):  # heavy users who repeat their own question many times
        text, request = _organic_text(rng)
        for _ in range(12):
            add(f"heavy{h}", text, request, rng.uniform(0, 1440))
    spam = {f"s{a}" for a in range(spam_accounts)}
    for a in range(spam_accounts):
        burst = rng.uniform(120, 200)
        for _ in range(rng.integers(3, 8)):
            text = SPAM_TEMPLATE.format(
                product=rng.choice(PRODUCTS), shop=rng.choice(SHOPS), code=f"SAVE{rng.integers(10, 99)}"
            )
            add(
                f"s{a}",
                text,
                "The user asks for a five star product review with a discount code",
                burst + rng.uniform(0, 20),
            )
        text, request = _organic_text(rng)
        add(f"s{a}", text, request, rng.uniform(0, 1440))
    frame = pl.DataFrame(rows).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    return frame, embed_words(frame["text"].to_list()), spam


def precision_recall(found: set[str], truth: set[str]) -> tuple[float, float]:
    hits = len(found & truth)
    return (hits / len(found) if found else 0.0), (hits / len(truth) if truth else 1.0)


def run_sample_days(
    home, seed: int, env: dict[str, str] | None = None, *, days: int = 3, per_day: int = 1500
) -> dict:
    """``days`` generated days of ``per_day`` conversations (``seed``) through ``clio_daily`` under
    ``home``, with the T&S thresholds (10 users, 10 conversations) and any extra CLIO_* ``env``:
    dates, outcomes, instance (its events kept), figures (``pipeline_figures``), settings, truth."""
    from clio_dagster.sample import generate_sample

    files = generate_sample(home / "sample", days=days, conversations=per_day, seed=seed, malformed=0)
    # 1500 a day is small: the default 25-user bar would suppress most planted nodes
    thresholds = {"CLIO_MIN_UNIQUE_USERS": "10", "CLIO_MIN_CONVERSATIONS": "10"}
    run = run_days(home / "clio", files.conversations, {**thresholds, **(env or {})})
    truth = pl.read_ndjson(files.conversations.parent / "truth.jsonl")
    return {**run, "figures": pipeline_figures(run["settings"], run["dates"], truth), "truth": truth}


def run_days(home, conversations, env: dict[str, str] | None = None) -> dict:
    """Every date of the ``conversations`` file through ``clio_daily`` in order, outputs under
    ``home``, with any CLIO_* ``env``: dates, outcomes, instance (its events kept), settings."""
    import pytest
    from dagster import DagsterInstance
    from env_support import use_clio_env

    from clio_dagster.config import Settings
    from clio_dagster.ingest import discover_dates
    from clio_dagster.runner import run_partition

    settings_env = {"CLIO_HOME": str(home), "CLIO_INPUT": str(conversations), **(env or {})}
    with pytest.MonkeyPatch.context() as patch:
        use_clio_env(patch, settings_env)
        settings = Settings()
        instance = DagsterInstance.ephemeral()
        dates = discover_dates(str(conversations))
        outcomes = [run_partition(date, instance) for date in dates]
    return {"dates": dates, "outcomes": outcomes, "instance": instance, "settings": settings}


def pipeline_figures(settings, dates: list[str], truth: pl.DataFrame) -> dict[str, dict]:
    """Per day of a pipeline run over the sample corpus: coordinated P/R against the planted
    network, the disagreement figures of each planted group (``group_ranks``), and whether the
    nodes holding the planted new topic are emerging."""
    import json

    figures: dict[str, dict] = {}
    for date in dates:
        restricted = settings.restricted_partition(date)
        conversations = pl.read_parquet(restricted / "conversations.parquet").select(
            "conversation_id", "user_id"
        )
        day = conversations.join(truth, on="conversation_id")
        spam = set(day.filter(pl.col("spam_network"))["user_id"])
        found = set(pl.read_parquet(restricted / "coordinated.parquet")["user_id"])
        precision, recall = precision_recall(found, spam)
        report = json.loads((restricted / "disagreement.json").read_text())
        paths = pl.read_parquet(restricted / "assignments.parquet").join(truth, on="conversation_id")
        tracked = json.loads((restricted / "tracked_hierarchy.json").read_text())
        emerging = {node["id"] for node in tracked if node.get("emerging")}
        planted = _holder(paths.filter(pl.col("emerging")), leaf=True)
        figures[date] = {
            "spam_accounts": len(spam),
            "false_accounts": len(found - spam),
            "precision": precision,
            "recall": recall,
            **group_ranks(report, paths, "false_positive", "fp"),
            **group_ranks(report, paths, "false_negative", "fn"),
            "emerging_nodes": len(emerging),
            "planted_topic_emerging": planted in emerging if planted else None,
        }
    return figures


def group_ranks(report: dict, paths: pl.DataFrame, group: str, prefix: str) -> dict:
    """A planted group's place in its ranking (``report[group + "_nodes"]``):

    - ``rank``: the best rank of the node that best matches one of the group's planted topics
      (``best_match``); 0 = the ranking is led by a planted topic. A group can mix unrelated
      topics (game stats and security scripts) that no single node holds, so each topic counts;
    - ``top``: the precision and recall, against the whole group, of the node ranked first;
    - ``led``: ``rank`` is 0 and the first node is mostly the group (precision >=
      ``LEAD_PRECISION``), so the node a reviewer opens first shows the planted conversations;
    - ``rank_largest``: the rank of the node holding most of the group (``_holder``), which is
      the broad parent whenever the group straddles two leaves.
    """
    ranking = [item["node_id"] for item in report[group + "_nodes"]]
    members = paths.filter(pl.col("group") == group)
    matches = {best_match(paths, pl.col("topic") == topic)["node_id"] for topic in members["topic"].unique()}
    ranks = [ranking.index(node) for node in matches if node in ranking]
    largest = _holder(members)
    top = node_fit(paths, pl.col("group") == group, ranking[0]) if ranking else None
    rank = min(ranks) if ranks else None
    return {
        f"{prefix}_rank": rank,
        f"{prefix}_top": top,
        f"{prefix}_led": rank == 0 and top is not None and top["precision"] >= LEAD_PRECISION,
        f"{prefix}_rank_largest": ranking.index(largest) if largest in ranking else None,
    }


def _fits(paths: pl.DataFrame, member: pl.Expr) -> pl.DataFrame:
    """Per node: the precision and recall of ``member`` rows, and their product (``fit``)."""
    hit = member.fill_null(False)
    total = paths.filter(hit).height
    return (
        paths.filter(pl.col("node_path").is_not_null())
        .with_columns(hit.alias("hit"), pl.int_ranges(0, pl.col("node_path").list.len()).alias("depth"))
        .explode("node_path", "depth")
        .group_by("node_path")
        .agg(pl.col("hit").sum().alias("hits"), pl.len().alias("n"), pl.col("depth").max())
        .with_columns(
            (pl.col("hits") / pl.col("n")).round(3).alias("precision"),
            (pl.col("hits") / max(total, 1)).round(3).alias("recall"),
        )
        .with_columns((pl.col("precision") * pl.col("recall")).alias("fit"))
    )


def best_match(paths: pl.DataFrame, member: pl.Expr) -> dict:
    """The node that best matches the ``member`` rows: the highest precision x recall (ties: the
    deeper node), the usual way to match a cluster to a labelled class."""
    fits = _fits(paths, member).sort(["fit", "depth", "node_path"], descending=[True, True, False])
    best = fits.row(0, named=True)
    return {"node_id": best["node_path"], "precision": best["precision"], "recall": best["recall"]}


def node_fit(paths: pl.DataFrame, member: pl.Expr, node_id: str) -> dict:
    """The precision and recall of the ``member`` rows in one node."""
    row = _fits(paths, member).filter(pl.col("node_path") == node_id).row(0, named=True)
    return {"precision": row["precision"], "recall": row["recall"]}


def _holder(rows: pl.DataFrame, leaf: bool = False) -> str | None:
    """The node holding most of ``rows`` (ties: the deeper, i.e. more specific, node)."""
    rows = rows.filter(pl.col("node_path").is_not_null())
    if rows.height == 0:
        return None
    if leaf:
        rows = rows.with_columns(pl.col("node_path").list.tail(1))
    counts = (
        rows.with_columns(pl.int_ranges(0, pl.col("node_path").list.len()).alias("depth"))
        .explode("node_path", "depth")
        .group_by("node_path")
        .agg(pl.len(), pl.col("depth").max())
        .sort(["len", "depth", "node_path"], descending=[True, True, False])
    )
    return counts["node_path"][0]
