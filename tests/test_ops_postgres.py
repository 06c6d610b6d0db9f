"""The daily job with the multiprocess executor on an instance backed by the real PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterRunStatus, execute_job, reconstructable
from ops_support import check_evaluations, fresh_database

from clio_dagster.assets.operations import LLM_POOL
from clio_dagster.config import Settings
from clio_dagster.definitions import defs
from clio_dagster.runner import daily_job, instance_for, run_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BLOCKING = {"thresholds_on_every_node", "no_pii_in_public_text", "audit_scores_pass", "no_verbatim_text"}


def test_daily_job_multiprocess_on_postgres(
    clio_home: Path, pg_url: str, sample_corpus, monkeypatch: pytest.MonkeyPatch
):
    from clio_dagster.ingest import discover_dates

    day = discover_dates(str(sample_corpus.conversations))[0]
    monkeypatch.setenv("CLIO_INPUT", str(sample_corpus.conversations))  # spawned steps inherit it
    with fresh_database(pg_url) as url:
        monkeypatch.setenv("CLIO_PG_URL", url)
        instance = instance_for(Settings())
        try:
            with execute_job(
                reconstructable(daily_job),
                instance=instance,
                run_config=run_config("multiprocess", max_concurrent=2),
                tags={"dagster/partition": day},
                raise_on_error=False,
            ) as result:
                assert result.success, [e.message for e in result.all_events if e.is_failure]
                run_id = result.run_id
        finally:
            instance.dispose()

        # read everything back through a new instance: it is in PostgreSQL, not in this process
        reader = instance_for(Settings())
        try:
            assert type(reader.run_storage).__name__ == "PostgresRunStorage"
            record = reader.get_run_record_by_id(run_id)
            assert record.dagster_run.status == DagsterRunStatus.SUCCESS
            assert record.dagster_run.tags["dagster/partition"] == day
            assert record.end_time > record.start_time

            # steps ran in spawned processes, not in the test process
            starts = reader.all_logs(run_id, of_type=DagsterEventType.STEP_START)
            pids = {e.dagster_event.pid for e in starts}
            assert len(starts) >= 10 and os.getpid() not in pids and len(pids) == len(starts)

            evaluations = check_evaluations(reader, run_id)
            assert set(evaluations) >= BLOCKING
            assert all(evaluations.values()), evaluations
            latest = reader.event_log_storage.get_latest_asset_check_execution_by_key(
                [k for k in defs.resolve_asset_graph().asset_check_keys if k.name in BLOCKING]
            )
            assert len(latest) == len(BLOCKING)
            assert {r.run_id for r in latest.values()} == {run_id}

            for key in defs.resolve_asset_graph().get_all_asset_keys():
                assert reader.get_materialized_partitions(key) == {day}, key
            facets = reader.fetch_materializations(AssetKey("facets"), limit=1).records[0]
            metadata = facets.asset_materialization.metadata
            assert metadata["step_seconds"].value > 0 and metadata["rss_peak_mb"].value > 50

            pool = reader.event_log_storage.get_concurrency_info(LLM_POOL)
            assert pool.slot_count == 2 and pool.active_slot_count == 0  # every slot given back
            assert (clio_home / "public" / day / "hierarchy.json").exists()
        finally:
            reader.dispose()
