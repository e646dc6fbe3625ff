"""One declaration per output table (`TableSpec`), and everything derived from it.

A table is declared once, in tables.yaml (loaded by catalog.py), as its columns (name, Arrow type,
nullability, checks, meaning), its stable key, the columns unique together, its row checks and
whether it is derived from the other tables. From that one declaration come:

    arrow_schema(spec)           the Arrow schema rows are built and validated with
    disk_schema(spec)            the Parquet schema (vocabulary columns dictionary-encoded)
    pandera_schema(spec, words)  the pandera DataFrameSchema every write is validated with
    Column.notes                 the checks column of the data dictionary (docs/tables.md)

so that adding a column is one edit (a column in tables.yaml) plus the extractor code that
fills it. For example the column

    Column("page", pa.int32(), "Page of the mention (PDF input); null for text.",
           nullable=True, checks=(Bound(1),))

is a nullable int32 field in Parquet, a nullable Int32 pandera column with a `>= 1` check, and a
row of the data dictionary reading "nullable; >= 1".

The closed vocabularies (registry ids, document and section kinds, meeting types, levels,
formats) are not declared here: a check that needs them (`SeriesCheck`) is given the rules'
`Vocabulary` when the pandera schema is built, so that a level added to rules/meetings.yaml is
valid everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pandera
import pyarrow as pa

from iscm_extract.rules import Vocabulary

# Arrow types read as pandas' nullable types (an integer column with nulls stays integer); also the
# dtypes pandera checks (a column of another Arrow type, dates and lists, has no dtype check).
NULLABLE: dict[pa.DataType, Any] = {
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
# The type of a vocabulary column on disk: pandas reads it as a categorical, DuckDB and polars as an
# enum/categorical.
DICTIONARY_TYPE = pa.dictionary(pa.int32(), pa.string())


@dataclass(frozen=True)
class Bound:
    """A column's values are at least (`lower`) or at most (upper) `value`."""

    value: int | float
    lower: bool = True

    @property
    def note(self) -> str:
        return f"{'>=' if self.lower else '<='} {self.value}"

    def pandera(self, words: Vocabulary) -> pandera.Check:
        return pandera.Check.ge(self.value) if self.lower else pandera.Check.le(self.value)


@dataclass(frozen=True)
class OneOf:
    """A column's values are one of a fixed list (fixed by the code, not by the rules)."""

    values: tuple[str, ...]

    @property
    def note(self) -> str:
        return "one of " + ", ".join(f"`{v}`" for v in self.values)

    def pandera(self, words: Vocabulary) -> pandera.Check:
        return pandera.Check.isin(list(self.values))


@dataclass(frozen=True)
class Length:
    """A text column's length is within [minimum, maximum] (None: unbounded)."""

    minimum: int
    maximum: int | None = None

    @property
    def note(self) -> str:
        return f"length {self.minimum} to {self.maximum}"

    def pandera(self, words: Vocabulary) -> pandera.Check:
        return pandera.Check.str_length(self.minimum, self.maximum)


@dataclass(frozen=True)
class Matches:
    """A text column matches a regular expression."""

    pattern: str

    @property
    def note(self) -> str:
        return "str matches"

    def pandera(self, words: Vocabulary) -> pandera.Check:
        return pandera.Check.str_matches(self.pattern)


@dataclass(frozen=True)
class SeriesCheck:
    """A named check of a whole column, given the rules' vocabulary: `test(series, words)` is
    True for each value that passes."""

    name: str
    test: Callable[[pd.Series, Vocabulary], pd.Series]

    @property
    def note(self) -> str:
        return self.name.replace("_", " ")

    def pandera(self, words: Vocabulary) -> pandera.Check:
        return pandera.Check(lambda series: self.test(series, words), name=self.name)


ColumnCheck = Bound | OneOf | Length | Matches | SeriesCheck


@dataclass(frozen=True)
class RowCheck:
    """A named check across the columns of a row: `test(frame)` is True for each row that passes."""

    name: str
    test: Callable[[pd.DataFrame], pd.Series]

    @property
    def note(self) -> str:
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type, its meaning (the data dictionary), whether it may be null, is
    unique, holds a closed vocabulary (stored dictionary-encoded, values sorted) and its checks."""

    name: str
    type: pa.DataType
    description: str
    nullable: bool = False
    unique: bool = False
    vocabulary: bool = False
    checks: tuple[ColumnCheck, ...] = ()

    def field(self) -> pa.Field:
        return pa.field(
            self.name, self.type, nullable=self.nullable, metadata={"description": self.description}
        )

    def pandera(self, words: Vocabulary) -> pandera.Column:
        return pandera.Column(
            NULLABLE.get(self.type, str if self.type == pa.string() else None),
            checks=[check.pandera(words) for check in self.checks],
            nullable=self.nullable,
            unique=self.unique,
            name=self.name,
        )

    @property
    def notes(self) -> str:
        """The data dictionary's checks column."""
        notes = ["nullable" if self.nullable else "required (NOT NULL)"]
        notes += ["unique"] if self.unique else []
        return "; ".join(notes + [check.note for check in self.checks])


@dataclass(frozen=True)
class TableSpec:
    """One output table. `key`: the columns that identify a row across runs (diff.py); `unique`:
    columns unique together (validated); `derived`: made from the other tables (derived.py), not
    from one document's extraction alone; `gold_key`: the columns a gold row is matched on
    (evaluate.py; `gold_folded` of them compared by name_key); `checked_first`: columns pandera
    checks before the others (in the table's order), which decides the check a row that fails
    two is reported for."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    unique: tuple[str, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    derived: bool = False
    checked_first: tuple[str, ...] = ()
    gold_key: tuple[str, ...] = ()
    gold_folded: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def vocabulary_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.vocabulary)

    @property
    def unique_keys(self) -> tuple[tuple[str, ...], ...]:
        """Every key that is unique: each unique column, then the columns unique together."""
        keys = tuple((c.name,) for c in self.columns if c.unique)
        return (*keys, self.unique) if self.unique else keys

    def with_columns(self, *columns: Column) -> TableSpec:
        """This table with more columns, at its end (a test's copy, or a new table's)."""
        return TableSpec(**{**self.__dict__, "columns": (*self.columns, *columns)})


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The table as built and validated (vocabularies as plain strings), each field with its
    description in its metadata."""
    return pa.schema([c.field() for c in spec.columns])


def disk_schema(spec: TableSpec) -> pa.Schema:
    """The table as written to Parquet: vocabularies dictionary-encoded."""
    return pa.schema(
        [c.field().with_type(DICTIONARY_TYPE) if c.vocabulary else c.field() for c in spec.columns]
    )


@functools.lru_cache(maxsize=64)
def pandera_schema(spec: TableSpec, words: Vocabulary) -> pandera.DataFrameSchema:
    """The pandera schema a table's rows are validated with (lazily: every failure at once)."""
    order = [*spec.checked_first, *(name for name in spec.names if name not in spec.checked_first)]
    return pandera.DataFrameSchema(
        {name: spec.column(name).pandera(words) for name in order},
        checks=[pandera.Check(check.test, name=check.name) for check in spec.row_checks],
        strict=True,
        unique=list(spec.unique) or None,
        name=spec.name,
    )
