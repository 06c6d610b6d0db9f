"""The sample corpus: determinism, counts, schema, coverage and the planted scenarios."""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from clio_dagster.sample import generate_sample, write_labels
from clio_dagster.sample.topics import EMERGING_TOPIC, MICRO_TOPIC, SPAM_TOPIC, TOPICS
from clio_dagster.schema import Conversation

DAYS, PER_DAY, MALFORMED, SEED = 3, 400, 15, 7


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    files = generate_sample(out, days=DAYS, conversations=PER_DAY, seed=SEED, malformed=MALFORMED)
    bad_lines = {row["line"] for row in _jsonl(files.malformed)}
    lines = files.conversations.read_text(encoding="utf-8").splitlines()
    good = [Conversation.model_validate_json(line) for i, line in enumerate(lines, 1) if i not in bad_lines]
    truth = {row["conversation_id"]: row for row in _jsonl(files.truth)}
    return files, lines, good, truth


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _user_text(conversation: Conversation) -> str:
    return "\n".join(m.content for m in conversation.messages if m.role == "user")


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    kwargs = {"days": 2, "conversations": 150, "malformed": 6}
    a = generate_sample(tmp_path / "a", seed=3, **kwargs)
    b = generate_sample(tmp_path / "b", seed=3, **kwargs)
    c = generate_sample(tmp_path / "c", seed=4, **kwargs)
    for name in ("conversations", "truth", "malformed"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes(), name
    assert a.conversations.read_bytes() != c.conversations.read_bytes()
    assert a.counts == b.counts


def test_bytes_do_not_depend_on_the_hash_seed(tmp_path):
    """Set iteration order changes with PYTHONHASHSEED; nothing in the output may depend on it."""
    script = (
        "import random, sys; from pathlib import Path; from clio_dagster.sample import generate_sample; "
        "from clio_dagster.sample.kits import KITS; from clio_dagster.sample.render import PersonalDetails; "
        "generate_sample(Path(sys.argv[1]), days=1, conversations=400, seed=5, malformed=5); "
        "d = PersonalDetails(5, random.Random(0)); "
        "kinds = ('name', 'email', 'phone', 'address'); "
        "values = [d.value(lang, k) for lang in KITS for k in kinds for _ in range(20)]; "
        "Path(sys.argv[1], 'details.txt').write_text('\\n'.join(values))"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(Path(__file__).parents[1])}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        files = ("conversations.jsonl", "truth.jsonl", "malformed.jsonl", "details.txt")
        digests.add(tuple(hashlib.sha256((out / name).read_bytes()).hexdigest() for name in files))
    assert len(digests) == 1


def test_counts_per_day_and_totals(sample):
    files, lines, good, truth = sample
    assert len(lines) == DAYS * PER_DAY + MALFORMED == files.counts["lines"]
    assert len(good) == len(truth) == DAYS * PER_DAY == files.counts["conversations"]
    per_day = collections.Counter(c.created_at.astimezone(UTC).date().isoformat() for c in good)
    assert per_day == {(date(2026, 11, 1 + d)).isoformat(): PER_DAY for d in range(DAYS)}
    assert files.dates == tuple(sorted(per_day))
    assert {c.conversation_id for c in good} == set(truth)
    # The UTC date of each record is the date its truth row names (local offsets vary).
    assert all(
        c.created_at.astimezone(UTC).date().isoformat() == truth[c.conversation_id]["date"] for c in good
    )
    assert len({c.created_at.utcoffset() for c in good}) >= 6


def test_records_are_canonical_and_varied(sample):
    _, _, good, truth = sample
    assert all(c.messages[-1].role == "assistant" and c.moderation is not None for c in good)
    assert all(c.user_id.startswith("u_") and c.conversation_id.startswith("c_") for c in good)
    assert any(c.messages[0].role == "system" for c in good)
    turns = collections.Counter(sum(m.role == "user" for m in c.messages) for c in good)
    assert set(turns) == {1, 2, 3, 4}
    # Conversations of one topic are not copies of each other.
    for topic in ("python_help", "recipes", "email_writing"):
        firsts = [_user_text(c).split("\n")[0] for c in good if truth[c.conversation_id]["topic"] == topic]
        assert len(set(firsts)) > 0.8 * len(firsts) > 5, topic
    # Opaque, unique ids that carry no topic or user information.
    assert len({c.conversation_id for c in good}) == len(good)
    assert all(len(c.user_id) == 14 and len(c.conversation_id) == 22 for c in good)


def test_at_least_30_topics_and_6_languages_with_topic_specific_language_mix(sample):
    files, _, _, truth = sample
    rows = list(truth.values())
    assert len({r["topic"] for r in rows}) >= 30 and files.counts["topics"] >= 30
    langs = collections.Counter(r["language"] for r in rows)
    assert len(langs) >= 6 and langs.most_common(1)[0][0] == "en"
    de_overall = langs["de"] / len(rows)
    tax = [r for r in rows if r["topic"] == "tax_questions"]
    assert sum(r["language"] == "de" for r in tax) / len(tax) > 1.5 * de_overall


def test_users_have_heavy_hitters_with_a_usual_topic_and_one_off_accounts(sample):
    _, _, good, truth = sample
    per_user = collections.Counter(c.user_id for c in good)
    heaviest, n = per_user.most_common(1)[0]
    assert n >= 10
    assert sum(n == 1 for n in per_user.values()) > 0.5 * len(per_user)
    topics = collections.Counter(truth[c.conversation_id]["topic"] for c in good if c.user_id == heaviest)
    assert topics.most_common(1)[0][1] >= 0.25 * n


def test_planted_strings_occur_in_their_conversations(sample):
    _files, _, good, truth = sample
    with_pii = 0
    for c in good:
        planted = truth[c.conversation_id]["planted"]
        text = _user_text(c)
        assert all(s and s in text for s in planted), (c.conversation_id, planted)
        with_pii += bool(planted)
    assert 0.05 < with_pii / len(good) < 0.2
    injections = [c for c in good if truth[c.conversation_id]["injection"]]
    assert injections and all(truth[c.conversation_id]["planted"] for c in injections)
    assert {truth[c.conversation_id]["language"] for c in injections} - {"en"}, (
        "injections in several languages"
    )


def test_moderation_flag_rates_follow_the_planted_disagreement(sample):
    _, _, good, truth = sample

    def flag_rate(pred) -> float:
        hits = [c.moderation.flagged for c in good if pred(truth[c.conversation_id])]
        return sum(hits) / len(hits)

    assert flag_rate(lambda r: TOPICS[r["topic"]].concerning and r["group"] is None) > 0.7
    assert flag_rate(lambda r: r["group"] == "false_positive") > 0.4
    assert flag_rate(lambda r: r["group"] == "false_negative") < 0.2
    assert flag_rate(lambda r: r["group"] is None and not TOPICS[r["topic"]].concerning) < 0.06
    assert all((c.moderation.score >= 0.5) == c.moderation.flagged for c in good)


def test_spam_network_posts_near_duplicates_every_day(sample):
    files, _, good, truth = sample
    spam = [c for c in good if truth[c.conversation_id]["spam_network"]]
    accounts = {c.user_id for c in spam}
    assert len(accounts) == files.counts["spam_accounts"] >= 10
    assert all(truth[c.conversation_id]["topic"] == SPAM_TOPIC for c in spam)
    for day in {r["date"] for r in truth.values()}:
        assert {c.user_id for c in spam if truth[c.conversation_id]["date"] == day} == accounts
    assert not any(c.user_id in accounts for c in good if not truth[c.conversation_id]["spam_network"])
    assert all(c.metadata == {"platform": "api", "tier": "free"} for c in spam)
    # Templated: few distinct openings across many requests.
    assert len({c.messages[0].content.split(" ")[0] for c in spam}) <= 3


def test_emerging_topic_only_on_the_last_day_with_enough_users(sample):
    files, _, good, truth = sample
    emerging = [c for c in good if truth[c.conversation_id]["emerging"]]
    assert {truth[c.conversation_id]["date"] for c in emerging} == {files.dates[-1]}
    assert {truth[c.conversation_id]["topic"] for c in emerging} == {EMERGING_TOPIC}
    assert not any(r["topic"] == EMERGING_TOPIC and not r["emerging"] for r in truth.values())
    assert len({c.user_id for c in emerging}) >= 40


def test_micro_topic_has_at_most_two_users_and_records_its_private_details(sample):
    _, _, good, truth = sample
    micro = [c for c in good if truth[c.conversation_id]["micro_topic"]]
    assert micro and {truth[c.conversation_id]["topic"] for c in micro} == {MICRO_TOPIC}
    assert len({c.user_id for c in micro}) <= 2
    assert any(truth[c.conversation_id]["planted"] for c in micro)


def test_malformed_lines_fail_exactly_as_recorded(sample):
    files, lines, _, _ = sample
    report = _jsonl(files.malformed)
    assert len(report) == MALFORMED
    assert {r["reason"] for r in report} == {
        "invalid_json",
        "missing_user_id",
        "bad_timestamp",
        "empty_messages",
        "duplicate_conversation_id",
    }
    seen_ids = collections.Counter()
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):
            seen_ids[json.loads(line).get("conversation_id")] += 1
    for row in report:
        line = lines[row["line"] - 1]
        if row["reason"] == "invalid_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        record = json.loads(line)
        if row["reason"] == "duplicate_conversation_id":
            Conversation.model_validate(record)  # valid on its own; only the id repeats
            original = json.loads(lines[row["duplicate_of_line"] - 1])
            assert record["conversation_id"] == original["conversation_id"] == row["conversation_id"]
            continue
        with pytest.raises(ValidationError):
            Conversation.model_validate(record)
        if row["reason"] == "missing_user_id":
            assert "user_id" not in record
        elif row["reason"] == "empty_messages":
            assert record["messages"] == []
        else:
            assert not _parses_with_zone(record["created_at"])
    duplicates = sum(r["reason"] == "duplicate_conversation_id" for r in report)
    assert sum(n - 1 for n in seen_ids.values()) == duplicates


def _parses_with_zone(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def test_write_labels_mirrors_truth(sample, tmp_path):
    files, _, _, truth = sample
    n = write_labels(files.truth, tmp_path / "labels.jsonl")
    labels = _jsonl(tmp_path / "labels.jsonl")
    assert n == len(labels) == len(truth)
    assert all(set(row) == {"conversation_id", "topic"} for row in labels)
    assert all(truth[row["conversation_id"]]["topic"] == row["topic"] for row in labels)


def test_rejects_nonsense_sizes(tmp_path):
    with pytest.raises(ValueError):
        generate_sample(tmp_path, days=0)
    with pytest.raises(ValueError):
        generate_sample(tmp_path, malformed=-1)


@pytest.mark.slow
def test_default_sample_gives_topics_that_pass_the_default_thresholds(tmp_path):
    files = generate_sample(tmp_path)
    assert files.counts["conversations"] == 6000 and files.dates[0] == "2026-11-01"
    topic_of = {r["conversation_id"]: r["topic"] for r in _jsonl(files.truth)}
    users: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    convs: collections.Counter = collections.Counter()
    for rec in _jsonl(files.conversations):
        day = datetime.fromisoformat(rec["created_at"]).astimezone(UTC).date().isoformat()
        key = (day, topic_of[rec["conversation_id"]])
        users[key].add(rec["user_id"])
        convs[key] += 1
    passing = {key for key, uids in users.items() if len(uids) >= 25 and convs[key] >= 25}
    for day in files.dates:
        assert sum(1 for d, _ in passing if d == day) >= 20
    assert (files.dates[-1], EMERGING_TOPIC) in passing
    assert all((day, SPAM_TOPIC) in passing for day in files.dates)
    assert not any(topic == MICRO_TOPIC for _, topic in passing)
