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
)
from clio_dagster.assets.partitions import DAILY
from clio_dagster.checks import explorer as explorer_checks
from clio_dagster.checks import privacy as privacy_checks
from clio_dagster.resources.embedder import EmbedderResource
from clio_dagster.resources.llm import LLMResource
from clio_dagster.resources.settings import ClioSettings
from clio_dagster.resources.storage import RestrictedFileIOManager

ASSET_MODULES = [ingest, facets, embeddings, clusters, naming, hierarchy, audit, publish, explorer]

daily_job = define_asset_job("clio_daily", selection=AssetSelection.all(), partitions_def=DAILY)


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
    jobs=[daily_job],
    resources=build_resources(),
)
