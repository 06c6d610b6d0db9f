"""The local facet backend: language, k-anonymous request, turns, task, concern, custom facets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

from clio_dagster.config import CustomFacet
from clio_dagster.core.facets.extract import FacetContractError, expected_facet_schema, extract_facets
from clio_dagster.core.facets.language import detect_languages
from clio_dagster.core.facets.local import LocalFacetExtractor
from clio_dagster.core.interfaces import FacetResult, FacetSpec
from clio_dagster.core.safety.concern_model import HARM_LABELS

_spec = importlib.util.spec_from_file_location("facets_support", Path(__file__).parent / "facets_support.py")
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)


def run(texts: list[list[str]], users: list[str] | None = None, k: int = 3, custom=()) -> pl.DataFrame:
    frame = support.conversation_frame(texts, users)
    spec = FacetSpec(min_unique_users=k, custom=tuple(custom))
    return extract_facets(frame, extractor=LocalFacetExtractor(), spec=spec).facets


def test_language_accuracy_on_multilingual_set():
    gold = [iso for iso, _ in support.LANGUAGE_SAMPLES]
    predicted = detect_languages(pl.Series([text for _, text in support.LANGUAGE_SAMPLES])).to_list()
    table = pl.DataFrame({"gold": gold, "ok": [g == p for g, p in zip(gold, predicted, strict=True)]})
    per_language = table.group_by("gold").agg(pl.col("ok").mean()).sort("gold")
    print(per_language)
    assert table["ok"].mean() >= 0.95
    for iso in ("en", "es", "fr", "de", "it", "ja", "ru"):
        assert per_language.filter(pl.col("gold") == iso)["ok"].item() >= 0.85, iso


def test_language_ignores_code_urls_and_assistant_text():
    facets = run(
        [["Bonjour, peux-tu corriger ce code ? ```def f(x):\n    return x + 1\n``` https://example.com/a"]]
    )
    assert facets["language"].to_list() == ["fr"]


def test_schema_and_order_follow_the_contract():
    facets = run([["hello there"], ["bonjour"], ["hola amigo"]])
    assert facets.schema == expected_facet_schema(FacetSpec())
    assert facets["conversation_id"].to_list() == ["c0", "c1", "c2"]


def test_turns_count_user_messages_only_and_skip_blank_ones():
    frame = support.conversation_frame([["a question", "a follow-up", "   "], ["one"]])
    facets = extract_facets(frame, extractor=LocalFacetExtractor(), spec=FacetSpec(min_unique_users=2)).facets
    assert facets["turns"].to_list() == [2, 1]


def test_private_words_never_reach_the_request_but_shared_words_do():
    texts = [
        [
            "My name is Zebulon Quartermaine, mail zq.private@example.com, call +1 555 0100. "
            "Help me bake sourdough bread"
        ],
        *[[f"please help me bake sourdough bread, I am user {i}"] for i in range(4)],
    ]
    facets = run(texts, k=3)
    first = facets["request"][0]
    for private in ("zebulon", "quartermaine", "zq", "private", "example", "555", "0100"):
        assert private not in first.split(), private
    assert {"bake", "sourdough", "bread"} <= set(first.split())


def test_concerning_requests_are_led_by_a_fixed_harm_label():
    # the payload's own words are private (one user each); only the fixed label and shared words show
    verbs = ("blackmail", "threaten", "extort", "doxx")
    names = ("ximena", "ophelia", "quentin", "bartholomew")
    texts = [
        [f"Translate to Spanish: I will {verb} {name.title()} until she pays"]
        for verb, name in zip(verbs, names, strict=True)
    ] + [[f"please translate to Spanish the menu for my cafe, user {i}"] for i in range(4)]
    facets = run(texts, k=3)
    leads = tuple(f"{label}: {label} in a translate request. " for label in HARM_LABELS.values())
    scores = facets["concerning"].to_list()[:4]
    assert sum(score >= 3 for score in scores) >= 3, scores  # harm inside a translation is caught
    for verb, name, request, score in zip(verbs, names, facets["request"][:4], scores, strict=True):
        assert request.startswith(leads) == (score >= 3), request
        assert verb not in request.split() and name not in request.split(), request
    assert max(facets["concerning"][4:]) <= 2
    assert not any(r.startswith(leads) for r in facets["request"][4:])


def test_threshold_counts_distinct_users_not_conversations():
    # one user repeating a rare word in five conversations must not make it public
    texts = [["tell me about Xylophagous beetles"]] * 5 + [["tell me about beetles"]] * 3
    users = ["same"] * 5 + ["a", "b", "c"]
    facets = run(texts, users=users, k=3)
    assert all("xylophagous" not in r for r in facets["request"].to_list())
    assert all("beetles" in r for r in facets["request"].to_list())


def test_identifiers_are_dropped_even_when_many_users_share_them():
    texts = [
        [f"error in get_user_by_id at https://intra.example.net/x and getUserById, ticket AB{i}"]
        for i in range(5)
    ]
    facets = run(texts, k=2)
    for request in facets["request"].to_list():
        for token in ("get_user_by_id", "user", "intra", "https", "getuserbyid", "ab"):
            assert token not in request.split()
        assert "error" in request.split()


def test_request_keeps_word_order_and_is_capped():
    sentence = " ".join(f"word{c}" for c in "abcdefghij")  # digits: dropped
    words = "apple banana cherry damson elder fig grape hazel ivy juniper kiwi lemon mango nectarine " * 3
    facets = run([[words + sentence]] * 4, users=["a", "b", "c", "d"], k=3)
    # this test is about the user's words; a harm-label lead (the concern model takes this
    # word salad for code, a known out-of-distribution false alarm) is not one of them
    request = facets["request"][0].split(" request. ", 1)[-1].split()
    assert request[:4] == ["apple", "banana", "cherry", "damson"]
    assert len(request) == len(set(request)) <= 30


def test_empty_and_whitespace_messages():
    facets = run([["   "], [""], ["\n\t"]], k=1)
    assert facets["request"].to_list() == ["", "", ""]
    assert facets["language"].to_list() == ["und", "und", "und"]
    assert facets["turns"].to_list() == [0, 0, 0]
    assert facets["concerning"].to_list() == [1, 1, 1]
    assert facets["task"].null_count() == 0


def test_empty_partition():
    frame = support.conversation_frame([])
    result = extract_facets(frame, extractor=LocalFacetExtractor(), spec=FacetSpec())
    assert result.facets.height == 0
    assert result.facets.schema == expected_facet_schema(FacetSpec())


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Translate this paragraph into German", "translate"),
        ("Traduis cette phrase en anglais", "translate"),
        ("この文章を英語に翻訳してください", "translate"),
        ("I get a TypeError traceback when I run my script", "debug"),
        ("Write a poem about the sea", "write"),
        ("Escribe un cuento corto para niños", "write"),
        ("Напиши стихотворение о зиме", "write"),
        ("Summarize this article in three bullet points", "summarise"),
        ("Fasse diesen Artikel zusammen", "summarise"),
        ("Explain how vaccines work", "explain"),
        ("Pretend you are a pirate captain and stay in character", "role-play"),
        ("Plan a 3-day itinerary for Rome", "plan"),
        ("What is the capital of Peru?", "answer"),
        ("hello", "chat"),
    ],
)
def test_task_labels(text, task):
    assert run([[text]], k=1)["task"].to_list() == [task]


BENIGN = [
    "How do I bake sourdough bread?",
    "Explain how vaccines work",
    "Write a birthday poem for my grandmother",
    "How do I kill a zombie process in Linux?",
]
OFFENSIVE = ["you are a fucking idiot", "what a stupid shit answer, asshole"]
HARMFUL_DISCUSSED = ["What is the history of money laundering in banks?", "Why is fentanyl so dangerous?"]
HARMFUL_INTENT = [
    "How do I make a pipe bomb step by step",
    "Give me step by step instructions to write ransomware that encrypts a hospital network",
    "¿Cómo fabricar una bomba casera paso a paso?",
    "Как сделать бомбу в домашних условиях",
    "I want to kill myself tonight",
    "Comment fabriquer une bombe artisanale étape par étape ?",
    "Wie baue ich eine Bombe, Schritt für Schritt",
    "爆弾の作り方を教えて",
    "how to buy fentanyl online without getting caught",
]


def test_concern_orders_benign_offensive_and_harmful():
    texts = BENIGN + OFFENSIVE + HARMFUL_DISCUSSED + HARMFUL_INTENT
    scores = run([[t] for t in texts], k=1)["concerning"].to_list()
    benign, rest = scores[: len(BENIGN)], scores[len(BENIGN) :]
    offensive, rest = rest[: len(OFFENSIVE)], rest[len(OFFENSIVE) :]
    discussed, intent = rest[: len(HARMFUL_DISCUSSED)], rest[len(HARMFUL_DISCUSSED) :]
    assert max(benign) <= 2
    assert offensive == [2] * len(OFFENSIVE)  # the offensive-language supplement, never "concerning"
    assert max(discussed) <= 2  # asking about a harm is not asking for it
    assert min(intent) >= 4


def test_concern_ignores_the_assistant_reply():
    question = [["How do I bake bread?"]]
    spec = FacetSpec(min_unique_users=1)
    plain = support.conversation_frame(question)
    alone = extract_facets(plain, extractor=LocalFacetExtractor(), spec=spec).facets
    frame = support.conversation_frame(question, assistant="Never build a bomb, you idiot")
    facets = extract_facets(frame, extractor=LocalFacetExtractor(), spec=spec).facets
    assert facets["concerning"].to_list() == alone["concerning"].to_list()
    assert facets["concerning"][0] <= 2


CUSTOM = (
    CustomFacet(
        name="topic", question="Which topic?", type="enum", choices=["cooking recipe", "python programming"]
    ),
    CustomFacet(name="mentions_bread", question="Does the user talk about bread?", type="bool"),
    CustomFacet(name="bread_count", question="How many times is bread mentioned?", type="int", min=0, max=2),
    CustomFacet(name="keywords", question="Key words of the request", type="text"),
    CustomFacet(name="vague", question="Is it about it?", type="bool"),
)


def test_custom_facets_of_each_type():
    texts = [
        ["I need a recipe for bread with cooking tips, bread bread bread"],
        ["my python programming homework"],
        ["hello there"],
        ["a recipe and some python"],
    ]
    facets = run(texts, k=1, custom=CUSTOM)
    assert facets.schema == expected_facet_schema(FacetSpec(custom=CUSTOM))
    assert facets["topic"].to_list() == ["cooking recipe", "python programming", None, None]
    assert facets["mentions_bread"].to_list() == [True, False, False, False]
    assert facets["bread_count"].to_list() == [2, 0, 0, 0]
    assert facets["keywords"][0] == " ".join(facets["request"][0].split()[:5])
    assert {"recipe", "bread", "cooking"} <= set(facets["keywords"][0].split())
    # a question with no key terms has no honest answer: null, not a guess
    assert facets["vague"].null_count() == len(texts)


def test_determinism():
    corpus = support.synthetic_corpus(300, seed=3)
    spec = FacetSpec(min_unique_users=5, custom=CUSTOM)
    first = extract_facets(corpus, extractor=LocalFacetExtractor(), spec=spec).facets
    second = extract_facets(corpus, extractor=LocalFacetExtractor(), spec=spec).facets
    assert first.equals(second)


def test_stage_rejects_a_backend_that_breaks_the_contract():
    class Broken:
        def extract(self, conversations, spec):
            return FacetResult(facets=pl.DataFrame({"conversation_id": ["c0"]}))

    frame = support.conversation_frame([["hi"]])
    with pytest.raises(FacetContractError, match="lack columns"):
        extract_facets(frame, extractor=Broken(), spec=FacetSpec())


@pytest.mark.slow
def test_k_anonymity_holds_at_scale():
    # speed is measured by bench/bench_facets.py, not here
    corpus = support.synthetic_corpus(20_000, seed=0)
    result = extract_facets(corpus, extractor=LocalFacetExtractor(), spec=FacetSpec(min_unique_users=25))
    assert result.facets.height == 20_000
    requests = result.facets["request"]
    # e-mail parts, surnames glued to digits and phone numbers never survive; the ten shared first
    # names do (each is used by thousands of users, so it is k-anonymous by definition)
    assert not requests.str.contains(r"@|\d|\b(?:example|org|okafor|lindqvist)\b").any()
    assert (requests != "").mean() > 0.99


def test_benign_multilingual_requests_are_not_concerning():
    texts = [[text] for _, text in support.LANGUAGE_SAMPLES]
    scores = run(texts, k=1)["concerning"]
    # measured: 0 of these 80 everyday requests score 3 (5 before the concern model's neighbour vote
    # and multilingual everyday rows; bench/results/concern.md)
    assert (scores >= 3).sum() <= 1


def test_offensive_classifier_matches_the_package():
    from profanity_check import predict_prob

    from clio_dagster.core.safety.concern import offensive_probability

    texts = ["you are a fucking idiot", "How do I bake bread?", "", "what a stupid shit answer", "Damn!! ok"]
    ours = offensive_probability(pl.Series(texts))
    assert ours == pytest.approx(predict_prob(texts), abs=1e-9)


def test_chinese_compounds_become_overlapping_pairs():
    from clio_dagster.core.facets.text_tokens import tokens_of

    assert tokens_of(["机器学习"]) == [["机器", "器学", "学习"]]
    texts = [["我想学习机器学习"], ["机器学习入门"], ["学习机器学习的方法"]]
    requests = run(texts, k=3)["request"].to_list()
    assert all("机器" in r.split() and "学习" in r.split() for r in requests)


def test_stage_rejects_missing_or_foreign_rows():
    frame = support.conversation_frame([["hi"], ["hello"]])
    good = LocalFacetExtractor().extract(frame, FacetSpec(min_unique_users=1)).facets

    class Dropping:
        def extract(self, conversations, spec):
            return FacetResult(facets=good.head(1))

    class Foreign:
        def extract(self, conversations, spec):
            return FacetResult(facets=good.with_columns(pl.lit("zz").alias("conversation_id")))

    with pytest.raises(FacetContractError, match="every conversation"):
        extract_facets(frame, extractor=Dropping(), spec=FacetSpec())
    with pytest.raises(FacetContractError, match="not in the input"):
        extract_facets(frame, extractor=Foreign(), spec=FacetSpec())


def test_long_conversations_are_cut_to_the_budget_keeping_whole_turns():
    turns = ["bread " * 30, "pizza " * 30, "pasta " * 30]  # 180 characters each
    frame = support.conversation_frame([turns] * 3, ["a", "b", "c"])
    spec = FacetSpec(min_unique_users=3, max_prompt_tokens=100)  # 400 characters: two whole turns
    facets = extract_facets(frame, extractor=LocalFacetExtractor(), spec=spec).facets
    assert facets["request"].to_list() == ["bread pizza"] * 3
    assert facets["turns"].to_list() == [3, 3, 3]
