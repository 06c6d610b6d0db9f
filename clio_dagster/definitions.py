"""The one Definitions object of the code location: assets, checks, jobs, schedules, sensors, resources."""

from __future__ import annotations

import warnings

from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    colored_console_logger,
    define_asset_job,
    json_console_logger,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from clio_dagster.assets import (
    audit,
    clusters,
    embeddings,
    explorer,
    facets,
    hierarchy,
    ingest,
    naming,
    publish,
    safety,
    trends,
)
from clio_dagster.checks import explorer as explorer_checks
from clio_dagster.checks import privacy as privacy_checks
from clio_dagster.config import Settings
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.resources.storage import RestrictedFileIOManager
from clio_dagster.sensors.alerts import make_alert_sensors
from clio_dagster.sensors.daily import clio_daily_schedule
from clio_dagster.sensors.retention import retention_job, retention_schedule

# The day's assets run one partition per run and the explorer one run per range (BackfillPolicy per
# asset); the job then takes the per-day policy, which is what it should do: say so once, not per process.
warnings.filterwarnings(
    "ignore", message="Asset job clio_daily materializes assets with varying BackfillPolicies"
)

ASSET_MODULES = [
    ingest,
    facets,
    embeddings,
    clusters,
    naming,
    hierarchy,
    audit,
    trends,
    publish,
    explorer,
    safety,
]

daily_job = define_asset_job("clio_daily", selection=AssetSelection.all())


def build_sensors() -> list:
    settings = Settings()
    # the secrets are read from the environment when an alert is sent, never stored here
    return make_alert_sensors(
        webhook_url=EnvVar("CLIO_ALERT_WEBHOOK_URL"),
        ui_base_url=settings.dagster_ui_url,
        fmt=settings.alert_format,
        routing_key=EnvVar("CLIO_ALERT_ROUTING_KEY"),
    )


def build_resources() -> dict[str, object]:
    settings = ClioSettings()
    return {
        "settings": settings,
        "io_manager": RestrictedFileIOManager(settings=settings),
        "llm": LLMResource(),
        "embedder": EmbedderResource(),
    }


defs = Definitions(
    assets=load_assets_from_modules(ASSET_MODULES),
    asset_checks=load_asset_checks_from_modules([privacy_checks, explorer_checks]),
    jobs=[daily_job, retention_job],
    schedules=[clio_daily_schedule, retention_schedule],
    sensors=build_sensors(),
    resources=build_resources(),
    # `json` gives structured logs when a run's config enables it (dagster.yaml shows how)
    loggers={"console": colored_console_logger, "json": json_console_logger},
)
