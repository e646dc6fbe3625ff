"""Validation of the output tables: one pandera schema per table, built from its declaration
(catalog.py, tablespec.pandera_schema) and run lazily so that every failure is reported at once, as
`Failure`s that name the table, column, check and row:

    meetings.level: one_of_levels_in_rules failed for 'plenary' (row 3)

The closed vocabularies (registry ids, document and section kinds, meeting types and levels,
formats) are not written here: they come from the rules (`rules.Vocabulary`), passed to every
validation, so that a level added to rules/meetings.yaml is valid everywhere.

The writer validates before every write, and drops the rows that fail, per document, with a
problems row naming the check (isolate.isolate_failures). `iscm-extract validate DIR` runs the same
checks on tables already written, plus the checks across tables of one folder
(`consistency_failures`): every table is the one the manifest describes (its sha256 and row
count), so a folder that mixes the tables of two runs is rejected, and every doc_id of every
table is a document of the documents table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors

from iscm_extract.rules import Vocabulary
from iscm_extract.tables.catalog import TABLES
from iscm_extract.tables.tablespec import NULLABLE, pandera_schema

__all__ = [
    "NULLABLE",
    "Failure",
    "ValidationError",
    "consistency_failures",
    "file_sha256",
    "find_failures",
    "frame_of",
    "read_frame",
    "validate_dir",
    "validate_frames",
]


def frame_of(table: pyarrow.Table) -> pd.DataFrame:
    """A table as its pandera schema checks it: dictionary-encoded vocabularies as plain strings, integers
    and booleans as nullable pandas types."""
    plain = pyarrow.schema(
        [f.with_type(f.type.value_type) if pyarrow.types.is_dictionary(f.type) else f for f in table.schema]
    )
    return table.cast(plain).to_pandas(types_mapper=NULLABLE.get)


def read_frame(path: Path) -> pd.DataFrame:
    """A Parquet table as its pandera schema checks it (see frame_of)."""
    return frame_of(pq.read_table(path))


class ValidationError(ValueError):
    """One or more tables break their model; the message lists every failure."""


@dataclass(frozen=True)
class Failure:
    """One check failed by one row (`index`, the row's position in its frame) or by a whole table
    (`index` None)."""

    table: str
    column: str | None
    check: str
    case: Any
    index: int | None

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.check} failed for {self.case!r}" + (
            f" (row {self.index})" if self.index is not None else ""
        )


def _as_index(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def _table_failures(name: str, frame: pd.DataFrame, words: Vocabulary) -> list[Failure]:
    """Every failure of one table's checks (its pandera schema, tablespec.pandera_schema)."""
    try:
        pandera_schema(TABLES[name], words).validate(frame, lazy=True)
    except SchemaErrors as exc:
        return [
            Failure(
                name,
                row.column if isinstance(row.column, str) and row.column in frame else None,
                str(row.check),
                row.failure_case,
                _as_index(row.index),
            )
            for row in exc.failure_cases.itertuples()
        ]
    return []


def find_failures(frames: dict[str, pd.DataFrame], words: Vocabulary) -> list[Failure]:
    """Every failure of every table and every row whose doc_id is no document's."""
    failures = [
        failure
        for name, frame in frames.items()
        if name in TABLES
        for failure in _table_failures(name, frame, words)
    ]
    documents = frames.get("documents")
    if documents is not None and "doc_id" in documents:
        known = set(documents["doc_id"])
        for name, frame in frames.items():
            if name == "documents" or "doc_id" not in frame:
                continue
            for index in frame.index[~frame["doc_id"].isin(known)]:
                failures.append(
                    Failure(name, "doc_id", "doc_id_of_a_document", frame.at[index, "doc_id"], index)
                )
    return failures


def validate_frames(frames: dict[str, pd.DataFrame], words: Vocabulary) -> list[str]:
    """Every failure of every table, as lines; empty when all tables are valid."""
    return [str(f) for f in find_failures(frames, words)]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def consistency_failures(directory: Path) -> list[str]:
    """The folder holds one run: a manifest, and every table the one it describes (same sha256 and
    row count). A table from another run, a missing or extra table, or no manifest is a failure."""
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"manifest.json: cannot be read ({exc})"]
    described = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(described, dict):
        return ["manifest.json: no table hashes (written by an older version: extract again)"]
    failures = []
    present = {p.stem for p in directory.glob("*.parquet")}
    for name in sorted(set(described) | set(TABLES) | present):
        path = directory / f"{name}.parquet"
        entry = described.get(name)
        if entry is None:
            failures.append(f"{name}: table not in the manifest (from another run)")
        elif not path.is_file():
            failures.append(f"{name}: table missing in {directory}")
        elif file_sha256(path) != entry.get("sha256"):
            failures.append(
                f"{name}: not the table of run {manifest.get('run_id')} (sha256 differs from the manifest)"
            )
        elif pq.read_metadata(path).num_rows != entry.get("rows"):
            failures.append(f"{name}: row count differs from the manifest")
    return failures


def validate_dir(directory: Path, words: Vocabulary) -> list[str]:
    """The tables of a folder: one run (consistency_failures), then every check of every table."""
    failures = consistency_failures(directory)
    frames = {}
    for name in TABLES:
        path = directory / f"{name}.parquet"
        if not path.exists():
            return failures or [f"{name}: table missing in {directory}"]
        frames[name] = read_frame(path)
    return failures + validate_frames(frames, words)
