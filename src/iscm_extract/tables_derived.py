"""The derived tables (derived.py): made from the other tables' rows, declared as tables.py
describes."""

from __future__ import annotations

import pyarrow as pa

from iscm_extract import checks
from iscm_extract.checks import in_rules
from iscm_extract.tables_core import DOC_ID, EVIDENCE, TRACED
from iscm_extract.tablespec import Column, OneOf, TableSpec, at_least, at_most

MEETING_COUNTS = TableSpec(
    "meeting_counts",
    "One row per (doc_id, iscm_id, year, meeting_type, level): how many meetings the text reports, "
    "stated counts included. Count meetings with `n_meetings`, not with rows of `meetings`: '11 "
    "Working Group meetings' is one record and 11 meetings; each mention counts max(stated_count, its "
    "records) once.",
    (
        DOC_ID,
        Column(
            "iscm_id",
            pa.string(),
            "Registry id of the ISCM that held the meetings; null when unresolved.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column(
            "year",
            pa.int32(),
            "The meetings' own year; the document's year for undated ones.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column(
            "meeting_type",
            pa.string(),
            "One of SPEC's meeting types.",
            vocabulary=True,
            checks=(in_rules("meeting_types"),),
        ),
        Column(
            "level", pa.string(), "The meeting type's level.", vocabulary=True, checks=(in_rules("levels"),)
        ),
        Column(
            "n_meetings",
            pa.int32(),
            "Meetings: each mention counts max(stated_count, its records), once.",
            checks=(at_least(1),),
        ),
        Column("n_records", pa.int32(), "Rows of `meetings` in the group.", checks=(at_least(1),)),
        Column("n_dated", pa.int32(), "Of those, rows with a start_date.", checks=(at_least(0),)),
    ),
    key=("doc_id", "iscm_id", "year", "meeting_type", "level"),
    unique=("doc_id", "iscm_id", "year", "meeting_type", "level"),
    row_checks=(checks.N_DATED_LE_N_RECORDS_LE_N_MEETINGS,),
    derived=True,
)


ISCMS = TableSpec(
    "iscms",
    "One row per ISCM of the registry (rules/iscms.yaml), with the years the tables name it.",
    (
        Column(
            "iscm_id",
            pa.string(),
            "The registry id (every table's iscm_id).",
            unique=True,
            checks=(checks.REGISTRY_ID,),
        ),
        Column(
            "acronym",
            pa.string(),
            "The first acronym of the registry entry; null when it has none.",
            nullable=True,
        ),
        Column("name", pa.string(), "The canonical long name."),
        Column(
            "other_names",
            pa.list_(pa.string()),
            "Other acronyms and long names the registry knows (variants).",
            checks=(checks.IS_LIST,),
        ),
        Column(
            "kind",
            pa.string(),
            "rcp (regional consultative process), irf (interregional forum), global_process or "
            "global_meeting (the GRCP).",
            nullable=True,
            vocabulary=True,
        ),
        Column(
            "first_year",
            pa.int32(),
            "First year in which any table names it (a meeting's year, else its document's).",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column(
            "last_year",
            pa.int32(),
            "Last such year.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column("n_documents", pa.int32(), "Documents in which any table names it.", checks=(at_least(0),)),
    ),
    key=("iscm_id",),
    row_checks=(checks.FIRST_YEAR_NOT_AFTER_LAST_YEAR,),
    derived=True,
)


RECONCILIATION = TableSpec(
    "reconciliation",
    "One row per headline figure a document states that the tables can count: stated against "
    "extracted (rules/reconciliation.yaml); beyond the tolerance, a warning in problems.",
    (
        DOC_ID,
        Column("section_id", pa.string(), "The section that states the figure."),
        Column("metric", pa.string(), "The headline figure (headline_stats.metric).", vocabulary=True),
        Column(
            "measure",
            pa.string(),
            "meetings (sum of n_meetings over the records kept) or iscms (distinct iscm_ids).",
            vocabulary=True,
            checks=(OneOf(("meetings", "iscms")),),
        ),
        Column("stated", pa.int32(), "The figure the text states.", checks=(at_least(0),)),
        Column(
            "extracted", pa.int32(), "What the tables count for the same document.", checks=(at_least(0),)
        ),
        Column("difference", pa.int32(), "extracted - stated."),
        Column(
            "tolerance",
            pa.float64(),
            "max(absolute, relative * stated), from rules/reconciliation.yaml.",
            checks=(at_least(0),),
        ),
        Column(
            "within_tolerance",
            pa.bool_(),
            "abs(difference) <= tolerance; false rows have a warning in problems.",
        ),
        EVIDENCE,
        Column(
            "char_start",
            pa.int64(),
            "Offset of the stated figure in the document's normalised text.",
            checks=(at_least(0),),
        ),
        Column("char_end", pa.int64(), "Offset just after the figure's phrase.", checks=(at_least(0),)),
    ),
    key=("section_id", "metric"),
    unique=("section_id", "metric"),
    row_checks=(
        checks.DIFFERENCE_IS_EXTRACTED_MINUS_STATED,
        checks.WITHIN_TOLERANCE_IS_ABS_DIFFERENCE_LE_TOLERANCE,
        checks.START_BEFORE_END,
    ),
    derived=True,
    check_order=(
        *TRACED,
        "section_id",
        "metric",
        "measure",
        "stated",
        "extracted",
        "difference",
        "tolerance",
        "within_tolerance",
        "evidence",
    ),
)
