"""One document's rows as Arrow tables: the unit that a run streams to disk, caches, and sends to
worker processes or to a Dask cluster.

`extract_tables(path, rules)` is the public per-document function. It never raises for a bad
input: a file that cannot be read, or any exception inside one document's extraction, is in its
result (`failure`, and an error row in its `problems` table naming the stage). Its rows are
validated as `isolate.isolate_failures` validates them: a row that fails a check is dropped, with
an error row in `problems` naming the table and the check (`dropped`). Only a bug that no row can
explain (a column missing) raises validate.ValidationError.

`extract_batch(jobs, rules)` is what the engines run (engines.py): each document extracted by the
same per-document code, then the rows of the batch validated together and split back into one
`DocumentTables` per document. pandera's cost is per call (about 0.3 s for a small document), not
per row, so a batch of small documents shares it; and every check is of one row, or of ids that
carry their document's id (section and meeting ids start with it), so a document's rows come out
of a batch exactly as they would alone.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from iscm_extract import pipeline
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.reading.ingest import PDF_READERS
from iscm_extract.rules import Rules
from iscm_extract.tables import arrow_tables, derived, isolate, validate
from iscm_extract.tables.catalog import DOCUMENT_TABLES, SCHEMAS
from iscm_extract.tables.rows import add_document_derived_rows, build_rows, problems_rows

_DOCUMENT_DERIVED = ("meeting_counts", "reconciliation")


@dataclass(frozen=True)
class Job:
    """One input to extract, with the doc_id the run gave it and, when set, the path its rows name
    (the run's view of it: a worker may see the file at another path), and the reader of a PDF's
    characters."""

    path: Path
    doc_id: str
    source_path: str | None = None
    pdf_reader: str = PDF_READERS[0]  # where a PDF's characters come from (pdf_chars.py)


@dataclass(frozen=True)
class DocumentTables:
    """One document's rows: `tables` holds every table but `iscms` (empty ones too), with the
    schemas and metadata of the written tables; `iscm_years` the registry ids its rows name, each
    with the years it is named for (what the `iscms` table counts); `dropped` the problems rows
    saying which of its rows failed validation; `failure` the error when the input could not be
    extracted at all (then it has a bare documents row and that problems row). `result` is the
    extraction's own data, kept only when asked for (RunOptions.keep_results)."""

    doc_id: str
    source_path: str
    sha256: str | None
    tables: Mapping[str, pa.Table]
    iscm_years: Mapping[str, frozenset[int]] = field(default_factory=dict)
    dropped: tuple[Problem, ...] = ()
    failure: Problem | None = None
    result: DocumentResult | None = field(default=None, compare=False, repr=False)

    @property
    def problems(self) -> list[Problem]:
        return _as_problems(self.tables["problems"].to_pylist())

    @property
    def n_errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    def failed_input(self) -> FailedInput | None:
        if self.failure is None:
            return None
        return FailedInput(self.doc_id, self.source_path, self.sha256, self.failure)

    def with_source(self, source_path: str) -> DocumentTables:
        """The same rows naming `source_path` as the document's place (the run's own view of the
        path: a worker may see it elsewhere)."""
        if source_path == self.source_path:
            return self
        documents = self.tables["documents"]
        column = pa.array([source_path] * documents.num_rows, pa.string())
        position = documents.schema.get_field_index("source_path")
        documents = documents.set_column(position, documents.schema.field(position), column)
        tables = {**self.tables, "documents": documents}
        return dataclasses.replace(self, source_path=source_path, tables=tables)

    def with_problems(self, extra: Sequence[Problem]) -> DocumentTables:
        """The same rows with `extra` problems rows, in the problems table's order."""
        if not extra:
            return self
        problems = arrow_tables.table_of("problems", problems_rows([*self.problems, *extra]))
        return dataclasses.replace(self, tables={**self.tables, "problems": problems})


def _as_problems(rows: list[dict[str, Any]]) -> list[Problem]:
    return [Problem(r["doc_id"], r["stage"], r["severity"], r["message"], r["char_start"]) for r in rows]


def extract_tables(
    path: Path, rules: Rules, doc_id: str | None = None, pdf_reader: str = PDF_READERS[0]
) -> DocumentTables:
    """One input's rows as Arrow tables, validated (see the module's docstring). Never raises for a
    bad input: its failure is in the result. `doc_id` defaults to the file stem."""
    (tables,) = extract_batch([Job(path, doc_id or path.stem, pdf_reader=pdf_reader)], rules)
    return tables


def extract_batch(jobs: Sequence[Job], rules: Rules, keep_results: bool = False) -> list[DocumentTables]:
    """The tables of each job, in the jobs' order: each document extracted on its own (an exception
    is its problems row), the rows of all validated together, then split by document."""
    return tables_of([extract_one(job, rules) for job in jobs], rules, keep_results)


def extract_one(job: Job, rules: Rules) -> DocumentResult | FailedInput:
    """One document extracted (an exception is its problems row), named as the job says."""
    outcome = pipeline._extract_or_fail(job.path, rules, job.doc_id, job.pdf_reader)
    if job.source_path is None:
        return outcome
    if isinstance(outcome, FailedInput):
        return dataclasses.replace(outcome, source_path=job.source_path)
    document = dataclasses.replace(outcome.document, source_path=job.source_path)
    return dataclasses.replace(outcome, document=document)


def tables_of(
    outcomes: Sequence[DocumentResult | FailedInput], rules: Rules, keep_results: bool = False
) -> list[DocumentTables]:
    """Each extraction outcome's validated rows, with its document-level derived tables."""
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    failed = [o for o in outcomes if isinstance(o, FailedInput)]
    rows, added = isolate.isolate_failures(build_rows(results, failed), rules.vocabulary)
    named = derived.named_years(rows)
    rows = add_document_derived_rows(rows, rules)
    _check_derived(rows, rules)
    by_doc = _split(rows)
    dropped: dict[str, list[Problem]] = defaultdict(list)
    for problem in _as_problems(added):
        dropped[problem.doc_id].append(problem)
    return [
        _document_tables(outcome, by_doc, named, tuple(dropped.get(_doc_id(outcome), [])), keep_results)
        for outcome in outcomes
    ]


def _doc_id(outcome: DocumentResult | FailedInput) -> str:
    return outcome.document.doc_id if isinstance(outcome, DocumentResult) else outcome.doc_id


def _document_tables(
    outcome: DocumentResult | FailedInput,
    by_doc: dict[str, dict[str, list[dict[str, Any]]]],
    named: dict[str, dict[str, set[int]]],
    dropped: tuple[Problem, ...],
    keep_results: bool,
) -> DocumentTables:
    doc_id = _doc_id(outcome)
    rows = by_doc.get(doc_id, {})
    tables = {name: arrow_tables.table_of(name, rows.get(name, [])) for name in DOCUMENT_TABLES}
    years = {iscm_id: frozenset(found) for iscm_id, found in named.get(doc_id, {}).items()}
    if isinstance(outcome, FailedInput):
        return DocumentTables(
            doc_id, outcome.source_path, outcome.sha256, tables, years, dropped, failure=outcome.problem
        )
    document = outcome.document
    kept = outcome if keep_results else None
    return DocumentTables(doc_id, document.source_path, document.sha256, tables, years, dropped, result=kept)


def _check_derived(rows: arrow_tables.Rows, rules: Rules) -> None:
    """The derived tables of a batch pass their checks (they are made from valid rows: a failure
    is a bug, and stops the run as at the final write)."""
    frames = {
        name: validate.frame_of(arrow_tables.table_of(name, rows[name]))
        for name in _DOCUMENT_DERIVED
        if rows[name]
    }
    failures = validate.validate_frames(frames, rules.vocabulary)
    if failures:
        raise validate.ValidationError("tables fail validation, nothing written:\n  " + "\n  ".join(failures))


def _split(rows: arrow_tables.Rows) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """doc_id -> table -> that document's rows, in the batch's order."""
    by_doc: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for name in DOCUMENT_TABLES:
        for row in rows.get(name, []):
            by_doc[row["doc_id"]][name].append(row)
    return by_doc


# --- a JSON form of the tables (cache entries and the parts of a run: cache.py) ---------------------


def table_columns(table: pa.Table) -> dict[str, list[Any]]:
    """A table as plain JSON data, column by column (dates as ISO text)."""
    return {
        f.name: (
            table.column(f.name).cast(pa.string()) if pa.types.is_date32(f.type) else table.column(f.name)
        ).to_pylist()
        for f in table.schema
    }


def table_from_columns(name: str, columns: Any) -> pa.Table:
    """The table `table_columns` gave `columns` for; ValueError or TypeError when they do not fit
    table `name`'s schema."""
    schema = SCHEMAS[name]
    if not isinstance(columns, dict) or list(columns) != schema.names:
        raise ValueError(f"{name}: not the columns of the table")
    try:
        arrays = [
            pa.array(columns[f.name], pa.string()).cast(f.type)
            if pa.types.is_date32(f.type)
            else pa.array(columns[f.name], f.type)
            for f in schema
        ]
        table = pa.Table.from_arrays(arrays, schema=schema)
    except (pa.ArrowException, OverflowError) as exc:
        raise ValueError(f"{name}: {exc}") from exc
    return table.replace_schema_metadata(arrow_tables.pandas_metadata(name))
