"""The Dagster instance: dagster.yaml with Dagster 1.13's real keys, and runner.instance_for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance
from ops_support import fresh_database

from clio_dagster.assets.operations import LLM_POOL, LLM_POOL_SLOTS
from clio_dagster.config import Settings
from clio_dagster.runner import instance_for, sqlalchemy_pg_url

REPO = Path(__file__).resolve().parents[1]


def test_pg_urls_name_the_installed_driver():
    assert sqlalchemy_pg_url("postgresql://u:p@h:5432/db") == "postgresql+psycopg2://u:p@h:5432/db"
    assert sqlalchemy_pg_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert sqlalchemy_pg_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"


def test_sqlite_instance_is_persistent_under_clio_home_with_an_llm_pool(clio_home: Path):
    instance = instance_for(Settings())
    assert Path(instance.root_directory) == (clio_home / "dagster").resolve()
    assert not instance.is_ephemeral
    assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    assert instance.event_log_storage.get_concurrency_info(LLM_POOL).slot_count == LLM_POOL_SLOTS
    assert instance.get_concurrency_config().pool_config.default_pool_limit == LLM_POOL_SLOTS


def test_an_operator_set_pool_limit_is_kept(clio_home: Path):
    instance_for(Settings()).event_log_storage.set_concurrency_slots(LLM_POOL, 5)
    assert instance_for(Settings()).event_log_storage.get_concurrency_info(LLM_POOL).slot_count == 5


@pytest.mark.postgres
def test_pg_url_gives_postgres_storage(clio_home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch):
    with fresh_database(pg_url) as url:
        monkeypatch.setenv("CLIO_PG_URL", url)  # a bare postgresql:// URL, as users write it
        instance = instance_for(Settings())
        try:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert Path(instance.root_directory) == (clio_home / "dagster").resolve()
            assert instance.event_log_storage.get_concurrency_info(LLM_POOL).slot_count == LLM_POOL_SLOTS
        finally:
            instance.dispose()


@pytest.mark.postgres
def test_the_shipped_dagster_yaml_loads(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch):
    """The documented file, as an operator installs it: DAGSTER_HOME/dagster.yaml + CLIO_PG_URL."""
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    with fresh_database(pg_url) as url:
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
        # the URL as the file's own example spells it: the psycopg2 driver named in the scheme
        documented = url.replace("postgresql://", "postgresql+psycopg2://", 1)
        assert "postgresql+psycopg2://" in (REPO / "dagster.yaml").read_text()
        monkeypatch.setenv("CLIO_PG_URL", documented)
        with DagsterInstance.get() as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            config = instance.get_concurrency_config()
            assert config.pool_config.default_pool_limit == LLM_POOL_SLOTS
            assert config.pool_config.pool_granularity.value == "op"
            assert config.run_queue_config.max_concurrent_runs == 4
            assert {"key": "dagster/backfill", "limit": 2} in config.run_queue_config.tag_concurrency_limits
            assert instance.get_settings("telemetry") == {"enabled": False}
