"""Isolation (`isolate_failures`): a bad row costs its own rows, never the batch.

The rows of a batch of documents are validated together (a run validates them batch by batch as
documents finish, document.py; every check is of a row or of ids that name their document, so a
batch gives each document what validating it alone would); a row that fails a check is dropped,
and its document gets an error row in problems naming the table, the check and the value
("themes: 2 rows dropped: unique failed for ..."); rows that do not even fit the Arrow schema drop
their document's rows of that table the same way. The other documents are always written. A
failure that names no row (a column missing: a bug, not bad input) still stops the run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa

from iscm_extract.rules import Vocabulary
from iscm_extract.tables import validate
from iscm_extract.tables.arrow_tables import Rows, table_of
from iscm_extract.tables.catalog import DERIVED_TABLES, SCHEMAS
from iscm_extract.tables.rows import problems_order


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
        rows["problems"] = problems_order([*rows["problems"], *new_problems])
    else:
        raise validate.ValidationError("tables fail validation after dropping the failing rows")
    return rows, added
