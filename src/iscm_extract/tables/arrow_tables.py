"""The output tables as Arrow: built from rows with their declared schemas (catalog.py), with the
pandas metadata that makes a plain `pd.read_parquet` give nullable integers and dates, their
vocabulary columns dictionary-encoded with sorted dictionaries (so that two runs write the same
bytes), and written as Parquet.

A run's tables come from files (`TableFiles`, one Arrow IPC file per table, assemble.py) and are
written one at a time; a table of more than ROW_GROUP_BYTES is written a row group at a time,
read batch by batch (a smaller one is one row group). For example a 20 MB meetings table is
written as five row groups of about 4 MB, every one with the same sorted `level` dictionary.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from iscm_extract.tables.catalog import DISK_SCHEMAS, SCHEMAS, VOCABULARY_COLUMNS
from iscm_extract.tables.tablespec import NULLABLE

Rows = dict[str, list[dict[str, Any]]]


def encode_vocabularies(
    name: str, table: pa.Table, dictionaries: Mapping[str, pa.Array] | None = None
) -> pa.Table:
    """The vocabulary columns of a table dictionary-encoded, the dictionary in sorted order (so
    that two runs write the same bytes; `dictionaries`: the sorted values to use, when the table
    is a part of a larger one); other columns and the metadata unchanged. Arrow compute only,
    chunk by chunk: no Python object per row and no copy of the table, whatever its size."""
    for column in VOCABULARY_COLUMNS.get(name, ()):
        position = table.schema.get_field_index(column)
        values = table.column(column)
        dictionary_values = dictionaries[column] if dictionaries else sorted_distinct([values])
        indices = pc.index_in(values, value_set=dictionary_values).cast(pa.int32())
        field = DISK_SCHEMAS[name].field(column)
        encoded = pa.chunked_array(
            [pa.DictionaryArray.from_arrays(chunk, dictionary_values) for chunk in indices.chunks], field.type
        )
        table = table.set_column(position, field, encoded)
    return table


def sorted_distinct(columns: Iterable[pa.Array | pa.ChunkedArray]) -> pa.Array:
    """The distinct values of these columns (nulls left out), sorted."""
    distinct = pc.unique(pa.chunked_array([pc.unique(c) for c in columns], pa.string())).drop_null()
    return pc.take(distinct, pc.array_sort_indices(distinct))


def tables_from_rows(rows: Rows) -> dict[str, pa.Table]:
    return {name: table_of(name, rows.get(name, [])) for name in SCHEMAS}


def table_of(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """One table of rows, with its declared schema and the pandas metadata of `with_pandas_dtypes`."""
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name]).replace_schema_metadata(pandas_metadata(name))


# How a plain pd.read_parquet reads a date column: as pandas' Arrow-backed date type, so that
# `.dt.year` works and values stay dates (`.astype("datetime64[ms]")` gives numpy timestamps).
PANDAS_DATE_DTYPE = "date32[day][pyarrow]"


def with_pandas_dtypes(table: pa.Table) -> pa.Table:
    """Attach pandas metadata so that a plain pd.read_parquet gives nullable integers (Int32), not
    floats, for integer columns with nulls, and dates with a `.dt` accessor (PANDAS_DATE_DTYPE);
    the Arrow schema itself is unchanged (dates stay date32 for DuckDB, polars and Arrow)."""
    frame = table.to_pandas(types_mapper=NULLABLE.get)
    converted = pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)
    pandas_metadata = json.loads(converted.schema.metadata[b"pandas"])
    dates = {f.name for f in table.schema if pa.types.is_date32(f.type)}
    for column in pandas_metadata["columns"]:
        if column["name"] in dates:
            column["numpy_type"] = PANDAS_DATE_DTYPE
    return converted.replace_schema_metadata({b"pandas": json.dumps(pandas_metadata).encode()})


@functools.cache
def pandas_metadata(name: str) -> dict[bytes, bytes]:
    """The schema metadata `with_pandas_dtypes` gives table `name`: it depends on the schema only,
    never on the rows, so it is computed once, on the empty table."""
    empty = pa.Table.from_pylist([], schema=SCHEMAS[name])
    metadata = with_pandas_dtypes(empty).schema.metadata
    assert metadata is not None
    return dict(metadata)


# A table larger than this (its Arrow data) is written a row group of at most this size at a time,
# read from its file batch by batch (`TableFiles`); a smaller one is one row group, as before.
ROW_GROUP_BYTES = 4 * 2**20


@dataclasses.dataclass(frozen=True)
class TableSize:
    rows: int
    nbytes: int


class TableFiles(Mapping[str, pa.Table]):
    """Tables kept on disk, one Arrow IPC file each (`<name>.arrow` in `folder`; a run's assembled
    tables, assemble.py): a table is read when it is asked for and let go after use, and a large
    one is written batch by batch, so that no more than a row group's worth is held at a time."""

    def __init__(self, folder: Path, sizes: Mapping[str, TableSize]) -> None:
        self.folder = folder
        self.sizes = dict(sizes)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.arrow"

    def __getitem__(self, name: str) -> pa.Table:
        if name not in self.sizes:
            raise KeyError(name)
        return pa.ipc.open_file(pa.memory_map(str(self.path(name)))).read_all()

    def __iter__(self) -> Iterator[str]:
        return iter(self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    def schema(self, name: str) -> pa.Schema:
        return pa.ipc.open_file(pa.memory_map(str(self.path(name)))).schema

    def batches(self, name: str) -> Iterator[pa.RecordBatch]:
        """The table's record batches, each read from the file when it is reached (not mapped:
        a batch let go is gone from memory)."""
        with pa.OSFile(str(self.path(name))) as source:
            reader = pa.ipc.open_file(source)
            for index in range(reader.num_record_batches):
                yield reader.get_batch(index)


def row_counts(tables: Mapping[str, pa.Table]) -> dict[str, int]:
    """Each table's number of rows (without reading the tables kept on disk)."""
    if isinstance(tables, TableFiles):
        return {name: size.rows for name, size in tables.sizes.items()}
    return {name: tables[name].num_rows for name in tables}


def write_parquet(tables: Mapping[str, pa.Table], name: str, path: Path) -> int:
    """One table as Parquet at `path`; its number of rows."""
    on_disk = tables if isinstance(tables, TableFiles) else None
    schema = on_disk.schema(name) if on_disk else tables[name].schema
    if not schema.equals(SCHEMAS[name], check_metadata=False):
        raise ValueError(f"table {name}: schema differs from its declaration")
    if on_disk and on_disk.sizes[name].nbytes > ROW_GROUP_BYTES:
        return _write_row_groups(on_disk, name, path)
    table = tables[name]
    pq.write_table(encode_vocabularies(name, table), path)
    return int(table.num_rows)


def _write_row_groups(files: TableFiles, name: str, path: Path) -> int:
    """A large table written a row group of about ROW_GROUP_BYTES at a time, read batch by batch,
    its vocabularies encoded with one sorted dictionary for the whole table."""
    dictionaries = {
        column: sorted_distinct(batch.column(column) for batch in files.batches(name))
        for column in VOCABULARY_COLUMNS.get(name, ())
    }
    schema = DISK_SCHEMAS[name].with_metadata(pandas_metadata(name))
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        pending: list[pa.RecordBatch] = []
        for batch in files.batches(name):
            pending.append(batch)
            if sum(b.nbytes for b in pending) >= ROW_GROUP_BYTES:
                writer.write_table(encode_vocabularies(name, pa.Table.from_batches(pending), dictionaries))
                rows, pending = rows + sum(b.num_rows for b in pending), []
        if pending:
            writer.write_table(encode_vocabularies(name, pa.Table.from_batches(pending), dictionaries))
            rows += sum(b.num_rows for b in pending)
    return rows
