"""Code location for dagster-k8s: every step of a run in its own Kubernetes Job (executor.yaml)."""

from pathlib import Path

from dagster_k8s import k8s_job_executor

from clio_dagster.deployments import with_executor

defs = with_executor(k8s_job_executor, Path(__file__).with_name("executor.yaml"))
