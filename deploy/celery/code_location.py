"""Code location for dagster-celery: steps go to Celery workers through the broker (executor.yaml)."""

from pathlib import Path

from dagster_celery import celery_executor

from clio_dagster.deployments import with_executor

defs = with_executor(celery_executor, Path(__file__).with_name("executor.yaml"))
