"""The catalog of output tables, each declared once, in tables.yaml (beside this module), and loaded here into
`TableSpec`s (tablespec.py): its columns with their Arrow types, nullability, checks and meanings,
its stable key, the columns unique together and its row checks. Everything else about a table is
derived from its declaration: the Arrow and Parquet schemas (`SCHEMAS`, `DISK_SCHEMAS`), the
pandera schemas (validate.py), the data dictionary (dictionary.py), the keys of `diff`, and every
list of tables.

Adding a column is one edit in tables.yaml (a column in its table, at the place it takes in the
Parquet file) plus the extractor code that fills it: for example

      - name: page
        type: int32
        nullable: true
        checks: [{at_least: 1}]
        description: "Page of the mention (PDF input); null for text."

in `meetings` gives meetings.parquet a nullable int32 `page`, validated `>= 1`, documented in
docs/tables.md. A column of the `common` section (doc_id, char_start, ...) is named by its name
alone. Checks are a bound (`at_least`, `at_most`), a fixed list (`one_of`), a text `length` or
pattern (`matches`), one of the rules' vocabularies (`in_rules: levels`), or a named check of
checks.py (`registry_id_or_null`). The file is checked on load: an unknown key, type or check is
an error naming it. The order of the tables is the order they are written and documented in.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pyarrow as pa
import yaml

from iscm_extract.tables import checks
from iscm_extract.tables.tablespec import (
    Bound,
    Column,
    ColumnCheck,
    Length,
    Matches,
    OneOf,
    RowCheck,
    SeriesCheck,
    TableSpec,
    arrow_schema,
    disk_schema,
)

TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date32": pa.date32(),
    "list<string>": pa.list_(pa.string()),
}
_COLUMN_KEYS = {"name", "type", "description", "nullable", "unique", "vocabulary", "checks"}
_TABLE_KEYS = {
    "description",
    "key",
    "unique",
    "row_checks",
    "derived",
    "checked_first",
    "gold_key",
    "gold_folded",
    "columns",
}


class TableDeclarationError(ValueError):
    """tables.yaml declares something this module does not know."""


def _known(where: str, found: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise TableDeclarationError(f"tables.yaml: {where}: unknown {', '.join(unknown)}")
    return found


def _check(where: str, declared: Any, nullable: bool) -> ColumnCheck:
    """One column check: a named check of checks.py, or {kind: argument}."""
    named = checks.NAMED.get(declared) if isinstance(declared, str) else None
    if isinstance(named, SeriesCheck):
        return named
    if not (isinstance(declared, dict) and len(declared) == 1):
        raise TableDeclarationError(f"tables.yaml: {where}: unknown check {declared!r}")
    ((kind, argument),) = declared.items()
    makers: dict[str, Any] = {
        "at_least": lambda: Bound(argument),
        "at_most": lambda: Bound(argument, lower=False),
        "one_of": lambda: OneOf(tuple(argument)),
        "length": lambda: Length(*argument),
        "matches": lambda: Matches(argument),
        "in_rules": lambda: checks.in_rules(argument, nullable=nullable),
    }
    if kind not in makers:
        raise TableDeclarationError(f"tables.yaml: {where}: unknown check {kind!r}")
    made: ColumnCheck = makers[kind]()
    return made


def _column(table: str, declared: Any, common: dict[str, Column]) -> Column:
    if isinstance(declared, str):
        return common[declared]
    where = f"{table}.{declared.get('name')}"
    fields = _known(where, dict(declared), _COLUMN_KEYS)
    if fields.get("type") not in TYPES:
        raise TableDeclarationError(f"tables.yaml: {where}: unknown type {fields.get('type')!r}")
    nullable = bool(fields.get("nullable", False))
    return Column(
        name=fields["name"],
        type=TYPES[fields["type"]],
        description=fields["description"],
        nullable=nullable,
        unique=bool(fields.get("unique", False)),
        vocabulary=bool(fields.get("vocabulary", False)),
        checks=tuple(_check(where, c, nullable) for c in fields.get("checks", ())),
    )


def _row_check(table: str, name: str) -> RowCheck:
    named = checks.NAMED.get(name)
    if not isinstance(named, RowCheck):
        raise TableDeclarationError(f"tables.yaml: {table}: unknown row check {name!r}")
    return named


def _table(name: str, declared: dict[str, Any], common: dict[str, Column]) -> TableSpec:
    fields = _known(name, declared, _TABLE_KEYS)
    return TableSpec(
        name=name,
        description=fields["description"],
        columns=tuple(_column(name, c, common) for c in fields["columns"]),
        key=tuple(fields["key"]),
        unique=tuple(fields.get("unique", ())),
        row_checks=tuple(_row_check(name, c) for c in fields.get("row_checks", ())),
        derived=bool(fields.get("derived", False)),
        checked_first=tuple(fields.get("checked_first", ())),
        gold_key=tuple(fields.get("gold_key", ())),
        gold_folded=tuple(fields.get("gold_folded", ())),
    )


def load_tables(text: str) -> dict[str, TableSpec]:
    """The tables a tables.yaml text declares, in its order."""
    declared = _known("top level", yaml.safe_load(text), {"common", "tables"})
    common = {name: _column("common", {"name": name, **c}, {}) for name, c in declared["common"].items()}
    return {name: _table(name, table, common) for name, table in declared["tables"].items()}


# Every table, in the order they are written and documented.
TABLES: dict[str, TableSpec] = load_tables(
    files("iscm_extract.tables").joinpath("tables.yaml").read_text(encoding="utf-8")
)
# The tables as built and validated (vocabularies as plain strings) ...
SCHEMAS: dict[str, pa.Schema] = {name: arrow_schema(spec) for name, spec in TABLES.items()}
# ... and as written to Parquet (vocabularies dictionary-encoded).
DISK_SCHEMAS: dict[str, pa.Schema] = {name: disk_schema(spec) for name, spec in TABLES.items()}
# Columns that hold a closed vocabulary: stored dictionary-encoded, their values sorted.
VOCABULARY_COLUMNS: dict[str, tuple[str, ...]] = {
    name: spec.vocabulary_columns for name, spec in TABLES.items() if spec.vocabulary_columns
}
DERIVED_TABLES = tuple(name for name, spec in TABLES.items() if spec.derived)
# Every table a document has rows in; `iscms` is made from all documents' `iscm_years`.
DOCUMENT_TABLES = tuple(name for name in TABLES if name != "iscms")
# Stable key of each table (diff.py).
KEYS: dict[str, list[str]] = {name: list(spec.key) for name, spec in TABLES.items()}
