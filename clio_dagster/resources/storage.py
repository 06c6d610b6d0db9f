"""Restricted-zone storage of every intermediate asset: one owner-only file per asset and partition."""

import io
import json
import typing
from pathlib import Path

import numpy as np
import polars as pl
from dagster import ConfigurableIOManager, InputContext, OutputContext, ResourceDependency
from pydantic import BaseModel, TypeAdapter

from clio_dagster.core.files import write_restricted_bytes
from clio_dagster.resources.settings import ClioSettings

_EXTENSIONS = (".parquet", ".npy", ".json")


class RestrictedFileIOManager(ConfigurableIOManager):
    """Stores DataFrames as Parquet, arrays as .npy and models/lists/dicts as JSON under
    ``$CLIO_HOME/restricted/<partition>/<asset>``, so the restricted zone of DESIGN §3 is the store."""

    settings: ResourceDependency[ClioSettings]

    def _base(self, context: OutputContext | InputContext) -> Path:
        partition = context.asset_partition_key if context.has_asset_partitions else "_unpartitioned"
        return self.settings.get().restricted_partition(partition) / context.asset_key.path[-1]

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if obj is None:
            return
        base = self._base(context)
        if isinstance(obj, pl.DataFrame):
            buffer = io.BytesIO()
            obj.write_parquet(buffer, statistics=False)
            path = write_restricted_bytes(base.with_suffix(".parquet"), buffer.getvalue())
        elif isinstance(obj, np.ndarray):
            buffer = io.BytesIO()
            np.save(buffer, obj, allow_pickle=False)
            path = write_restricted_bytes(base.with_suffix(".npy"), buffer.getvalue())
        else:
            model = _model_type(obj)
            if model is not None:
                data = TypeAdapter(model).dump_json(obj, indent=1)
            else:
                data = json.dumps(obj, indent=1, sort_keys=True, default=str).encode()
            path = write_restricted_bytes(base.with_suffix(".json"), data)
        context.add_output_metadata({"path": str(path)})

    def load_input(self, context: InputContext) -> object:
        base = self._base(context)
        for suffix in _EXTENSIONS:
            path = base.with_suffix(suffix)
            if path.exists():
                break
        else:
            raise FileNotFoundError(f"{base}.* is missing: materialise the upstream asset for this partition")
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        annotation = context.dagster_type.typing_type
        if annotation is typing.Any or annotation is object:
            return json.loads(path.read_bytes())
        return TypeAdapter(annotation).validate_json(path.read_bytes())


def _model_type(obj: object) -> type | None:
    """The pydantic type to serialise ``obj`` with: a model, or a list of one model type."""
    if isinstance(obj, BaseModel):
        return type(obj)
    if isinstance(obj, list) and obj and isinstance(obj[0], BaseModel):
        return list[type(obj[0])]
    return None
