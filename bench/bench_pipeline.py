"""The whole daily job on one generated partition of N conversations: wall, CPU and peak RSS per step.

    python bench/bench_pipeline.py 10000 100000          # each size in a fresh child process

Each size: ``generate_sample(days=1, conversations=N, seed=0)`` (cached under --workdir, not timed),
then ``runner.run_partition`` on a fresh SQLite instance in a child process. The parent samples the
RSS and CPU time of the child's whole process tree every 0.2 s; per-step wall comes from the run's event log
(STEP_START/STEP_SUCCESS), per-step peak RSS from the samples taken inside each step's interval
(and peak anonymous memory: RSS less file-backed pages, e.g. a memory-mapped array's, which the
kernel can drop at any time)
(in process, steps run one after another, so each interval is one step's; with
``--executor multiprocess`` steps may overlap and run in separate processes, all in the tree).
The growth slope between consecutive sizes is log(t2/t1)/log(n2/n1) (1.0 = linear).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from a checkout


def _tree_usage(proc: psutil.Process) -> tuple[int, float, int]:
    """RSS bytes, CPU seconds (user + system) and anonymous bytes (RSS less file-backed and shared
    pages) of ``proc`` and all its descendants."""
    rss, cpu, anon = 0, 0.0, 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            with p.oneshot():
                memory = p.memory_info()
                rss += memory.rss
                anon += memory.rss - memory.shared
                times = p.cpu_times()
                cpu += times.user + times.system
        except psutil.Error:
            pass
    return rss, cpu, anon


def _child(n: int, workdir: Path, executor: str) -> None:
    """Runs in the measured process: one partition of the daily job, prints step intervals as JSON."""
    from clio_dagster.config import Settings
    from clio_dagster.runner import instance_for, run_partition

    home = workdir / f"home-{n}-{executor}"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["CLIO_HOME"] = str(home)
    os.environ["CLIO_INPUT"] = str(workdir / f"sample-{n}" / "conversations.jsonl")
    os.environ.pop("DAGSTER_HOME", None)
    settings = Settings()
    instance = instance_for(settings)
    date = _sample_date(workdir / f"sample-{n}")
    started = time.time()
    outcome = run_partition(date, instance, executor=executor)
    finished = time.time()
    steps = _step_intervals(instance, outcome.run_id)
    print(
        "BENCH_JSON "
        + json.dumps(
            {
                "success": outcome.success,
                "reason": outcome.reason,
                "start": started,
                "end": finished,
                "steps": steps,
            }
        ),
        flush=True,
    )


def _step_intervals(instance, run_id: str) -> dict[str, dict[str, float]]:
    """{step key: {"start": t, "end": t}} from a run's event log (no "end" while a step runs)."""
    from dagster import DagsterEventType

    steps: dict[str, dict[str, float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            steps.setdefault(event.step_key, {})["start"] = entry.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps.setdefault(event.step_key, {})["end"] = entry.timestamp
    return steps


def _step_stats(steps: dict[str, dict[str, float]], samples: list[tuple[float, int, float, int]]) -> dict:
    """Wall, CPU, peak RSS and peak anonymous memory of each step from the samples inside its
    interval, in start order."""
    stats = {}
    for key, span in sorted(steps.items(), key=lambda kv: kv[1].get("start", 0)):
        end = span.get("end", samples[-1][0] if samples else 0)
        inside = [sample[1:] for sample in samples if span.get("start", 0) <= sample[0] <= end]
        stats[key + ("" if "end" in span else " (running)")] = {
            "wall_s": round(end - span.get("start", 0), 2),
            "cpu_s": round(inside[-1][1] - inside[0][1], 1) if inside else 0.0,
            "peak_rss_mib": round(max((s[0] for s in inside), default=0) / 2**20),
            "peak_anon_mib": round(max((s[2] for s in inside), default=0) / 2**20),
        }
    return stats


def progress(n: int, workdir: Path, executor: str) -> None:
    """Per-step table so far of a size still running (or stopped): its event log and RSS trace."""
    from dagster import DagsterInstance

    instance = DagsterInstance.local_temp(str(workdir / f"home-{n}-{executor}" / "dagster"))
    run = instance.get_runs(limit=1)[0]
    with open(workdir / f"samples-{n}-{executor}.tsv") as trace:
        # traces written before the anonymous column have 3 fields: anon reads as 0 there
        samples = [
            (float(f[0]), int(f[1]), float(f[2]), int(f[3]) if len(f) > 3 else 0)
            for f in (line.split("\t") for line in trace)
        ]
    print(
        f"n={n}: run {run.run_id} {run.status.value}, {samples[-1][0] - samples[0][0]:.0f} s traced, "
        f"CPU {samples[-1][2]:.0f} s, peak RSS {max(s[1] for s in samples) / 2**20:,.0f} MiB"
    )
    for key, s in _step_stats(_step_intervals(instance, run.run_id), samples).items():
        print(f"| {key} | {s['wall_s']} / {s['cpu_s']} / {s['peak_rss_mib']:,} / {s['peak_anon_mib']:,} |")


def _sample_date(sample_dir: Path) -> str:
    """The sample's one UTC date (``generate_sample`` starts on 2026-11-01)."""
    return "2026-11-01"


def _ensure_sample(n: int, workdir: Path) -> float:
    """Generate the sample once per size; seconds spent (0 when cached)."""
    out = workdir / f"sample-{n}"
    if (out / "conversations.jsonl").exists():
        return 0.0
    from clio_dagster.sample import generate_sample

    started = time.perf_counter()
    # generated beside and renamed when complete: an interrupted run must not leave a short sample
    # that the next run would take for the cached one
    partial = workdir / f"sample-{n}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    generate_sample(partial, days=1, conversations=n, seed=0)
    partial.rename(out)
    return time.perf_counter() - started


def measure(n: int, workdir: Path, executor: str) -> dict[str, object]:
    generated = _ensure_sample(n, workdir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [sys.executable, __file__, str(n), "--child", "--workdir", str(workdir), "--executor", executor]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    watched = psutil.Process(proc.pid)
    samples: list[tuple[float, int, float, int]] = []
    started = time.time()
    # also on disk as it goes: a run stopped early can still be read against the event log
    with open(workdir / f"samples-{n}-{executor}.tsv", "w") as trace:
        while proc.poll() is None:
            samples.append((time.time(), *_tree_usage(watched)))
            trace.write("\t".join(str(v) for v in samples[-1]) + "\n")
            trace.flush()
            time.sleep(0.2)
    wall = time.time() - started
    out = proc.stdout.read() if proc.stdout else ""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"child failed for n={n} (exit {proc.returncode}):\n{out[-2000:]}")
    run = json.loads(line.removeprefix("BENCH_JSON "))
    return {
        "n": n,
        "executor": executor,
        "success": run["success"],
        "reason": run["reason"],
        "sample_generation_s": round(generated, 1),
        "process_wall_s": round(wall, 1),
        "job_wall_s": round(run["end"] - run["start"], 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mib": round(max((s[1] for s in samples), default=0) / 2**20),
        "peak_anon_mib": round(max((s[3] for s in samples), default=0) / 2**20),
        "steps": _step_stats(run["steps"], samples),
    }


def _report(results: list[dict[str, object]]) -> None:
    print("machine: 2 cores, shared with other jobs while measured")
    print("| N | executor | ok | job wall s | process wall s | CPU s | peak RSS MiB | peak anon MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['n']:,} | {r['executor']} | {r['success']} | {r['job_wall_s']} | {r['process_wall_s']} "
            f"| {r['cpu_s']} | {r['peak_rss_mib']:,} | {r['peak_anon_mib']:,} |"
        )
    for a, b in itertools.pairwise(results):
        ratio = math.log(b["n"] / a["n"])
        if ratio:
            slopes = {
                key: math.log(b[key] / a[key]) / ratio for key in ("job_wall_s", "cpu_s", "peak_rss_mib")
            }
            print(
                f"growth {a['n']:,}→{b['n']:,}: wall slope {slopes['job_wall_s']:.2f}, "
                f"CPU slope {slopes['cpu_s']:.2f}, RSS slope {slopes['peak_rss_mib']:.2f}"
            )
    keys = list(dict.fromkeys(k for r in results for k in r["steps"]))
    print(
        "\n| step | "
        + " | ".join(f"{r['n']:,}: wall s / CPU s / peak RSS / peak anon MiB" for r in results)
        + " |"
    )
    print("|---|" + "---|" * len(results))
    for key in keys:
        cells = []
        for r in results:
            s = r["steps"].get(key)
            cells.append(
                f"{s['wall_s']} / {s['cpu_s']} / {s['peak_rss_mib']:,} / {s['peak_anon_mib']:,}" if s else ""
            )
        print(f"| {key} | " + " | ".join(cells) + " |")
    for r in results:
        if not r["success"]:
            print(f"n={r['n']}: FAILED: {r['reason']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/clio-bench-pipeline"))
    parser.add_argument("--executor", choices=["in_process", "multiprocess"], default="in_process")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--progress", action="store_true", help="per-step table so far of a running size")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.child:
        _child(args.sizes[0], args.workdir, args.executor)
        return
    if args.progress:
        progress(args.sizes[0], args.workdir, args.executor)
        return
    results = []
    for n in args.sizes:
        results.append(measure(n, args.workdir, args.executor))
        print(json.dumps(results[-1]), flush=True)
    _report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
