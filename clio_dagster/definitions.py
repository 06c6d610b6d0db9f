"""The one Definitions object of the code location: assets, checks, jobs, schedules, sensors, resources."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    Definitions,
    define_asset_job,
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
from clio_dagster.sensors.retention import retention_job, retention_schedule

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
    return make_alert_sensors(
        webhook_url=settings.alert_webhook_url,
        ui_base_url=settings.dagster_ui_url,
        fmt=settings.alert_format,
        routing_key=settings.alert_routing_key,
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
    schedules=[retention_schedule],
    sensors=build_sensors(),
    resources=build_resources(),
)
