"""Privacy and quality violations: what a failed rule looks like, and the WARN checks on rates.

The blocking (ERROR) rules on public files are the publication gate's (``gate.py``): thresholds,
PII, verbatim runs, ids and audit scores. WARN checks here: the quarantine rate and the facet
failure rate. A violation's ``reason`` names the node and the kind of problem, never the
offending text, so it can go to Dagster metadata and to on-call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from clio_dagster.core.privacy.pii import PIIFinding

Severity = Literal["ERROR", "WARN"]
Scanner = Callable[[Sequence[str]], list[list[PIIFinding]]]


@dataclass(frozen=True)
class Violation:
    """One failed rule: which check, where (node id or file), and why, without private text."""

    check: str
    reason: str
    node_id: str | None = None
    severity: Severity = "ERROR"


@dataclass(frozen=True)
class PublicString:
    """A string that will be shown: the node (or document) it belongs to and the field."""

    node_id: str | None
    field: str
    text: str


def check_quarantine_rate(quarantined: int, total_in: int, *, max_rate: float = 0.05) -> list[Violation]:
    """WARN when more than ``max_rate`` of the input records were quarantined."""
    return _rate_check("quarantine_rate", "input records quarantined", quarantined, total_in, max_rate)


def check_facet_failure_rate(failed: int, total: int, *, max_rate: float = 0.02) -> list[Violation]:
    """WARN when facet extraction failed for more than ``max_rate`` of the conversations."""
    return _rate_check("facet_failure_rate", "conversations without facets", failed, total, max_rate)


def _rate_check(check: str, what: str, bad: int, total: int, max_rate: float) -> list[Violation]:
    rate = bad / total if total else 0.0
    if rate <= max_rate:
        return []
    return [Violation(check, f"{rate:.1%} {what} ({bad} of {total}) > {max_rate:.1%}", severity="WARN")]
