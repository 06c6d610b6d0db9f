"""The self-contained HTML explorer, built from the public zone only."""

from clio_dagster.explorer.build import build_explorer
from clio_dagster.explorer.safe_read import ExplorerInputError

__all__ = ["ExplorerInputError", "build_explorer"]
