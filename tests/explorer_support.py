"""Plausible multi-day public hierarchies for the explorer tests, with planted private strings."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

SUBJECTS = [
    "Python debugging",
    "Resume writing",
    "Recipe planning",
    "Travel itineraries",
    "Tabletop role-play",
    "Security programming",
    "Translation requests",
    "Poetry",
    "Tax questions",
    "SQL queries",
    "Fitness plans",
    "Language learning",
    "Email drafting",
    "Math homework",
    "Startup pitches",
    "Garden care",
]
ANGLES = [
    "basics",
    "advanced help",
    "troubleshooting",
    "reviews",
    "ideas",
    "step-by-step guides",
    "comparisons",
]
SETTINGS = ["at work", "for students", "in a hurry", "with examples", "for beginners", "at scale"]
LANGUAGES = ["en", "fr", "de", "es", "ja", "pt"]
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">Tricky <b>title</b> & "quotes"</script>'
EMERGING_TITLE = "Viral puzzle game strategies"
# Strings that live only in the restricted zone: they must never reach the page.
PLANTED = ["user-8812733", "conv-4f1c2e9a77", "jane.doe@example.com", "restricted-cluster-77"]


def dates_from(start: str, days: int) -> list[str]:
    """``days`` consecutive ISO dates from ``start``."""
    first = date.fromisoformat(start)
    return [(first + timedelta(days=k)).isoformat() for k in range(days)]


def make_tree(rng: random.Random, top: int, fanout: list[int]) -> list[dict]:
    """Node skeletons (id, parent, depth, title, description, leaf weight), ids stable for a seed."""
    nodes: list[dict] = []
    level = []
    for k in range(top):
        subject = SUBJECTS[k % len(SUBJECTS)] + ("" if k < len(SUBJECTS) else f" ({k // len(SUBJECTS) + 1})")
        level.append(
            {"id": f"L0-{k:03d}", "parent_id": None, "depth": 0, "title": subject, "subject": subject}
        )
    nodes.extend(level)
    for depth, width in enumerate(fanout, start=1):
        next_level = []
        for parent in level:
            for k in range(width):
                words = ANGLES if depth == 1 else SETTINGS
                word = words[k % len(words)] + (f" {k // len(words) + 1}" if k >= len(words) else "")
                node_id = f"L{depth}-{len(next_level):05d}"
                stem = parent["subject"] if depth == 1 else parent["title"]
                title = f"{stem}: {word}" if depth == 1 else f"{stem}, {word}"
                next_level.append(
                    {
                        "id": node_id,
                        "parent_id": parent["id"],
                        "depth": depth,
                        "title": title,
                        "subject": parent["subject"],
                    }
                )
        nodes.extend(next_level)
        level = next_level
    for node in nodes:
        node["description"] = (
            f"Users ask the assistant for {node['title'].lower()}. "
            f"Requests range from quick questions to longer working sessions."
        )
        node["weight"] = rng.uniform(0.5, 3.0)
        node["lang_bias"] = rng.choice(LANGUAGES)
        node["concern"] = 1.0 + 3.8 * rng.random() ** 3
    return nodes


def day_hierarchy(
    skeleton: list[dict], day: str, rng: random.Random, *, emerging: bool, previous: dict | None
) -> dict:
    """One day's public hierarchy.json content (with planted extra fields the explorer must drop)."""
    nodes = [dict(node) for node in skeleton]
    if emerging:
        nodes.append(
            {
                "id": "L0-new",
                "parent_id": None,
                "depth": 0,
                "title": EMERGING_TITLE,
                "subject": EMERGING_TITLE,
                "description": "A new puzzle game drives strategy questions.",
                "weight": 40.0,
                "lang_bias": "en",
                "concern": 1.1,
            }
        )
    children: dict[str | None, list[dict]] = {}
    for node in nodes:
        children.setdefault(node["parent_id"], []).append(node)
    counts: dict[str, int] = {}

    def count(node: dict) -> int:
        kids = children.get(node["id"], [])
        total = sum(count(kid) for kid in kids) if kids else 25 + int(node["weight"] * rng.uniform(20, 60))
        counts[node["id"]] = total
        return total

    grand_total = sum(count(root) for root in children[None])
    suppressed = rng.randint(20, 80)
    public_nodes = []
    for node in nodes:
        n = counts[node["id"]]
        langs = {lang: rng.random() for lang in LANGUAGES[:4]}
        langs[node["lang_bias"]] = langs.get(node["lang_bias"], 0) + 3.0
        norm = sum(langs.values())
        share = n / (grand_total + suppressed)
        record = {
            "id": node["id"],
            "parent_id": node["parent_id"],
            "depth": node["depth"],
            "is_leaf": node["id"] not in children,
            "title": node["title"],
            "description": node["description"],
            "conversation_count": n,
            "unique_users": max(25, int(n * rng.uniform(0.6, 0.95))),
            "share": share,
            "languages": {k: v / norm for k, v in langs.items()},
            "concerning_mean": round(node["concern"] + rng.uniform(-0.1, 0.1), 3),
            "audit_score": rng.choice([None, 4, 5]),
            "emerging": node["id"] == "L0-new",
            "previous_share": (previous or {}).get(node["id"]),
            "custom": {
                "platform": {"web": 0.5, "api": 0.3, "mobile": 0.2}
                if node["depth"] % 2
                else {"web": 0.2, "api": 0.7, "mobile": 0.1}
            },
            # Planted: fields that are not part of the public schema must be dropped by the builder.
            "user_ids": [PLANTED[0]],
            "sample_conversation_ids": [PLANTED[1]],
        }
        public_nodes.append(record)
    return {
        "date": day,
        "backend": "local",
        "model": None,
        "privacy": {
            "min_unique_users": 25,
            "min_conversations": 25,
            "dp_epsilon": None,
            "suppressed_clusters": rng.randint(1, 9),
            "suppressed_conversations": suppressed,
        },
        "total_conversations": grand_total + suppressed,
        "contact": PLANTED[2],
        "nodes": public_nodes,
    }


def make_public_days(
    public_dir: Path,
    *,
    days: int = 3,
    top: int = 6,
    fanout: tuple[int, ...] = (4, 3),
    seed: int = 0,
    start: str = "2026-11-20",
    hostile: bool = True,
    reports: bool = True,
) -> dict[str, dict]:
    """Write ``public_dir/<date>/hierarchy.json`` (+ disagreement/languages reports) for ``days`` days.

    The last day gains an emerging top topic; the first node's title is hostile markup when
    ``hostile``. Returns the hierarchies by date, as written.
    """
    rng = random.Random(seed)
    skeleton = make_tree(rng, top, list(fanout))
    if hostile:
        skeleton[1]["title"] = HOSTILE_TITLE
    written: dict[str, dict] = {}
    previous = None
    for k, day in enumerate(dates_from(start, days)):
        hierarchy = day_hierarchy(skeleton, day, rng, emerging=k == days - 1 and days > 1, previous=previous)
        previous = {node["id"]: node["share"] for node in hierarchy["nodes"]}
        folder = public_dir / day
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "hierarchy.json").write_text(json.dumps(hierarchy))
        if reports:
            write_reports(folder, hierarchy, rng)
        written[day] = hierarchy
    return written


def write_reports(folder: Path, hierarchy: dict, rng: random.Random) -> None:
    """A public disagreement report and a languages report for one day."""
    leaves = [node for node in hierarchy["nodes"] if node["is_leaf"]]
    by_concern = sorted(leaves, key=lambda node: node["concerning_mean"])

    def item(node: dict, flag_rate: float) -> dict:
        return {
            "node_id": node["id"],
            "flag_rate": flag_rate,
            "concerning_mean": node["concerning_mean"],
            "conversation_count": node["conversation_count"],
            "conversation_ids": [PLANTED[1]],
        }

    report = {
        "pearson": 0.68,
        "spearman": 0.64,
        "false_positive_nodes": [item(node, 0.6 - 0.05 * k) for k, node in enumerate(by_concern[:4])]
        + [{"node_id": PLANTED[3], "flag_rate": 0.9, "concerning_mean": 1.0, "conversation_count": 3}],
        "false_negative_nodes": [item(node, 0.02 * k) for k, node in enumerate(reversed(by_concern[-4:]))],
    }
    (folder / "disagreement.json").write_text(json.dumps(report))
    rows = [
        {
            "node_id": node["id"],
            "language": node_lang,
            "ratio": round(rng.uniform(1.5, 4.0), 2),
            "ci_low": 1.2,
            "ci_high": 4.5,
            "user_id": PLANTED[0],
        }
        for node in hierarchy["nodes"][:20]
        for node_lang in [max(node["languages"], key=node["languages"].get)]
    ]
    (folder / "languages.json").write_text(json.dumps({"nodes": rows}))


def writer(public: Path):
    """The publication gate over ``public`` with the fixtures' own bars (they hold small nodes)."""
    from clio_dagster.core.privacy.gate import PublicationRules, PublicWriter
    from clio_dagster.core.privacy.pii import scan_texts

    return PublicWriter(Path(public), PublicationRules(min_unique_users=1, min_conversations=1), scan_texts)
