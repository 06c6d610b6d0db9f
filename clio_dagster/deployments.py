"""Definitions variants for running across machines: the same code location with another executor.

The executor's settings live in a YAML file in run-config shape (``execution: config: ...``), so
one file serves the code location, ``dagster-celery worker start -y FILE`` and the launchpad.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from dagster import Definitions, ExecutorDefinition


def executor_config(path: Path) -> dict[str, Any]:
    """The ``execution.config`` block of a run-config YAML file."""
    data = yaml.safe_load(path.read_text()) or {}
    config = data.get("execution", {}).get("config")
    if not isinstance(config, dict):
        raise ValueError(f"{path} has no execution.config mapping")
    return config


def with_executor(executor_def: ExecutorDefinition, config_path: Path) -> Definitions:
    """Every asset, check, schedule and sensor of clio-dagster, run by ``executor_def`` as configured."""
    from clio_dagster.definitions import defs

    configured = executor_def.configured(executor_config(config_path), name=f"clio_{executor_def.name}")
    return Definitions.merge(defs, Definitions(executor=configured))
