"""Differential privacy: accounting, error bounds over repeated runs, noisy-threshold selection,
contribution bounds, keyed determinism."""

from __future__ import annotations

import polars as pl
import pytest

from clio_dagster.core.privacy.dp import (
    DPConfig,
    NodeCounts,
    bound_contributions,
    error_bound,
    node_counts,
    plan_release,
    release_counts,
)

COUNTS = {
    "top-a": NodeCounts(900, 700),
    "top-b": NodeCounts(600, 450),
    "tiny": NodeCounts(4, 2),  # a micro-topic of two users
    "a-1": NodeCounts(500, 400),
    "a-2": NodeCounts(400, 320),
    "tiny-1": NodeCounts(4, 2),
}
DEPTHS = {"top-a": 0, "top-b": 0, "tiny": 0, "a-1": 1, "a-2": 1, "tiny-1": 1}
PARENTS = {"top-a": None, "top-b": None, "tiny": None, "a-1": "top-a", "a-2": "top-a", "tiny-1": "tiny"}
TOTAL = 1504


def _plan(config: DPConfig):
    return plan_release(config, levels=2, min_unique_users=25, min_conversations=25)


def test_accounting_stays_within_the_partition_budget() -> None:
    config = DPConfig(epsilon=2.0, delta=1e-6, max_conversations_per_user=3)
    plan = _plan(config)
    assert plan.epsilon_spent <= config.epsilon + 1e-9
    assert plan.delta_spent <= config.delta
    assert plan.users_threshold >= 25 and plan.conversations_threshold >= 25
    # a tighter budget means more noise and a higher bar
    tighter = _plan(DPConfig(epsilon=0.5, delta=1e-6, max_conversations_per_user=3))
    assert tighter.scale > plan.scale and tighter.users_threshold > plan.users_threshold


@pytest.mark.parametrize("secret", [None, b"partition-noise-key"])
def test_counts_stay_within_the_stated_95_percent_bound(secret: bytes | None) -> None:
    config = DPConfig(epsilon=2.0, max_conversations_per_user=2, noise_secret=secret)
    plan = _plan(config)
    bound = error_bound(plan, alpha=0.05)
    errors = []
    for run in range(150):
        released, total = release_counts(
            COUNTS, DEPTHS, PARENTS, TOTAL, plan, config, partition=f"2026-11-{run:03d}"
        )
        errors.append(abs(total - TOTAL))
        for node in ("top-a", "top-b", "a-1", "a-2"):
            errors.append(abs(released[node].conversation_count - COUNTS[node].conversation_count))
            errors.append(abs(released[node].unique_users - COUNTS[node].unique_users))
    outside = sum(e > bound for e in errors) / len(errors)
    assert outside <= 0.07  # at most 5% expected; 1,350 draws
    assert outside >= 0.01  # and the bound is not vacuous
    assert max(errors) > 0


@pytest.mark.parametrize("secret", [None, b"k"])
def test_micro_topics_are_never_released(secret: bytes | None) -> None:
    config = DPConfig(epsilon=1.0, max_conversations_per_user=2, noise_secret=secret)
    plan = _plan(config)
    for run in range(100):
        released, _ = release_counts(COUNTS, DEPTHS, PARENTS, TOTAL, plan, config, partition=f"p{run}")
        assert "tiny" not in released and "tiny-1" not in released
        assert {"top-a", "top-b", "a-1", "a-2"} <= set(released)
        assert all(c.unique_users >= plan.users_threshold for c in released.values())


def test_child_of_a_withheld_parent_is_withheld() -> None:
    config = DPConfig(epsilon=1.0, noise_secret=b"k")
    counts = COUNTS | {"tiny-1": NodeCounts(800, 600)}  # big child, tiny parent
    released, _ = release_counts(counts, DEPTHS, PARENTS, TOTAL, _plan(config), config, partition="p")
    assert "tiny" not in released and "tiny-1" not in released


def test_keyed_noise_is_reproducible_per_partition_and_secret() -> None:
    config = DPConfig(epsilon=1.0, noise_secret=b"secret-1")
    plan = _plan(config)
    first = release_counts(COUNTS, DEPTHS, PARENTS, TOTAL, plan, config, partition="2026-11-27")
    again = release_counts(COUNTS, DEPTHS, PARENTS, TOTAL, plan, config, partition="2026-11-27")
    other_day = release_counts(COUNTS, DEPTHS, PARENTS, TOTAL, plan, config, partition="2026-11-28")
    other_key = DPConfig(epsilon=1.0, noise_secret=b"secret-2")
    other_secret = release_counts(COUNTS, DEPTHS, PARENTS, TOTAL, plan, other_key, partition="2026-11-27")
    assert first == again
    assert first != other_day and first != other_secret


def test_contribution_bound_is_deterministic_and_order_free() -> None:
    rows = pl.DataFrame(
        {
            "conversation_id": [f"c{i}" for i in range(12)],
            "user_id": ["heavy"] * 10 + ["light", "light"],
        }
    )
    kept = bound_contributions(rows, 3, key=b"k")
    assert kept.group_by("user_id").len().sort("user_id").rows() == [("heavy", 3), ("light", 2)]
    shuffled = bound_contributions(rows.sample(fraction=1.0, shuffle=True, seed=1), 3, key=b"k")
    assert sorted(kept["conversation_id"]) == sorted(shuffled["conversation_id"])


def test_node_counts_from_assignments() -> None:
    rows = pl.DataFrame(
        {
            "conversation_id": ["a", "b", "c", "d"],
            "user_id": ["u1", "u1", "u2", "u3"],
            "node_path": [["t0", "l0"], ["t0", "l1"], ["t0", "l1"], None],  # d was suppressed
        }
    )
    counts, depths, parents = node_counts(rows)
    assert counts == {"t0": NodeCounts(3, 2), "l0": NodeCounts(1, 1), "l1": NodeCounts(2, 2)}
    assert depths == {"t0": 0, "l0": 1, "l1": 1}
    assert parents == {"t0": None, "l0": "t0", "l1": "t0"}
