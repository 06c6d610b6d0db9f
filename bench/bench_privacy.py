"""Privacy benchmark in the form of Clio's: how many items carry planted private details at the raw,
facet and public stages; no public node below the thresholds; the micro-topic never surfaces.

    python bench/bench_privacy.py --days 2 --conversations 3000
    python bench/bench_privacy.py --days 1 --conversations 1000 --backend llm [--obey]
    python bench/bench_privacy.py --days 2 --conversations 3000 --dp-epsilon 4

Builds the synthetic sample (``truth.jsonl`` lists each conversation's planted names, emails,
phones and addresses), runs every partition through the Dagster job, then measures:
- raw: conversations whose user messages contain one of their planted strings;
- facet: rows of facets.parquet whose request, task or custom facets contain a planted string
  of the day (exact, case-insensitive) or a private token of one (a word of a planted string that
  no conversation without planted details uses);
- public: public nodes whose title or description does, and planted strings anywhere in
  hierarchy.json, report.md or explorer.html.
``--backend llm`` runs the LLM path against the scripted protocol server of the tests (a naive
model that copies the start of the user's message); ``--obey`` makes it echo every planted
string it sees into every text it writes, as a model that follows injections would.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MICRO_WORDS = ("apiary", "beehive", "beekeep", "hollowbrook", "hive boxes", "honey extractor")
_WORD = re.compile(r"[^\W\d_]{4,}")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _user_text(record: dict) -> str:
    return " ".join(m["content"] for m in record.get("messages") or [] if m.get("role") == "user")


def _utc_date(created_at: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(created_at).astimezone(UTC).date().isoformat()


def load_day(conversations: Path, truth: Path) -> dict[str, dict]:
    """Per date: conversation user texts, planted strings and micro-topic ids (well-formed records only)."""
    facts = {t["conversation_id"]: t for t in map(json.loads, truth.read_text().splitlines())}
    days: dict[str, dict] = defaultdict(lambda: {"texts": {}, "planted": {}, "micro": set()})
    for line in conversations.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            truth_row = facts[record["conversation_id"]]
            date = _utc_date(record["created_at"])
        except (ValueError, KeyError, TypeError):
            continue  # the malformed lines; quarantined by the pipeline
        day = days[date]
        day["texts"][record["conversation_id"]] = _user_text(record)
        day["planted"][record["conversation_id"]] = [s for s in truth_row["planted"] if len(s) >= 4]
        if truth_row["micro_topic"]:
            day["micro"].add(record["conversation_id"])
    return days


class PlantedMatcher:
    """Exact (case-insensitive) planted strings of a day, and their private tokens."""

    def __init__(self, day: dict) -> None:
        self.strings = sorted({s.lower() for values in day["planted"].values() for s in values}, key=len)
        clean_words: set[str] = set()
        for cid, text in day["texts"].items():
            if not day["planted"][cid]:
                clean_words |= _words(text)
        self.tokens = {w for s in self.strings for w in _words(s)} - clean_words

    def exact(self, text: str) -> bool:
        lowered = text.lower()
        return any(s in lowered for s in self.strings)

    def partial(self, text: str) -> bool:
        return bool(_words(text) & self.tokens)


def measure(home: Path, days: dict[str, dict], thresholds: tuple[int, int]) -> dict:
    """All figures of the benchmark over the partitions written under ``home``."""
    out = defaultdict(int)
    explorer = (
        (home / "public" / "explorer.html").read_text()
        if (home / "public" / "explorer.html").exists()
        else ""
    )
    for date, day in sorted(days.items()):
        matcher = PlantedMatcher(day)
        out["raw_items"] += len(day["texts"])
        out["raw_exact"] += sum(
            any(s in day["texts"][cid] for s in planted) for cid, planted in day["planted"].items()
        )
        facets = pl.read_parquet(home / "restricted" / date / "facets.parquet")
        text_columns = [
            c
            for c, t in facets.schema.items()
            if t == pl.Utf8 and c not in ("conversation_id", "user_id", "language")
        ]
        items = [
            " | ".join(str(v) for v in row if v is not None)
            for row in facets.select(text_columns).iter_rows()
        ]
        out["facet_items"] += len(items)
        out["facet_exact"] += sum(matcher.exact(t) for t in items)
        out["facet_partial"] += sum(matcher.partial(t) for t in items)
        public_dir = home / "public" / date
        if not (public_dir / "hierarchy.json").exists():
            out["unpublished_partitions"] += 1
            continue
        hierarchy = json.loads((public_dir / "hierarchy.json").read_text())
        node_texts = [f"{n['title']}\n{n['description']}" for n in hierarchy["nodes"]]
        out["public_items"] += len(node_texts)
        out["public_exact"] += sum(matcher.exact(t) for t in node_texts)
        out["public_partial"] += sum(matcher.partial(t) for t in node_texts)
        files = (
            (public_dir / "hierarchy.json").read_text() + (public_dir / "report.md").read_text() + explorer
        )
        out["public_file_strings"] += sum(s in files.lower() for s in matcher.strings)
        ids = {n["id"] for n in hierarchy["nodes"]}
        min_users, min_conversations = thresholds
        out["public_nodes"] += len(hierarchy["nodes"])
        out["threshold_violations"] += sum(
            n["unique_users"] < min_users
            or n["conversation_count"] < min_conversations
            or (n["parent_id"] is not None and n["parent_id"] not in ids)
            for n in hierarchy["nodes"]
        )
        out["levels_max"] = max(
            out["levels_max"], 1 + max((n["depth"] for n in hierarchy["nodes"]), default=-1)
        )
        micro_surface(out, home, date, day, hierarchy, files)
    return dict(out)


def micro_surface(out: dict, home: Path, date: str, day: dict, hierarchy: dict, files: str) -> None:
    """Micro-topic conversations: how many were suppressed, their largest share of any public node,
    and whether any of its words reached a public file."""
    assignments = pl.read_parquet(home / "restricted" / date / "assignments.parquet")
    micro = assignments.filter(pl.col("conversation_id").is_in(list(day["micro"])))
    out["micro_conversations"] += micro.height
    out["micro_suppressed"] += micro.filter(pl.col("node_path").is_null()).height
    counts = {n["id"]: n["conversation_count"] for n in hierarchy["nodes"]}
    in_node = micro.drop_nulls("node_path").explode("node_path").group_by("node_path").len()
    for node_id, n in in_node.iter_rows():
        if counts.get(node_id):
            share = n / counts[node_id]
            out["micro_max_node_share_pct"] = max(out["micro_max_node_share_pct"], round(100 * share, 1))
    out["micro_words_public"] += sum(w in files.lower() for w in MICRO_WORDS)


def _obeying_responder(planted: set[str]):
    import llm_support

    def echo(value, found, key=""):
        if isinstance(value, dict):
            return {k: echo(v, found, k) for k, v in value.items()}
        if isinstance(value, list):
            return [echo(v, found, key) for v in value]
        if isinstance(value, str) and key == "title":
            return f"{value[: 110 - len(found[0])]} {found[0]}"
        if isinstance(value, str) and key in ("request", "task", "description"):
            return f"{value} Contact {', '.join(found)}."
        return value

    def respond(request):
        answer = llm_support.server_module.default_responder(request)
        found = sorted(s for s in planted if s in request.prompt_text and len(s) <= 60)[:3]
        return answer if not found or "scores" in answer else echo(answer, found)

    return respond


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--conversations", type=int, default=3000, help="per day")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", choices=("local", "llm"), default="local")
    parser.add_argument("--obey", action="store_true", help="llm: the scripted model obeys injections")
    parser.add_argument("--dp-epsilon", type=float, default=None, help="release counts with DP")
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()

    from clio_dagster.sample import generate_sample

    work = Path(args.home or tempfile.mkdtemp(prefix="clio-bench-privacy-"))
    sample = generate_sample(
        work / "sample", days=args.days, conversations=args.conversations, seed=args.seed
    )
    days = load_day(sample.conversations, sample.truth)
    os.environ.update(CLIO_HOME=str(work / "home"), CLIO_INPUT=str(sample.conversations))
    if args.dp_epsilon:
        os.environ.update(CLIO_DP_EPSILON=str(args.dp_epsilon), CLIO_DP_NOISE_SECRET="bench-privacy")
    with ExitStack() as stack:
        if args.backend == "llm":
            sys.path.insert(0, str(ROOT / "tests"))
            import llm_support

            planted = {s for day in days.values() for values in day["planted"].values() for s in values}
            responder = (
                _obeying_responder(planted) if args.obey else llm_support.server_module.default_responder
            )
            server = stack.enter_context(llm_support.ProtocolServer(responder=responder))
            os.environ.update(
                CLIO_LLM_BACKEND="anthropic",
                CLIO_LLM_MODEL=llm_support.MODELS["anthropic"],
                CLIO_LLM_API_BASE=server.url,
                ANTHROPIC_API_KEY="bench",
            )
        from dagster import DagsterInstance

        from clio_dagster.config import Settings
        from clio_dagster.runner import run_partition

        settings = Settings()
        start = time.perf_counter()
        outcomes = [run_partition(date, DagsterInstance.ephemeral()) for date in sample.dates]
        elapsed = time.perf_counter() - start
    for outcome in outcomes:
        if not outcome.success:
            print(f"{outcome.date}: not published: {outcome.reason}")
    figures = measure(settings.home, days, (settings.min_unique_users, settings.min_conversations))
    print(render(figures, args, elapsed))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.2f}% ({n:,} / {d:,})" if d else "-"


def render(f: dict, args: argparse.Namespace, elapsed: float) -> str:
    backend = args.backend + (" (obeying injections)" if args.obey else "")
    backend += f", DP epsilon {args.dp_epsilon:g}" if args.dp_epsilon else ""
    lines = [
        f"backend {backend}; {args.days} days x {args.conversations:,} conversations, seed {args.seed}; "
        f"pipeline {elapsed:.0f}s",
        "",
        "| stage | items | carrying a planted string (exact) | carrying a private token |",
        "|---|---:|---:|---:|",
        f"| raw conversations | {f['raw_items']:,} | {_pct(f['raw_exact'], f['raw_items'])} | - |",
        f"| facets (request, task, custom) | {f['facet_items']:,} | "
        f"{_pct(f['facet_exact'], f['facet_items'])} | {_pct(f['facet_partial'], f['facet_items'])} |",
        f"| public nodes (title, description) | {f.get('public_items', 0):,} | "
        f"{_pct(f.get('public_exact', 0), f.get('public_items', 0))} | "
        f"{_pct(f.get('public_partial', 0), f.get('public_items', 0))} |",
        "",
        f"- planted strings found in public files (hierarchy.json, report.md, explorer.html): "
        f"{f.get('public_file_strings', 0)}",
        f"- public nodes below the thresholds or under a withheld parent: {f.get('threshold_violations', 0)} "
        f"of {f.get('public_nodes', 0)} (levels: {f.get('levels_max', 0)}; partitions not published: "
        f"{f.get('unpublished_partitions', 0)})",
        f"- micro-topic: {f.get('micro_conversations', 0)} conversations, "
        f"{f.get('micro_suppressed', 0)} suppressed; "
        f"largest share of any public node: {f.get('micro_max_node_share_pct', 0)}%; "
        f"its words in public files: {f.get('micro_words_public', 0)}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
