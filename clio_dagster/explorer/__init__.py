"""The self-contained HTML explorer, built from the public zone only."""

from clio_dagster.explorer.build import build_explorer
from clio_dagster.explorer.safe_read import ExplorerInputError
from clio_dagster.explorer.summary import count_mismatches, explorer_metadata

__all__ = ["ExplorerInputError", "build_explorer", "count_mismatches", "explorer_metadata"]
