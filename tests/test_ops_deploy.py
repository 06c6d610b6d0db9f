"""The deployment files under deploy/ against the real config schemas of dagster-k8s and dagster-celery."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from dagster import validate_run_config
from dagster._config import process_config, validate_config
from dagster._core.instance.config import dagster_instance_config_schema

from clio_dagster.config import Settings
from clio_dagster.deployments import executor_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
JSON_LOGS = {"loggers": {"json": {"config": {"log_level": "INFO"}}}}


def _load_code_location(path: Path):
    spec = importlib.util.spec_from_file_location(f"clio_deploy_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.defs


def _assert_valid(executor_def, config: dict) -> None:
    result = validate_config(executor_def.config_schema.config_type, config)
    assert result.success, [e.message for e in result.errors]


def test_k8s_executor_config_matches_the_k8s_job_executor_schema():
    k8s = pytest.importorskip("dagster_k8s")
    from dagster_k8s.models import k8s_model_from_dict
    from kubernetes.client import V1Container, V1PodSpec, V1Volume, V1VolumeMount

    config = executor_config(DEPLOY / "k8s" / "executor.yaml")
    _assert_valid(k8s.k8s_job_executor, config)
    # the nested Kubernetes dicts are permissive in Dagster's schema: build the real models from them
    for volume in config["volumes"]:
        k8s_model_from_dict(V1Volume, volume)
    for mount in config["volume_mounts"]:
        k8s_model_from_dict(V1VolumeMount, mount)
    steps = {"(default)": config["step_k8s_config"], **config["per_step_k8s_config"]}
    for step_config in steps.values():
        container = k8s_model_from_dict(V1Container, {"name": "step", **step_config["container_config"]})
        assert container.resources.limits["memory"]
    k8s_model_from_dict(V1PodSpec, {"containers": [], **config["step_k8s_config"]["pod_spec_config"]})


def test_k8s_per_step_overrides_name_real_steps():
    pytest.importorskip("dagster_k8s")
    from clio_dagster.definitions import defs

    config = executor_config(DEPLOY / "k8s" / "executor.yaml")
    # dagster-k8s looks an override up by the step's op name (an asset's, or an op inside a graph asset)
    op_names = {op.name for op in defs.resolve_job_def("clio_daily").graph.iterate_op_defs()}
    assert set(config["per_step_k8s_config"]) <= op_names
    assert {"prepare_facet_shard", "render_facet_shard"} <= set(config["per_step_k8s_config"])


def test_a_misspelt_k8s_key_is_caught():
    k8s = pytest.importorskip("dagster_k8s")
    config = {**executor_config(DEPLOY / "k8s" / "executor.yaml"), "max_concurent": 4}
    assert not validate_config(k8s.k8s_job_executor.config_schema.config_type, config).success


def test_celery_executor_config_passes_the_worker_cli_validation(monkeypatch: pytest.MonkeyPatch):
    celery = pytest.importorskip("dagster_celery")
    from dagster_celery.cli import get_validated_config

    monkeypatch.setenv("CELERY_BROKER_URL", "pyamqp://clio@rabbitmq.internal:5672//")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "rpc://")
    path = DEPLOY / "celery" / "executor.yaml"
    _assert_valid(celery.celery_executor, executor_config(path))
    validated = get_validated_config(str(path))  # what `dagster-celery worker start -y` does
    assert validated["broker"] == "pyamqp://clio@rabbitmq.internal:5672//"
    assert validated["config_source"]["worker_max_tasks_per_child"] == 1


@pytest.mark.parametrize(("kind", "executor_name"), [("k8s", "clio_k8s"), ("celery", "clio_celery")])
def test_definitions_variant_loads_with_that_executor(kind: str, executor_name: str, monkeypatch):
    pytest.importorskip(f"dagster_{kind}")
    monkeypatch.setenv("CELERY_BROKER_URL", "pyamqp://clio@rabbitmq.internal:5672//")
    monkeypatch.setenv("CELERY_RESULT_BACKEND", "rpc://")
    defs = _load_code_location(DEPLOY / kind / "code_location.py")
    job = defs.resolve_job_def("clio_daily")
    assert job.executor_def.name == executor_name
    assert {"conversations", "public_hierarchy", "explorer"} <= {
        k.to_user_string() for k in job.asset_layer.executable_asset_keys
    }
    assert defs.get_schedule_def("clio_daily_schedule").job_name == "clio_daily"
    assert validate_run_config(job, JSON_LOGS)  # structured logs stay available


def _helm_values() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())


def test_helm_user_deployment_serves_the_k8s_code_location():
    values = _helm_values()
    [deployment] = values["dagster-user-deployments"]["deployments"]
    args = deployment["dagsterApiGrpcArgs"]
    served = Path(args[args.index("--python-file") + 1])
    assert served.relative_to("/opt/clio") == Path("deploy/k8s/code_location.py")
    assert (DEPLOY.parent / served.relative_to("/opt/clio")).exists()
    assert deployment["image"]["tag"] not in (None, "latest")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False


def test_every_clio_variable_in_the_deployment_is_a_real_setting():
    """A typo in an env name silently falls back to a default: catch it here."""
    known = {f"CLIO_{name.upper()}" for name in Settings.model_fields}
    text = "".join(
        p.read_text() for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".py", ""} and p.is_file()
    )
    used = set(re.findall(r"\bCLIO_[A-Z_]+\b", text))
    assert used and used <= known, used - known


def test_helm_concurrency_renders_a_valid_instance_config_equal_to_dagster_yaml():
    """Map the chart's camelCase keys as its dagsterYaml.concurrency template does, then validate."""
    helm = _helm_values()["concurrency"]
    rendered = {
        "pools": {
            "default_limit": helm["pools"]["defaultLimit"],
            "granularity": helm["pools"]["granularity"],
        },
        "runs": {
            "max_concurrent_runs": helm["runs"]["maxConcurrentRuns"],
            "tag_concurrency_limits": helm["runs"]["tagConcurrencyLimits"],
        },
    }
    result = process_config(dagster_instance_config_schema(), {"concurrency": rendered})
    assert result.success, result.errors
    local = yaml.safe_load((DEPLOY.parent / "dagster.yaml").read_text())["concurrency"]
    assert rendered == local
