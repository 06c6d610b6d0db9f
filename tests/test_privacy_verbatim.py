"""Verbatim-leak detector: 8-word runs, case and punctuation insensitive, streaming raw side."""

from __future__ import annotations

from collections.abc import Iterator

from clio_dagster.core.privacy.verbatim import (
    JunctionLeak,
    VerbatimLeak,
    find_runs,
    find_verbatim_runs,
    normalise_words,
)

RAW = [
    "Hi! Can you help me write a complaint to my landlord about the broken heating?",
    "I need a regex that matches dates like 2024-01-15 in a log file.",
    "Tell me a bedtime story about a dragon who is afraid of the dark, please.",
]


def test_eight_word_run_is_found_despite_case_and_punctuation() -> None:
    public = [
        "Landlord disputes",
        "Summary: WRITE a complaint to my landlord, about the BROKEN heating.",
    ]
    leaks = find_verbatim_runs(public, RAW)
    assert leaks == [VerbatimLeak(public_index=1, raw_index=0, public_word_offset=1, n_words=8)]


def test_seven_words_are_not_a_leak() -> None:
    public = ["They ask me write a complaint to my landlord"]  # 7 shared: "me write ... landlord"
    assert find_verbatim_runs(public, RAW) == []
    assert len(find_verbatim_runs(public, RAW, n_words=7)) == 1


def test_each_public_raw_pair_reported_once() -> None:
    public = ["a dragon who is afraid of the dark please and a dragon who is afraid of the dark"]
    leaks = find_verbatim_runs(public, RAW + RAW)
    assert [(leak.public_index, leak.raw_index) for leak in leaks] == [(0, 2), (0, 5)]


def test_raw_side_is_streamed_once() -> None:
    consumed = []

    def stream() -> Iterator[str]:
        for text in RAW:
            consumed.append(text)
            yield text

    assert (
        find_verbatim_runs(["Bedtime stories for young children about dragons and other animals"], stream())
        == []
    )
    assert consumed == RAW


def test_unicode_normalisation() -> None:
    assert normalise_words("Ｃａｆé, NAÏVE—résumé!") == ["café", "naïve", "résumé"]
    raw = ["Je voudrais réserver une table pour deux personnes ce soir à Paris"]
    public = ["je VOUDRAIS réserver une table pour deux personnes ce soir"]
    assert len(find_verbatim_runs(public, raw)) == 1


def test_large_raw_side_with_one_needle() -> None:
    filler = ("the user asked about cooking pasta and sauces for dinner tonight " * 5).strip()
    needle = "the quarterly numbers for project bluebird were leaked to me yesterday"
    raw = (needle if i == 7_777 else f"{filler} {i}" for i in range(20_000))
    public = ["Cooking pasta and sauces", "Leaks: quarterly numbers for project bluebird were leaked to me"]
    leaks = find_verbatim_runs(public, raw)
    assert [(leak.public_index, leak.raw_index) for leak in leaks] == [(1, 7_777)]


def test_a_run_across_two_juxtaposed_texts_is_found_in_either_order_they_may_be_listed() -> None:
    # "a complaint to my" ends one text, "landlord about the broken" starts another: neither holds
    # eight raw words, but a page listing the first right before the second shows them in a row
    public = [
        "Landlord letters. People ask for a complaint to my",
        "Landlord about the broken boiler",
        "Dragons",
    ]
    leaks, junctions = find_runs(public, RAW, juxtaposed=[0, 1, 2])
    assert leaks == []
    assert junctions == [JunctionLeak(tail_index=0, head_index=1, tail_words=4, n_words=8)]
    # texts not listed beside each other are not joined; seven words across a junction are no leak
    assert find_runs(public, RAW, juxtaposed=[0, 2]) == ([], [])
    assert find_runs(["People ask for a complaint to my", "Landlord about the"], RAW, juxtaposed=[0, 1]) == (
        [],
        [],
    )


def test_a_text_is_not_joined_to_itself() -> None:
    # "the dark please tell me a bedtime story": only if the text followed itself
    public = ["Tell me a bedtime story about the dark please"]
    assert find_runs(public, ["of the dark please tell me a bedtime story"], juxtaposed=[0]) == ([], [])
