"""The trust-and-safety guards of tests/test_tns_pipeline.py under one clustering configuration.

    python bench/bench_tns_config.py --seed 11 --neighbours 5 --ratio 3 --floor 0.7 --links 15 --link-weight 2
    python bench/bench_tns_config.py --seed 12 --neighbours 0 --ratio 1      # k-means alone

Generates 3 days x 1,500 conversations with ``--seed``, runs ``clio_daily`` on each with the
test's thresholds (10 users, 10 conversations) and the given CLIO_CLUSTER_* settings, and prints
per day what the tests assert: both planted groups' rank (0 = leads), their first node's
precision and recall, whether that node is mostly the group ("led"), whether the planted new
topic's node is emerging, and the coordinated-accounts precision and recall. The last line
says which of the test criteria held on every day.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests"), str(Path(__file__).resolve().parents[1])]
import tns_support  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--neighbours", type=int, default=5)
    parser.add_argument("--ratio", type=int, default=3)
    parser.add_argument("--floor", type=float, default=0.7)
    parser.add_argument("--links", type=int, default=15, help="CLIO_CLUSTER_LINK_NEIGHBOURS")
    parser.add_argument("--link-weight", type=float, default=2.0, help="CLIO_CLUSTER_LINK_WEIGHT")
    args = parser.parse_args()

    env = {
        "CLIO_CLUSTER_SMOOTHING_NEIGHBOURS": str(args.neighbours),
        "CLIO_CLUSTER_MERGE_RATIO": str(args.ratio),
        "CLIO_CLUSTER_SMOOTHING_MIN_SIMILARITY": str(args.floor),
        "CLIO_CLUSTER_LINK_NEIGHBOURS": str(args.links),
        "CLIO_CLUSTER_LINK_WEIGHT": str(args.link_weight),
    }
    run = tns_support.run_sample_days(Path(tempfile.mkdtemp(prefix="clio-tns-config-")), args.seed, env)
    figures, dates = run["figures"], run["dates"]

    config = (
        f"neighbours={args.neighbours} ratio={args.ratio} floor={args.floor} "
        f"links={args.links}x{args.link_weight} seed={args.seed}"
    )
    ranked = True
    for date, day in figures.items():
        ranked &= (
            day["fn_rank"] == 0
            and day["fp_rank"] == 0
            and min(day["fn_top"]["recall"], day["fp_top"]["recall"]) >= 0.3
            and day["fn_led"]
        )
        print(
            f"{config} {date}: ranks FN {day['fn_rank']} FP {day['fp_rank']}; first node FN {day['fn_top']} "
            f"FP {day['fp_top']}; led FN {day['fn_led']} FP {day['fp_led']}; "
            f"new topic emerging {day['planted_topic_emerging']}; coordinated P/R "
            f"{day['precision']:.2f}/{day['recall']:.2f}"
        )
    last = figures[dates[-1]]
    fn_led = sum(day["fn_led"] for day in figures.values())
    fp_led = sum(day["fp_led"] for day in figures.values())
    print(
        f"SUMMARY {config}: rankings test {'holds' if ranked else 'fails'}; "
        f"emerging test {'holds' if last['planted_topic_emerging'] is True else 'fails'}; "
        f"FN led {fn_led}/3, FP led {fp_led}/3"
    )


if __name__ == "__main__":
    main()
