"""Operational settings shared by the assets: the LLM pool, backfill policies, per-step timings and memory."""

import functools
import inspect
import resource
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psutil
from dagster import AssetExecutionContext, BackfillPolicy, Backoff, Jitter, Output, RetryPolicy

# Steps that call the LLM backend claim a slot in this pool, so concurrent runs (a backfill, the
# daily schedule, a manual re-run) never multiply the provider's rate limit.
LLM_POOL = "llm"
# Default slots in that pool (steps, not requests: each step keeps CLIO_LLM_MAX_CONCURRENCY in flight).
LLM_POOL_SLOTS = 2

# Steps that call the LLM backend are retried as a whole when they crash (a provider outage that
# outlasts the client's own retries, a lost worker): twice, 30 s then about 60 s later, jittered so
# a backfill's retries do not hit the provider together. Cached answers make a retry cheap.
LLM_RETRY = RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)

# One run per day: each day's analysis is independent, holds a whole day in memory, and trends
# compare a day with the previous one, so days should land in order.
PER_DAY = BackfillPolicy.multi_run(max_partitions_per_run=1)
# Assets that cover every date (the explorer) rebuild once for a whole range.
ALL_DATES = BackfillPolicy.single_run()

# Per-asset backfill policies are a beta parameter of @asset in Dagster 1.13; we rely on them knowingly.
warnings.filterwarnings(
    "ignore", message="Parameter `backfill_policy` of function `asset` is currently in beta"
)

_MB = 1024 * 1024


@dataclass
class StepMetrics:
    """Wall time and resident memory (psutil RSS) of one step, sampled while it runs."""

    interval: float = 0.05
    started: float = field(default_factory=time.perf_counter)
    rss_start: int = 0
    rss_peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._process = psutil.Process()
        self.rss_start = self.rss_peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, name="clio-rss-sampler", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.rss_peak = max(self.rss_peak, self._process.memory_info().rss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> dict[str, float]:
        """Materialisation metadata so far: seconds, RSS at start and peak, and the process's peak."""
        rss = self._process.memory_info().rss
        self.rss_peak = max(self.rss_peak, rss)
        # ru_maxrss (KiB on Linux) also catches spikes shorter than the sampling interval
        process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {
            "step_seconds": round(time.perf_counter() - self.started, 3),
            "rss_start_mb": round(self.rss_start / _MB, 1),
            "rss_peak_mb": round(self.rss_peak / _MB, 1),
            "rss_growth_mb": round((self.rss_peak - self.rss_start) / _MB, 1),
            "process_peak_rss_mb": round(max(process_peak, self.rss_peak) / _MB, 1),
        }


def observed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an asset body: its wall time and memory go into the materialisation metadata and the log.

    Plain bodies get the figures through ``add_output_metadata``; generator bodies (the assets that
    also yield check results) get them merged into each ``Output`` they yield.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator_body(*args: Any, **kwargs: Any) -> Iterator[Any]:
            metrics = StepMetrics()
            try:
                for item in fn(*args, **kwargs):
                    if isinstance(item, Output):
                        item = item.with_metadata({**item.metadata, **metrics.now()})
                    yield item
            finally:
                metrics.stop()
            _log(metrics.now())

        return generator_body

    @functools.wraps(fn)
    def body(*args: Any, **kwargs: Any) -> Any:
        metrics = StepMetrics()
        try:
            result = fn(*args, **kwargs)
        finally:
            metrics.stop()
        figures = metrics.now()
        AssetExecutionContext.get().add_output_metadata(figures)
        _log(figures)
        return result

    return body


def _log(figures: dict[str, float]) -> None:
    context = AssetExecutionContext.get()
    context.log.info(
        f"{', '.join(k.to_user_string() for k in sorted(context.selected_asset_keys))}: "
        f"{figures['step_seconds']:.2f}s, "
        f"peak RSS {figures['rss_peak_mb']:.0f} MB (+{figures['rss_growth_mb']:.0f} MB)"
    )
