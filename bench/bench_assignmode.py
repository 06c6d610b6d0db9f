"""Assign mode against a rebuild on the same day: per-step seconds and LLM requests by role.

Day 1 rebuilds (and warms the process up); day 2 runs in assign mode, then again as a rebuild
(run tag), so both modes do the same day's work on a warm process.

    PYTHONPATH=. python bench/bench_assignmode.py --per-day 3000 [--llm]

``--llm`` runs on the anthropic backend against tests/llm_protocol_server.py on loopback (instant
scripted answers), with one model name per role so the server's log counts each step's requests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance

STEPS = ("base_clusters", "cluster_names", "hierarchy", "audited_hierarchy", "tracked_hierarchy")
ROLES = {
    "facets": "bench-facets",
    "naming": "bench-naming",
    "hierarchy": "bench-hierarchy",
    "audit": "bench-audit",
}


def step_seconds(instance: DagsterInstance, run_id: str) -> dict[str, float]:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
    out = {}
    for record in records:
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        seconds = materialization.metadata.get("step_seconds")
        if seconds is not None:
            out[materialization.asset_key.to_user_string()] = float(seconds.value)
    return out


def bar_sweep(restricted: Path, day: str, taxonomy_date: str, truth: Path) -> list[str]:
    """Rows of a markdown table: per cosine bar, the planted new topic's and the other conversations'
    unassigned rates on ``day`` against the taxonomy of ``taxonomy_date``."""
    import numpy as np
    import polars as pl

    from clio_dagster.core.taxonomy.reuse import load_taxonomy
    from clio_dagster.core.taxonomy.trends import unit_rows

    taxonomy = load_taxonomy(restricted, taxonomy_date)
    best = (unit_rows(np.load(restricted / day / "embeddings.npy")) @ unit_rows(taxonomy.centroids).T).max(
        axis=1
    )
    ids = pl.read_parquet(restricted / day / "base_clusters.parquet").select("conversation_id")
    new = ids.join(pl.read_ndjson(truth), on="conversation_id", how="left")["emerging"].fill_null(False)
    new = new.to_numpy()
    rows = ["| bar | new topic unassigned | other unassigned | bucket size | new topic's share of bucket |"]
    rows.append("|---:|---:|---:|---:|---:|")
    for bar in (0.35, 0.4, 0.45, 0.5, 0.55):
        out = best < bar
        rows.append(
            f"| {bar} | {(out & new).sum()}/{new.sum()} ({(out & new).sum() / new.sum():.0%}) | "
            f"{(out & ~new).sum()}/{(~new).sum()} ({(out & ~new).sum() / (~new).sum():.0%}) | {out.sum()} | "
            f"{(out & new).sum() / max(out.sum(), 1):.0%} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-day", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--llm", action="store_true")
    parser.add_argument("--sweep", action="store_true", help="unassigned rates of the planted topic per bar")
    args = parser.parse_args()
    for name in list(os.environ):
        if name.startswith("CLIO_") or name == "DAGSTER_HOME":
            del os.environ[name]
    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        from clio_dagster.ingest import discover_dates
        from clio_dagster.sample import generate_sample

        files = generate_sample(
            home / "sample", days=2, conversations=args.per_day, seed=args.seed, malformed=0
        )
        os.environ |= {
            "CLIO_HOME": str(home / "clio"),
            "CLIO_INPUT": str(files.conversations),
            "CLIO_MIN_UNIQUE_USERS": "10",
            "CLIO_MIN_CONVERSATIONS": "10",
            "CLIO_TAXONOMY_MODE": "assign",
        }
        server = None
        if args.llm:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            import llm_support

            server = stack.enter_context(llm_support.ProtocolServer())
            os.environ |= {
                "CLIO_LLM_BACKEND": "anthropic",
                "CLIO_LLM_API_BASE": server.url,
                "ANTHROPIC_API_KEY": "bench",
                **{f"CLIO_LLM_MODEL_{role.upper()}": model for role, model in ROLES.items()},
            }
        from clio_dagster.core.taxonomy.reuse import TAXONOMY_TAG
        from clio_dagster.runner import run_partition

        instance = DagsterInstance.ephemeral()
        first, second = discover_dates(str(files.conversations))
        rows = []
        for label, date, tag in (
            ("day 1 rebuild (warm-up)", first, "rebuild"),
            ("day 2 assign", second, "assign"),
            ("day 2 rebuild", second, "rebuild"),
        ):
            if server is not None:
                server.reset()
            started = time.perf_counter()
            outcome = run_partition(date, instance, tags={TAXONOMY_TAG: tag})
            wall = time.perf_counter() - started
            assert outcome.success, outcome.reason
            steps = step_seconds(instance, outcome.run_id)
            calls = {}
            if server is not None:
                models = [r.model for r in server.requests]
                calls = {role: models.count(model) for role, model in ROLES.items()}
            rows.append((label, wall, steps, calls, outcome.metadata))
            if args.sweep and tag == "assign":
                restricted = home / "clio" / "restricted"
                sweep = bar_sweep(restricted, second, first, files.truth)
    backend = "anthropic (protocol server)" if args.llm else "local"
    print(f"{args.per_day} conversations a day, backend {backend}")
    print("| run | wall s | " + " | ".join(STEPS) + " | naming+hierarchy s | LLM requests |")
    print("|---|---:|" + "---:|" * len(STEPS) + "---:|---|")
    for label, wall, steps, calls, metadata in rows:
        reuse = steps.get("cluster_names", 0) + steps.get("hierarchy", 0)
        cells = " | ".join(f"{steps.get(s, float('nan')):.2f}" for s in STEPS)
        print(f"| {label} | {wall:.1f} | {cells} | {reuse:.2f} | {calls or '-'} |")
        slowest = sorted(steps.items(), key=lambda item: -item[1])[:4]
        print(f"|  slowest steps: {', '.join(f'{k} {v:.1f}' for k, v in slowest)} |")
        if "unassigned_conversations" in metadata:
            share = metadata["unassigned_share"]
            print(f"|  unassigned: {metadata['unassigned_conversations']} ({share:.1%}) |")

    if args.sweep:
        print(f"\nunassigned bucket on {second} against the taxonomy of {first}:")
        print("\n".join(sweep))


if __name__ == "__main__":
    main()
