"""The final tables of a run, assembled with pyarrow from the parts its documents were streamed to.

A run never holds all its documents. Each document's validated tables (document.py) are written
as soon as the document is done, as one part in a folder beside the output folder:

    .outputs.parts-<pid>-<random>/00000042.json   the document's tables (cache.py's entry format),
                                                  numbered in doc_id order

and its cache entry is written at the same time. When every document is done, `assemble` reads
the parts in doc_id order and appends each table's rows to that table's Arrow file
(`tables/meetings.arrow`, ...): the same rows, in the same order, as building the tables of all
documents at once (every table is sorted by doc_id first, then by its own order within a
document). The writer then reads them one at a time (memory mapped), so the run never holds all
tables at once. What is computed across documents comes from small per-document summaries
(`iscms` from each document's `iscm_years`; the manifest's inputs) and from the Arrow tables
themselves (the ids that must be unique across documents). The part folder is removed when the
run ends; one left by a killed run is removed by the next run into the same folder (its process
is gone).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from iscm_extract.rules import Rules
from iscm_extract.tables import arrow_tables, cache, derived, document, validate
from iscm_extract.tables.catalog import DOCUMENT_TABLES, SCHEMAS, TABLES

# Tables are concatenated this many documents at a time, so that a table is a few large chunks
# rather than one small chunk per document.
_BLOCK = 16


class PartFolder:
    """The folder a run streams its documents to (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def file(self, index: int) -> Path:
        return self.path / f"{index:08d}.json"

    def write(self, index: int, entry: bytes) -> None:
        """A document's part: its entry (cache.entry_bytes)."""
        self.file(index).write_bytes(entry)

    def read(self, index: int) -> cache.Entry:
        return cache.decode_entry(self.file(index).read_bytes())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def remove_stale_parts(out_dir: Path) -> None:
    """Part folders beside out_dir left by runs whose process is gone (killed)."""
    prefix = f".{out_dir.name}.parts-"
    for folder in out_dir.parent.glob(f"{prefix}*"):
        pid = folder.name[len(prefix) :].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def part_folder(out_dir: Path) -> Iterator[PartFolder]:
    """A new part folder beside out_dir, removed on the way out (whatever happens)."""
    out_dir.absolute().parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out_dir.absolute())
    path = Path(
        tempfile.mkdtemp(prefix=f".{out_dir.name}.parts-{os.getpid()}-", dir=out_dir.absolute().parent)
    )
    try:
        yield PartFolder(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Source:
    """One input, as the manifest lists it."""

    doc_id: str
    source_path: str
    sha256: str | None


@dataclass(frozen=True)
class Assembled:
    tables: arrow_tables.TableFiles  # every table, in SCHEMAS order
    sources: list[Source]


class _TableFile:
    """One table's rows, gathered document by document as columns of plain values and appended to
    its Arrow file every _BLOCK documents (never one small Arrow table per document: each would
    carry its own schema and metadata)."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.names = SCHEMAS[name].names
        self.columns: dict[str, list[Any]] = {column: [] for column in self.names}
        self.documents = 0
        self.size = arrow_tables.TableSize(0, 0)
        self.writer = pa.ipc.new_file(str(folder / f"{name}.arrow"), arrow_tables.table_of(name, []).schema)

    def add(self, columns: dict[str, list[Any]] | None) -> None:
        if columns is not None:
            if list(columns) != self.names:
                raise ValueError(f"{self.name}: a part holds other columns")
            for column, values in columns.items():
                self.columns[column].extend(values)
        self.documents += 1
        if self.documents >= _BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self.columns[self.names[0]]:
            block = document.table_from_columns(self.name, self.columns)
            self.writer.write_table(block)
            self.size = arrow_tables.TableSize(
                self.size.rows + block.num_rows, self.size.nbytes + block.nbytes
            )
        self.columns = {column: [] for column in self.names}
        self.documents = 0

    def close(self) -> None:
        self._flush()
        self.writer.close()


def assemble(parts: PartFolder, count: int, rules: Rules) -> Assembled:
    """The tables of the documents in parts 0 .. count-1 (in doc_id order), each in its own file,
    the derived `iscms` made from their summaries; checked across documents. Raises
    validate.ValidationError when ids that must be unique across documents are not (they carry
    their document's id: a bug)."""
    folder = parts.path / "tables"
    folder.mkdir()
    files = {name: _TableFile(name, folder) for name in DOCUMENT_TABLES}
    named = derived.NamedIds()
    sources = []
    for index in range(count):
        entry = parts.read(index)
        for name in DOCUMENT_TABLES:
            files[name].add(entry.tables.get(name))
        named.add(entry.iscm_years)
        sources.append(Source(entry.doc_id, entry.source_path, entry.sha256))
    for file in files.values():
        file.close()
    iscms = arrow_tables.table_of("iscms", derived.iscms_from_named(rules.registry, named))
    with pa.ipc.new_file(str(folder / "iscms.arrow"), iscms.schema) as writer:
        writer.write_table(iscms)
    sizes = {name: files[name].size for name in DOCUMENT_TABLES}
    sizes["iscms"] = arrow_tables.TableSize(iscms.num_rows, iscms.nbytes)
    tables = arrow_tables.TableFiles(folder, {name: sizes[name] for name in SCHEMAS})
    failures = validate.validate_frames({"iscms": validate.frame_of(iscms)}, rules.vocabulary)
    failures += cross_document_failures(tables)
    if failures:
        raise validate.ValidationError("tables fail validation, nothing written:\n  " + "\n  ".join(failures))
    return Assembled(tables, sources)


# Keys that must be unique across all documents and do not hold the doc_id (a key that holds it
# was checked with its own document's rows): table -> key columns.
GLOBAL_KEYS: dict[str, tuple[str, ...]] = {
    name: key
    for name, spec in TABLES.items()
    for key in spec.unique_keys
    if "doc_id" not in key or name == "documents"
}


def cross_document_failures(tables: Mapping[str, pa.Table]) -> list[str]:
    """The uniqueness checks of the tables (catalog.py) whose keys do not hold the doc_id,
    over all documents at once, one table at a time (tables kept on disk are read batch by batch,
    only the keys kept)."""
    failures = []
    for name, key in GLOBAL_KEYS.items():
        batches = (
            tables.batches(name) if isinstance(tables, arrow_tables.TableFiles) else tables[name].to_batches()
        )
        keys = pa.chunked_array([_keys(batch, key) for batch in batches], pa.string())
        if pc.count_distinct(keys, mode="all").as_py() != len(keys):
            failures.append(f"{name}: {'+'.join(key)} not unique across documents")
    return failures


def _keys(batch: pa.RecordBatch, key: tuple[str, ...]) -> pa.Array:
    """A new array of the batch's keys, one string per row (the batch itself is not kept)."""
    values = [pc.fill_null(batch.column(column).cast(pa.string()), "\x00") for column in key]
    return pc.binary_join_element_wise(*values, "", "\x1f")
