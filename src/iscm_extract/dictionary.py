"""The data dictionary (docs/tables.md): every table and column with its Arrow type, its checks
(from the pandera models that validate every write), its meaning and an example value from the
tables. Types and checks come from the code that writes and validates the tables, so the page
cannot drift from them; a test regenerates it and compares it with the committed file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from iscm_extract import validate

TABLES: dict[str, str] = {
    "documents": "One row per input file, read or not.",
    "sections": "One row per section of a document, in reading order.",
    "meetings": "One row per meeting record: a meeting phrase with one of its date spans (SPEC §7).",
    "aliases": "One row per name seen in a document and the registry id it resolved to.",
    "themes": "One row per (theme, ISCM) of a newsletter's global initiatives and thematic areas lists.",
    "publications": "One row per publication a newsletter lists, or an item of a report's list of reports.",
    "anniversaries": "One row per anniversary of a body a newsletter marks.",
    "headline_stats": "One row per headline figure of a statistics or global-meeting section.",
    "participants": "One row per row of a report's participant table.",
    "speakers": "One row per entry of a report's list of speakers.",
    "survey_respondents": "One row per ISCM that a survey summary names as having answered.",
    "problems": "One row per thing that could not be read, resolved or checked.",
    "meeting_counts": (
        "One row per (doc_id, iscm_id, year, meeting_type, level): how many meetings the text reports, "
        "stated counts included. Count meetings with `n_meetings`, not with rows of `meetings`: "
        "'11 Working Group meetings' is one record and 11 meetings; each mention counts "
        "max(stated_count, its records) once."
    ),
    "iscms": "One row per ISCM of the registry (rules/iscms.yaml), with the years the tables name it.",
    "reconciliation": (
        "One row per headline figure a document states that the tables can count: stated against "
        "extracted (rules/reconciliation.yaml); beyond the tolerance, a warning in problems."
    ),
}

_COMMON = {
    "doc_id": "The input's file stem; joins every table to `documents`.",
    "char_start": "Offset of the first character of the row's text in the document's normalised text.",
    "char_end": "Offset just after the row's text (so `text[char_start:char_end]`).",
    "evidence": "The sentence or line the row was read from, as in the text.",
}

COLUMNS: dict[str, dict[str, str]] = {
    "documents": {
        "source_path": "Where the input was read from (relative to the working folder when inside it).",
        "sha256": "SHA-256 of the input file's bytes.",
        "text_sha256": "SHA-256 of the normalised text that every char offset refers to.",
        "input_format": "pdf, txt or md.",
        "kind": "What the document is: newsletter, meeting_report, survey_summary or other.",
        "title": "The title as printed.",
        "issue_number": "The newsletter's issue number (Roman numerals read as integers).",
        "period_start": "First day of the period the document covers.",
        "period_end": "Last day of the period the document covers.",
        "year": "The year the document reports on.",
        "n_pages": "Pages of a PDF input; null for text.",
        "n_chars": "Length of the normalised text.",
    },
    "sections": {
        "section_id": "Stable id: doc_id, kind and the heading's iscm_id or folded heading.",
        "order": "Position of the section in the document, from 0.",
        "kind": "iscm, global_meeting, themes, global_initiatives, publications, stats, front_matter, other.",
        "heading": "The heading as printed; null where the text has none.",
        "iscm_id": "Registry id of the ISCM the section is about; null if none or unresolved.",
        "page_start": "Page where the section starts (PDF input); null for text.",
        "text": "The section's text, heading included.",
    },
    "meetings": {
        "meeting_id": "Stable hash of (doc_id, iscm_id, meeting_type, start_date, end_date, n).",
        "mention_id": "Id of the meeting phrase; records of one mention (one per date span) share it.",
        "section_id": "The section the mention is in.",
        "iscm_id": "Registry id of the ISCM that held the meeting.",
        "joint_with": "Registry ids of the other ISCMs of a joint meeting.",
        "meeting_type": "One of SPEC's meeting types (rules/meetings.yaml maps phrases to them).",
        "level": "The meeting type's level (rules/meetings.yaml).",
        "name": "The meeting phrase as written.",
        "ordinal": "'8th', 'Sixth', 'XIX' as an integer.",
        "stated_count": "The count the text states for the phrase ('Two', '17', 'Over 20').",
        "count_qualifier": "'over' for 'Over 20'; null otherwise.",
        "start_date": "First day of the meeting (the month's first day at month precision).",
        "end_date": "Last day; null when the range is impossible ('13-1 June', with a warning).",
        "year": "The meeting's own year (start_date's); the document's year when undated.",
        "date_precision": "day, month or year; null when undated.",
        "date_raw": "The date as written.",
        "city": "City as written.",
        "country": "Country (its pycountry name).",
        "format": "in_person, virtual or hybrid; null when the text does not say.",
        "topic": "What the meeting was on, as written.",
        "outcomes": "What it adopted, as written (declarations, statements, plans).",
        "page": "Page of the mention (PDF input); null for text.",
        "warnings": "What was odd about the record (an impossible date range, ...).",
    },
    "aliases": {
        "alias": "A name as seen in the document.",
        "iscm_id": "The registry id it resolved to.",
        "method": "registry (exact), definition (the document defines it) or fuzzy (rapidfuzz).",
        "score": "Match score, 0-100 (100 for exact matches).",
        "occurrences": "How often the name was resolved in the document.",
    },
    "themes": {
        "year": "The year of the newsletter.",
        "group": "global_initiative or thematic_area.",
        "theme": "The theme as written.",
        "theme_id": "One id per theme across years (rules/themes.yaml); null when not in the rules.",
        "iscm_id": "Registry id of the member; '*' for 'all ISCMs'; null when not in the registry.",
        "member": "The member as written.",
        "stated_count": "The count in the line's '[N ISCMs]'; null when the line has none.",
        "listed_count": "The number of members listed on the line; null for 'all ISCMs'.",
        "count_ok": "stated_count == listed_count; null when either is null.",
        "char_start": "Offset of the member's name in the document's normalised text.",
        "char_end": "Offset just after the member's name.",
    },
    "publications": {
        "iscm_id": "The publishing ISCM, from the bracket after the title or the list it is in.",
        "title": "The title, without the ISCM bracket.",
        "url": "The link, joined where the conversion broke it over lines; null for link stubs.",
        "year": "The publication year where printed.",
    },
    "anniversaries": {
        "iscm_id": "The body whose anniversary it is.",
        "years": "How many years ('30th' -> 30).",
    },
    "headline_stats": {
        "section_id": "The section the figure is printed in.",
        "metric": "The figure's name, from the fixed list of rules/facts.yaml.",
        "value": "The figure.",
        "unit": "count or percent.",
    },
    "participants": {
        "row_no": "The row's number in the table.",
        "iscm_ids": "Registry ids of the bodies in the row's ISCM column, in order.",
        "roles": "The role for each of iscm_ids (Chair, Co-Chair, Secretariat, incoming Chair, ...).",
        "role": "The row's distinct roles, joined by '; '.",
        "name": "The participant's name as written, honorifics kept.",
        "position": "The position as written, continuation lines joined.",
        "group": "iscm (participants from ISCMs) or host (host and organizers).",
        "organisation": "The ISCM or organisation column as written.",
    },
    "speakers": {
        "row_no": "Position in the list of speakers.",
        "name": "The speaker's name as written.",
        "position": "The rest of the entry: position, ministry, role.",
        "iscm_ids": "Registry ids of the bodies the entry names.",
    },
    "survey_respondents": {
        "iscm_id": "Registry id of the responding ISCM; null when not in the registry.",
        "name": "The name as written.",
    },
    "problems": {
        "stage": "The stage that reported it (ingest, classify, segment, meetings, themes, ...).",
        "severity": "error (the input could not be extracted) or warning.",
        "message": "What is wrong, in one line.",
        "char_start": "Where in the document's text; null for a whole-file problem.",
    },
    "meeting_counts": {
        "iscm_id": "Registry id of the ISCM that held the meetings; null when unresolved.",
        "year": "The meetings' own year; the document's year for undated ones.",
        "meeting_type": "One of SPEC's meeting types.",
        "level": "The meeting type's level.",
        "n_meetings": "Meetings: each mention counts max(stated_count, its records), once.",
        "n_records": "Rows of `meetings` in the group.",
        "n_dated": "Of those, rows with a start_date.",
    },
    "iscms": {
        "iscm_id": "The registry id (every table's iscm_id).",
        "acronym": "The first acronym of the registry entry; null when it has none.",
        "name": "The canonical long name.",
        "other_names": "Other acronyms and long names the registry knows (variants).",
        "kind": "rcp (regional consultative process), irf (interregional forum), global_process or "
        "global_meeting (the GRCP).",
        "first_year": "First year in which any table names it (a meeting's year, else its document's).",
        "last_year": "Last such year.",
        "n_documents": "Documents in which any table names it.",
    },
    "reconciliation": {
        "section_id": "The section that states the figure.",
        "metric": "The headline figure (headline_stats.metric).",
        "measure": "meetings (sum of n_meetings over the records kept) or iscms (distinct iscm_ids).",
        "stated": "The figure the text states.",
        "extracted": "What the tables count for the same document.",
        "difference": "extracted - stated.",
        "tolerance": "max(absolute, relative * stated), from rules/reconciliation.yaml.",
        "within_tolerance": "abs(difference) <= tolerance; false rows have a warning in problems.",
        "char_start": "Offset of the stated figure in the document's normalised text.",
        "char_end": "Offset just after the figure's phrase.",
    },
}


def describe(table: str, column: str) -> str:
    """The meaning of a column; KeyError when a column has none (the drift test catches it)."""
    return COLUMNS[table].get(column) or _COMMON[column]


def _checks(table: str, column: str) -> str:
    model = validate.MODELS.get(table)
    if model is None:
        return ""
    schema = model.to_schema()
    col = schema.columns.get(column)
    if col is None:
        return ""
    notes = ["nullable" if col.nullable else "required (NOT NULL)"]
    if col.unique:
        notes.append("unique")
    for check in col.checks:
        stats = check.statistics or {}
        if "allowed_values" in stats:
            notes.append("one of " + ", ".join(f"`{v}`" for v in stats["allowed_values"]))
        elif "min_value" in stats and "max_value" in stats and check.name == "str_length":
            notes.append(f"length {stats['min_value']} to {stats['max_value']}")
        elif "min_value" in stats:
            notes.append(f">= {stats['min_value']}")
        elif "max_value" in stats:
            notes.append(f"<= {stats['max_value']}")
        elif check.name:
            notes.append(check.name.replace("_", " "))
    return "; ".join(notes)


def _type(field: Any) -> str:
    """The column's Arrow type; vocabularies are dictionary-encoded strings (pandas categoricals)."""
    return "dictionary<string>" if str(field.type).startswith("dictionary") else str(field.type)


def _example(frame: pd.DataFrame | None, column: str) -> str:
    if frame is None or column not in frame:
        return ""
    for value in frame[column]:
        if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
        elif len(value) == 0:
            continue
        else:
            value = list(value)
        text = str(value).replace("|", "\\|").replace("\n", " ")
        return f"`{text[:60]}{'...' if len(text) > 60 else ''}`"
    return ""


def render(outputs: Path) -> str:
    """docs/tables.md for the tables in `outputs` (examples are their first non-empty values)."""
    from iscm_extract import write  # write reads the descriptions above: imported when used

    lines = [
        "# Data dictionary",
        "",
        "Generated by `iscm-extract dictionary` from the Arrow schemas (src/iscm_extract/write.py), the",
        "validation models (src/iscm_extract/validate.py) and the committed tables; do not edit by hand.",
        "Offsets (`char_start`, `char_end`) point into the document text that `documents.text_sha256`",
        'identifies. Read any table with `pd.read_parquet("outputs/<table>.parquet")`.',
    ]
    for table in write.SCHEMAS:
        path = outputs / f"{table}.parquet"
        frame = pd.read_parquet(path) if path.exists() else None
        model = validate.MODELS.get(table)
        unique: Any = model.to_schema().unique if model else None
        lines += ["", f"## {table}", "", TABLES[table]]
        if unique:
            lines += ["", "Unique together: " + ", ".join(f"`{c}`" for c in unique) + "."]
        row_checks = [c.name.replace("_", " ") for c in model.to_schema().checks if c.name] if model else []
        if row_checks:
            lines += ["", "Row checks: " + "; ".join(row_checks) + "."]
        lines += ["", "| column | type | checks | meaning | example |", "| --- | --- | --- | --- | --- |"]
        for field in write.DISK_SCHEMAS[table]:
            lines.append(
                f"| `{field.name}` | {_type(field)} | {_checks(table, field.name)} | "
                f"{describe(table, field.name)} | {_example(frame, field.name)} |"
            )
    return "\n".join(lines) + "\n"
