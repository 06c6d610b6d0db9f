"""The environment a test run of the pipeline sees: only the CLIO_* settings it sets itself."""

import os

import pytest


def use_clio_env(patch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Clear every CLIO_* variable and DAGSTER_HOME, then set ``env``."""
    for name in list(os.environ):
        if name.startswith("CLIO_") or name == "DAGSTER_HOME":
            patch.delenv(name)
    for name, value in env.items():
        patch.setenv(name, value)
