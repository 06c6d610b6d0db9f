"""A model that copies private details into its answers, on the real-data development corpus.

The protocol server (driven by the real anthropic or litellm SDK) answers every facet, naming and
hierarchy request with the scripted answer plus the corpus's planted PII strings (Faker names,
emails, phones, addresses: ``labels.jsonl`` ``pii``) that it finds in its prompt, as a weak or
injected model that copies from the conversations would. Its auditor passes benign texts (it
flags only emails and long digit runs). For each day: did it publish, how many levels and nodes,
how many nodes the screen regenerated or withheld, and which planted strings reached public/.

    python bench/bench_copying_llm.py --corpus /work/devcorpus/holdout --provider anthropic
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def planted_strings(corpus: Path) -> set[str]:
    with (corpus / "labels.jsonl").open(encoding="utf-8") as handle:
        return {s for line in handle for s in (json.loads(line).get("pii") or []) if len(s) >= 6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a devcorpus split directory")
    parser.add_argument("--provider", choices=["anthropic", "litellm"], default="anthropic")
    parser.add_argument("--dates", nargs="*", help="only these days (default: every day of the corpus)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    import llm_support
    import polars as pl
    from dagster import AssetKey, DagsterInstance

    from clio_dagster.config import Settings
    from clio_dagster.runner import run_partition

    planted = planted_strings(args.corpus)
    dates = args.dates or sorted({json.loads(line)["date"] for line in (args.corpus / "labels.jsonl").open()})
    home = Path(tempfile.mkdtemp(prefix="clio-copying-"))
    with llm_support.ProtocolServer(responder=llm_support.copying_responder(planted)) as server:
        os.environ.update(
            {
                "CLIO_HOME": str(home),
                "CLIO_INPUT": str(args.corpus / "conversations.jsonl"),
                **llm_support.server_env(server, args.provider),
            }
        )
        settings = Settings()
        days = []
        for date in dates:
            instance = DagsterInstance.ephemeral()
            start = time.perf_counter()
            outcome = run_partition(date, instance)
            seconds = time.perf_counter() - start
            screen = instance.get_latest_materialization_event(
                AssetKey("audited_hierarchy")
            )  # one day per instance
            meta = {k: v.value for k, v in screen.asset_materialization.metadata.items()} if screen else {}
            day: dict[str, Any] = {"date": date, "published": outcome.success, "reason": outcome.reason}
            day |= {k: meta.get(k) for k in ("nodes_in", "nodes_out", "regenerated", "withheld")}
            facets = pl.read_parquet(settings.restricted_partition(date) / "facets.parquet")
            requests = "\n".join(facets["request"])
            day["planted_in_restricted_facets"] = sum(s in requests for s in planted)
            if outcome.success:
                public = json.loads((settings.public_partition(date) / "hierarchy.json").read_text())
                day["public_nodes"] = len(public["nodes"])
                day["levels"] = len({n["depth"] for n in public["nodes"]})
            day["seconds"] = round(seconds, 1)
            days.append(day)
            print(json.dumps(day), flush=True)
    files = [p for p in settings.public_dir.rglob("*") if p.is_file()]
    public_text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    result = {
        "corpus": str(args.corpus),
        "provider": args.provider,
        "planted_strings": len(planted),
        "days": days,
        "public_files": len(files),
        "planted_strings_public": sorted(s for s in planted if s in public_text),
        "llm_requests": server.request_count,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "days"}, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
