"""Local names: English instructions and short descriptions, made only of k-anonymous phrases."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest

from bench.title_checks import has_non_latin_letters, is_keyword_list
from clio_dagster.core.interfaces import ClusterGroups
from clio_dagster.core.taxonomy.naming import LocalClusterNamer
from clio_dagster.core.taxonomy.phrases import day_phrases
from clio_dagster.core.taxonomy.wording import FALLBACK_TITLES, NOUN_FRAMES, fixed_words, phrase_kinds

K = 5
OUR_VERBS = tuple(frame.removesuffix("{}") for frame in NOUN_FRAMES) + FALLBACK_TITLES
TOPICS = [
    (
        "en",
        [
            "Can you write a cover letter for a marketing job?",
            "please write a cover letter for my nursing job application",
            "I need to write a cover letter for an internship",
        ],
    ),
    (
        "en",
        [
            "my laptop won't start after the update, help",
            "how do I fix a laptop that won't start",
            "fix a laptop that won't start after a spill",
            "laptop won't start and the screen stays black",
        ],
    ),
    (
        "en",
        [
            "plan a trip itinerary for five days in Portugal",
            "help me plan a trip itinerary with my kids",
            "could you plan a trip itinerary on a budget",
        ],
    ),
    ("zh", ["帮我写一封求职信", "我需要一封市场营销工作的求职信", "请写一封实习的求职信"]),
    ("id", ["apa kabar hari ini teman", "kabar baik hari ini", "hari ini aku bosan sekali"]),
]


def _groups(per_topic: int = 12, extra: list[tuple[int, str, str, str]] = ()) -> ClusterGroups:
    """Each topic's phrasings spread over ``per_topic`` users; ``extra`` adds (label, user, lang, text)."""
    rows = []
    for label, (language, phrasings) in enumerate(TOPICS):
        for i in range(per_topic):
            rows.append((label, f"u{label}-{i}", language, phrasings[i % len(phrasings)]))
    rows += list(extra)
    labels, users, languages, texts = (list(column) for column in zip(*rows, strict=True))
    return ClusterGroups(
        texts=texts,
        labels=np.array(labels),
        centroids=np.eye(len(TOPICS), dtype=np.float32),
        user_ids=users,
        user_texts=texts,
        languages=languages,
    )


@pytest.fixture(scope="module")
def namer() -> LocalClusterNamer:
    return LocalClusterNamer(min_unique_users=K)


def _users_per_word(groups: ClusterGroups) -> dict[str, set[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for text, user in zip(groups.user_texts, groups.user_ids, strict=True):
        for word in re.findall(r"[a-z']+", text.lower()):
            users[word].add(user)
    return users


def test_a_phrase_fewer_than_k_users_wrote_never_appears(namer):
    # four users (k - 1) write a distinctive phrase many times; a fifth writes it in another cluster
    rare = "zanzibar ferry timetable"
    extra = [(2, f"rare-{i % (K - 1)}", "en", f"plan a trip itinerary with the {rare}") for i in range(20)]
    groups = _groups(extra=extra)
    for name in namer.name_clusters(groups):
        text = f"{name.title} {name.description}".lower()
        assert not {"zanzibar", "ferry", "timetable"} & set(re.findall(r"[a-z]+", text))


def test_every_word_is_ours_or_written_by_k_users(namer):
    groups = _groups()
    users = _users_per_word(groups)
    ours = fixed_words()
    for name in namer.name_clusters(groups):
        for word in re.findall(r"[A-Za-z']+", f"{name.title} {name.description}"):
            assert word.lower() in ours or len(users[word.lower()]) >= K, word


def test_titles_are_english_instructions_even_for_other_languages(namer):
    names = namer.name_clusters(_groups())
    for name in names:
        assert not has_non_latin_letters(name.title), name.title
        assert not is_keyword_list(name.title), name.title
        assert re.fullmatch(r"[A-Z][A-Za-z' ]+", name.title), name.title
        # an instruction: one of our task verbs, or the users' own verb phrase
        assert name.title.startswith(OUR_VERBS) or phrase_kinds([name.title])[0] == "verb", name.title
        assert 1 <= name.description.count(". ") + 1 <= 2  # one or two sentences
        # no quoted title of another node: the explorer would list it right before a title (issue 14)
        assert "“" not in name.description and not any(other.title in name.description for other in names), (
            name.description
        )
    titles = [n.title.lower() for n in names]
    assert len(set(titles)) == len(titles)
    assert "cover letter" in titles[0] and "laptop" in titles[1] and "trip itinerary" in titles[2]
    # the Chinese cluster asks for cover letters: the multilingual embedder finds the English phrase
    assert "cover letter" in titles[3] or "letter" in names[3].description
    # Indonesian is Latin but not English: its words never reach a title
    assert not {"kabar", "hari", "ini"} & set(titles[4].split())


def test_phrases_count_distinct_users_and_skip_identifiers():
    texts = ["book a table at 7pm for two"] * 10 + ["book a table for four"] * 3 + ["mail me at a@b.co"] * 9
    users = ["same"] * 10 + ["x", "y", "z"] + [f"m{i}" for i in range(9)]
    phrases = day_phrases(texts, users, ["en"] * len(texts), min_unique_users=5).phrases
    # one heavy user counts once; "7pm" and the e-mail are never words, nor any part of them
    assert phrases["phrase"].to_list() == ["mail"]
    phrases = day_phrases(texts, users, ["en"] * len(texts), min_unique_users=4).phrases
    # "a table" and "table" are always preceded by "book": only the whole phrase is kept
    assert phrases["phrase"].to_list() == ["book", "book a table", "mail", "table"]
    assert phrases["users"].to_list() == [4, 4, 9, 4]


def test_names_are_deterministic():
    groups = _groups()
    first = LocalClusterNamer(min_unique_users=K).name_clusters(groups)
    second = LocalClusterNamer(min_unique_users=K).name_clusters(groups)
    assert first == second


def test_no_shared_phrase_gives_an_honest_english_fallback(namer):
    groups = _groups(per_topic=3)  # every phrase has 3 < K users
    names = namer.name_clusters(groups)
    assert all(n.description.startswith("No phrase shared by enough people") for n in names)
    assert all(not has_non_latin_letters(n.title) and not is_keyword_list(n.title) for n in names)


def test_keyword_list_detector():
    assert is_keyword_list("Kabar, 심심해 and wbu")
    assert is_keyword_list("Cover letter, position and interview")
    assert not is_keyword_list("Book a table and find a hotel")
    assert not is_keyword_list("Troubleshoot a laptop that won't start")
    assert has_non_latin_letters("Привіт, vertel and کار") and not has_non_latin_letters("Café crème")
