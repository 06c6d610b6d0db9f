"""LLM calls, tokens and estimated cost per conversation, by stage, for one partition.

Runs the whole daily job on the anthropic backend against the protocol server on 127.0.0.1 and
reads each stage's accounting back from the materialisation metadata.

    python bench/bench_llm_calls.py 10000
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

STAGES = {
    "facets": "facets",
    "cluster_names": "naming",
    "hierarchy": "hierarchy",
    "audited_hierarchy": "audit",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("conversations", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import llm_support
    from dagster import AssetKey

    from clio_dagster.config import Settings
    from clio_dagster.runner import instance_for, run_partition
    from clio_dagster.sample import generate_sample

    work = Path(tempfile.mkdtemp(prefix="clio-llm-calls-"))
    files = generate_sample(work / "in", days=1, conversations=args.conversations, seed=args.seed)
    with llm_support.ProtocolServer() as server:
        os.environ.update(
            CLIO_HOME=str(work / "home"),
            CLIO_INPUT=str(files.conversations),
            CLIO_LLM_BACKEND="anthropic",
            CLIO_LLM_MODEL="claude-haiku-4-5",
            CLIO_LLM_API_BASE=server.url,
            CLIO_LLM_MAX_CONCURRENCY="64",
            ANTHROPIC_API_KEY="bench",
        )
        settings = Settings()
        instance = instance_for(settings)
        started = time.perf_counter()
        outcome = run_partition(files.dates[0], instance)
        wall = time.perf_counter() - started
        print(f"run {'published' if outcome.success else 'FAILED: ' + outcome.reason} in {wall:.0f} s")
        print(f"server saw {server.request_count} requests")
    n = args.conversations
    header = ("stage", "calls", "calls/conv", "in tok/conv", "out tok/conv", "cost $")
    print("\n{:<12} {:>8} {:>11} {:>12} {:>13} {:>9}".format(*header))
    totals = {"calls": 0, "cost": 0.0}
    for asset, stage in STAGES.items():
        record = instance.fetch_materializations(AssetKey(asset), limit=1).records[0]
        meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
        calls = int(meta.get("llm_calls", 0))
        cost = float(meta.get("llm_cost_usd", 0.0) or 0.0)
        tin = float(meta.get("llm_input_tokens", 0)) / n
        tout = float(meta.get("llm_output_tokens", 0)) / n
        totals["calls"] += calls
        totals["cost"] += cost
        print(f"{stage:<12} {calls:>8} {calls / n:>11.4f} {tin:>12.1f} {tout:>13.1f} {cost:>9.2f}")
    all_calls = totals["calls"]
    print(f"{'all':<12} {all_calls:>8} {all_calls / n:>11.4f} {'':>12} {'':>13} {totals['cost']:>9.2f}")
    print(f"estimated cost per 100k conversations: ${totals['cost'] * 100_000 / n:,.2f}")


if __name__ == "__main__":
    main()
