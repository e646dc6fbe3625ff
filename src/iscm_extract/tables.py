"""The output tables, each declared once (a `TableSpec`, tablespec.py): its columns with their
Arrow types, nullability, checks and meanings, its stable key, the columns unique together and its
row checks. Everything else about a table is derived from its declaration: the Arrow and Parquet
schemas (`SCHEMAS`, `DISK_SCHEMAS`), the pandera schemas (validate.py), the data dictionary
(dictionary.py), the keys of `diff`, and every list of tables.

Adding a column is one edit here (a `Column` in its table, at the place it takes in the Parquet
file) plus the extractor code that fills it: for example

    Column("page", pa.int32(), "Page of the mention (PDF input); null for text.",
           nullable=True, checks=(at_least(1),)),

in MEETINGS gives meetings.parquet a nullable int32 `page`, validated `>= 1`, documented in
docs/tables.md. The order of TABLES is the order the tables are written and documented in.
"""

from __future__ import annotations

import pyarrow as pa

from iscm_extract.tables_core import ALIASES, DOCUMENTS, MEETINGS, PROBLEMS, SECTIONS
from iscm_extract.tables_derived import ISCMS, MEETING_COUNTS, RECONCILIATION
from iscm_extract.tables_facts import (
    ANNIVERSARIES,
    HEADLINE_STATS,
    PARTICIPANTS,
    PUBLICATIONS,
    SPEAKERS,
    SURVEY_RESPONDENTS,
    THEMES,
)
from iscm_extract.tablespec import TableSpec, arrow_schema, disk_schema

# Every table, in the order they are written and documented.
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        DOCUMENTS,
        SECTIONS,
        MEETINGS,
        ALIASES,
        THEMES,
        PUBLICATIONS,
        ANNIVERSARIES,
        HEADLINE_STATS,
        PARTICIPANTS,
        SPEAKERS,
        SURVEY_RESPONDENTS,
        PROBLEMS,
        MEETING_COUNTS,
        ISCMS,
        RECONCILIATION,
    )
}
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
