"""Differential privacy through the Dagster job: a DP run publishes noisy counts above the noisy
thresholds, the noise stays within the stated bound over many secrets, and a noise secret makes
re-runs byte-identical."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

from clio_dagster.config import Settings
from clio_dagster.core.privacy.dp import bound_contributions, error_bound, node_counts
from clio_dagster.core.privacy.publish import (
    Thresholds,
    dp_config,
    node_paths,
    node_statistics,
    release_with_dp,
)
from clio_dagster.schema import HierarchyNode

_spec = importlib.util.spec_from_file_location(
    "privbench_support", Path(__file__).with_name("privbench_support.py")
)
support = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(support)

pytestmark = pytest.mark.slow

EPSILON = 8.0


@pytest.fixture
def dp_env(clio_home, sample_corpus, monkeypatch) -> Settings:
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))
    monkeypatch.setenv("CLIO_DP_EPSILON", str(EPSILON))
    monkeypatch.setenv("CLIO_DP_MAX_CONVERSATIONS_PER_USER", "3")
    monkeypatch.setenv("CLIO_DP_NOISE_SECRET", "test-secret-1")
    return Settings()


def _restricted_inputs(settings: Settings, date: str):
    restricted = settings.restricted_partition(date)
    facets = pl.read_parquet(restricted / "facets.parquet")
    base = pl.read_parquet(restricted / "base_clusters.parquet")
    screened = [
        HierarchyNode.model_validate(n) for n in support.restricted_json(settings, date, "tracked_hierarchy")
    ]
    return facets, base, screened


def _bounded_truth(facets, base, screened, config) -> tuple[dict, int]:
    """Exact node counts and total of the contribution-bounded conversations the noise is added to."""
    rows = node_paths(base, screened).join(facets.select("conversation_id", "user_id"), on="conversation_id")
    bounded = bound_contributions(
        rows.select("conversation_id", "user_id", "node_path"),
        config.max_conversations_per_user,
        key=config.noise_secret,
    )
    return node_counts(bounded)[0], bounded.height


def test_dp_run_publishes_noisy_counts_that_clear_the_thresholds(dp_env: Settings, sample_corpus):
    date = support.first_date(sample_corpus)
    outcome, checks = support.run(date)
    assert outcome.success, outcome.reason
    assert checks and all(checks.values()), checks
    assert outcome.metadata["nodes"] > 0

    public = support.published(dp_env, date)
    assert public.privacy.dp_epsilon == EPSILON
    ids = {n.id for n in public.nodes}
    for node in public.nodes:
        assert node.unique_users >= dp_env.min_unique_users
        assert node.conversation_count >= dp_env.min_conversations
        assert node.parent_id is None or node.parent_id in ids
        assert node.share == round(node.conversation_count / public.total_conversations, 6)

    # the counts are noisy: compared with the exact statistics of the same nodes, some differ,
    # none by more than a few error bounds
    facets, base, screened = _restricted_inputs(dp_env, date)
    thresholds = Thresholds(dp_env.min_unique_users, dp_env.min_conversations)
    exact = {n.id: n for n in node_statistics(screened, facets, base, thresholds=thresholds)}
    release = release_with_dp(
        list(exact.values()),
        screened,
        facets,
        base,
        config=dp_config(dp_env),
        thresholds=thresholds,
        levels=dp_env.hierarchy_levels,
        partition=date,
    )
    assert release.nodes == public.nodes  # the asset used exactly this release
    bound = error_bound(release.plan)
    truth, _ = _bounded_truth(facets, base, screened, dp_config(dp_env))
    assert any(n.conversation_count != exact[n.id].conversation_count for n in public.nodes)
    for node in public.nodes:  # beyond 5 times the 95% bound has probability ~0.05**5
        assert abs(node.conversation_count - truth[node.id].conversation_count) <= 5 * bound
        assert abs(node.unique_users - truth[node.id].unique_users) <= 5 * bound
    # micro-topics and small nodes are withheld: nothing below the noisy bar
    assert all(n.unique_users >= release.plan.users_threshold for n in public.nodes)


def test_same_secret_gives_byte_identical_outputs_and_another_secret_does_not(
    dp_env: Settings, sample_corpus, monkeypatch
):
    date = support.first_date(sample_corpus)
    assert support.run(date)[0].success
    first = support.public_files(dp_env)
    assert support.run(date)[0].success
    assert support.public_files(dp_env) == first

    monkeypatch.setenv("CLIO_DP_NOISE_SECRET", "test-secret-2")
    assert support.run(date)[0].success
    other = support.public_files(Settings())
    key = f"{date}/hierarchy.json"
    assert other[key] != first[key]


def test_counts_stay_within_the_stated_bound_over_many_secrets(dp_env: Settings, sample_corpus):
    """One Dagster run for the restricted inputs, then the DP release with 60 different secrets."""
    date = support.first_date(sample_corpus)
    assert support.run(date)[0].success
    facets, base, screened = _restricted_inputs(dp_env, date)
    thresholds = Thresholds(dp_env.min_unique_users, dp_env.min_conversations)
    exact_nodes = node_statistics(screened, facets, base, thresholds=thresholds)
    errors, bound = [], None
    for i in range(60):
        settings = Settings(
            dp_epsilon=EPSILON,
            dp_max_conversations_per_user=3,
            dp_noise_secret=f"secret-{i}",
            home=dp_env.home,
        )
        config = dp_config(settings)
        release = release_with_dp(
            exact_nodes,
            screened,
            facets,
            base,
            config=config,
            thresholds=thresholds,
            levels=settings.hierarchy_levels,
            partition=date,
        )
        bound = error_bound(release.plan)
        truth, total = _bounded_truth(facets, base, screened, config)
        errors.append(abs(release.total_conversations - total))
        for node in release.nodes:
            errors.append(abs(node.conversation_count - truth[node.id].conversation_count))
            errors.append(abs(node.unique_users - truth[node.id].unique_users))
    outside = sum(e > bound for e in errors) / len(errors)
    assert len(errors) >= 300
    assert outside <= 0.08, f"{outside:.1%} of {len(errors)} noisy counts outside the 95% bound {bound:.1f}"
    assert max(errors) > 0
