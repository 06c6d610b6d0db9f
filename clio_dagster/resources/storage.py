"""Restricted-zone storage of every intermediate asset: one owner-only file per asset and partition."""

import json
import re
import typing
from pathlib import Path

import numpy as np
import polars as pl
from dagster import (
    ConfigurableIOManager,
    InputContext,
    OutputContext,
    ResourceDependency,
    TableColumn,
    TableSchema,
)
from pydantic import BaseModel, TypeAdapter

from clio_dagster.core.clustering.embed import DistinctRows
from clio_dagster.core.files import write_restricted_bytes, write_restricted_stream
from clio_dagster.resources.settings import ClioSettings

_EXTENSIONS = (".parquet", ".npy", ".json")


class RestrictedFileIOManager(ConfigurableIOManager):
    """Stores DataFrames as Parquet, arrays as .npy and models/lists/dicts as JSON under
    ``$CLIO_HOME/restricted/<partition>/<asset>``, so the restricted zone of DESIGN §3 is the store.

    Outputs of ops inside graph-backed assets (the facet shards) go to
    ``restricted/<partition>/_steps/<step key>.<output>[.<mapping key>]``. Files are streamed to
    disk and arrays are loaded memory-mapped, so no step holds an extra copy of the day. An input
    annotated ``pl.LazyFrame`` is a scan of the Parquet file, so a step reads only the columns it
    selects (the day's messages are most of a conversations file).
    """

    settings: ResourceDependency[ClioSettings]

    def _base(self, context: OutputContext | InputContext) -> Path:
        output = context.upstream_output if isinstance(context, InputContext) else context
        if output is not None and not output.has_asset_key:
            partition = context.partition_key if context.has_partition_key else "_unpartitioned"
            name = ".".join(p for p in (output.step_key, output.name, output.mapping_key) if p)
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
            return self.settings.get().restricted_partition(partition) / "_steps" / safe
        partition = context.asset_partition_key if context.has_asset_partitions else "_unpartitioned"
        return self.settings.get().restricted_partition(partition) / context.asset_key.path[-1]

    def handle_output(self, context: OutputContext, obj: object) -> None:
        if obj is None:
            return
        base = self._base(context)
        metadata: dict[str, object] = {}
        if isinstance(obj, pl.DataFrame):
            path = write_restricted_stream(
                base.with_name(base.name + ".parquet"), lambda f: obj.write_parquet(f, statistics=False)
            )
            metadata = table_metadata(obj)
        elif isinstance(obj, np.ndarray):
            path = write_restricted_stream(
                base.with_name(base.name + ".npy"), lambda f: np.save(f, obj, allow_pickle=False)
            )
        elif isinstance(obj, DistinctRows):
            # the dense day is written a block of rows at a time, never built in memory
            path = write_restricted_stream(base.with_name(base.name + ".npy"), lambda f: _save_rows(f, obj))
        else:
            model = _model_type(obj)
            if model is not None:
                data = TypeAdapter(model).dump_json(obj, indent=1)
            else:
                data = json.dumps(obj, indent=1, sort_keys=True, default=str).encode()
            path = write_restricted_bytes(base.with_name(base.name + ".json"), data)
        context.add_output_metadata({"path": str(path), **metadata})

    def load_input(self, context: InputContext) -> object:
        if context.definition_metadata.get("window"):
            return self._load_window(context)
        base = self._base(context)
        for suffix in _EXTENSIONS:
            path = base.with_name(base.name + suffix)
            if path.exists():
                break
        else:
            raise FileNotFoundError(f"{base}.* is missing: materialise the upstream asset for this partition")
        if suffix == ".parquet":
            if context.dagster_type.typing_type is pl.LazyFrame:
                return pl.scan_parquet(path)
            return pl.read_parquet(path)
        if suffix == ".npy":
            # read-only and paged in on demand: a 1M x 512 float32 day is 2 GB
            return np.load(path, mmap_mode="r", allow_pickle=False)
        annotation = context.dagster_type.typing_type
        upstream = context.upstream_output
        # an op output (facet shard) is one element of a collected list: plain JSON is enough
        if annotation is typing.Any or annotation is object or (upstream and not upstream.has_asset_key):
            return json.loads(path.read_bytes())
        return TypeAdapter(annotation).validate_json(path.read_bytes())

    def _load_window(self, context: InputContext) -> pl.DataFrame:
        """A time window of an asset's partitions (an input marked ``window``): the Parquet files of the
        partitions that exist, in date order, as one frame; an empty frame when none does."""
        restricted = self.settings.get()
        name = context.asset_key.path[-1]
        paths = [
            restricted.restricted_partition(key) / f"{name}.parquet" for key in context.asset_partition_keys
        ]
        frames = [pl.read_parquet(path) for path in sorted(paths) if path.exists()]
        # diagonal: a column added to an asset later is null on the days stored before it
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def table_metadata(frame: pl.DataFrame) -> dict[str, object]:
    """Dagster's standard table metadata: the row count and the column schema (names and polars types)."""
    columns = [TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    return {"dagster/row_count": frame.height, "dagster/column_schema": TableSchema(columns=columns)}


def _save_rows(handle: typing.BinaryIO, rows: DistinctRows) -> None:
    """``rows`` as a dense float32 .npy file, the same bytes ``np.save`` writes for ``rows.dense()``."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(handle, {**header, "shape": rows.shape})
    for block in rows.blocks():
        handle.write(np.ascontiguousarray(block, dtype=np.float32).data)


def _model_type(obj: object) -> type | None:
    """The pydantic type to serialise ``obj`` with: a model, or a list of one model type."""
    if isinstance(obj, BaseModel):
        return type(obj)
    if isinstance(obj, list) and obj and isinstance(obj[0], BaseModel):
        return list[type(obj[0])]
    return None
