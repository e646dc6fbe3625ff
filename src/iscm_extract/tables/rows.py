"""Rows of the output tables from the extraction's records (model.py): one list of dicts per
table, built in a deterministic order (document, then text order), so that two runs over the
same inputs give the same rows. For example a `MeetingRecord` becomes one meetings row, with its
tuples as lists and the meeting's own `year` (its start date's; the document's when undated):

    {"meeting_id": "...", "doc_id": "iscm-highlights-2023", "joint_with": [], "year": 2023, ...}

The derived tables (derived.py) are added from the rows that passed validation
(`add_derived_rows`; `add_document_derived_rows` for those made document by document).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.rules import Rules
from iscm_extract.tables import derived


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
    """One row per meeting record, its tuples as lists, with the meeting's own year (the
    document's (issue) year when it has no date)."""
    return [
        {
            **dataclasses.asdict(m),
            "joint_with": list(m.joint_with),
            "outcomes": list(m.outcomes),
            "warnings": list(m.warnings),
            "year": m.start_date.year if m.start_date is not None else r.info.year,
        }
        for r in sorted(results, key=lambda r: r.document.doc_id)
        for m in r.meetings
    ]


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
            counts[definition.alias_key] += 1
            scores[definition.alias_key] = 100.0
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
    return [
        _fact_row(r, table, fact)
        for r in sorted(results, key=lambda r: r.document.doc_id)
        for fact in getattr(r.facts, table)
    ]


def _fact_row(result: DocumentResult, table: str, fact: Any) -> dict[str, Any]:
    """One fact's row, its tuples as lists; themes rows carry their newsletter's year, participants
    rows their distinct roles joined."""
    extra = {"year": result.info.year} if table == "themes" else {}
    extra |= {"role": fact.role} if table == "participants" else {}
    row = {"doc_id": result.document.doc_id, **dataclasses.asdict(fact), **extra}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in row.items()}


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
    return problems_order(rows)


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


def add_document_derived_rows(rows: Rows, rules: Rules) -> Rows:
    """The rows with the derived tables that are made document by document (meeting_counts and
    reconciliation: each of their rows counts one document's rows) and the reconciliation's
    warnings added to problems."""
    reconciliation, warnings = derived.reconciliation_rows(rules.reconciliation, rows)
    return {
        **rows,
        "meeting_counts": derived.meeting_counts_rows(rows["meetings"]),
        "reconciliation": reconciliation,
        "problems": problems_order([*rows["problems"], *warnings]),
    }


def add_derived_rows(rows: Rows, rules: Rules) -> Rows:
    """The rows with the derived tables (derived.py) added, computed from the rows that passed
    validation, and the reconciliation's warnings added to problems."""
    return {**add_document_derived_rows(rows, rules), "iscms": derived.iscms_rows(rules.registry, rows)}


def problems_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems rows in the order they are written: document, stage, offset, message."""
    return sorted(
        rows, key=lambda row: (row["doc_id"], row["stage"], row["char_start"] or -1, row["message"])
    )
