"""WARN checks on rates (the blocking rules are the gate's: test_privacy_gate.py)."""

from __future__ import annotations

from clio_dagster.core.privacy.checks import check_facet_failure_rate, check_quarantine_rate


def test_warn_checks_on_rates() -> None:
    assert check_quarantine_rate(5, 100, max_rate=0.05) == []
    (warn,) = check_quarantine_rate(6, 100, max_rate=0.05)
    assert warn.severity == "WARN" and warn.check == "quarantine_rate" and "6 of 100" in warn.reason
    assert check_facet_failure_rate(0, 0) == []
    (warn,) = check_facet_failure_rate(3, 100, max_rate=0.02)
    assert warn.severity == "WARN" and warn.check == "facet_failure_rate"
