"""The tables of what a document is and holds: documents, sections, meetings, aliases and problems
(declared as tables.py describes), and the columns all tables share."""

from __future__ import annotations

import pyarrow as pa

from iscm_extract import checks
from iscm_extract.checks import in_rules
from iscm_extract.tablespec import Column, Length, OneOf, TableSpec, at_least, at_most

# Columns every table that has them shares, with one meaning.
DOC_ID = Column("doc_id", pa.string(), "The input's file stem; joins every table to `documents`.")
CHAR_START = Column(
    "char_start",
    pa.int64(),
    "Offset of the first character of the row's text in the document's normalised text.",
    checks=(at_least(0),),
)
CHAR_END = Column(
    "char_end",
    pa.int64(),
    "Offset just after the row's text (so `text[char_start:char_end]`).",
    checks=(at_least(0),),
)
EVIDENCE = Column("evidence", pa.string(), "The sentence or line the row was read from, as in the text.")
# The order pandera checks the columns of a fact table in: its document and text span first (which
# check a row failing two of them is reported for).
TRACED = ("doc_id", "char_start", "char_end")


DOCUMENTS = TableSpec(
    "documents",
    "One row per input file, read or not.",
    (
        Column(
            "doc_id", pa.string(), "The input's file stem; joins every table to `documents`.", unique=True
        ),
        Column(
            "source_path",
            pa.string(),
            "Where the input was read from (relative to the working folder when inside it).",
        ),
        Column(
            "sha256",
            pa.string(),
            "SHA-256 of the input file's bytes.",
            nullable=True,
            checks=(Length(64, 64),),
        ),
        Column(
            "text_sha256",
            pa.string(),
            "SHA-256 of the normalised text that every char offset refers to.",
            nullable=True,
        ),
        Column(
            "input_format",
            pa.string(),
            "pdf, txt or md.",
            nullable=True,
            vocabulary=True,
            checks=(OneOf(("pdf", "txt", "md")),),
        ),
        Column(
            "kind",
            pa.string(),
            "What the document is: newsletter, meeting_report, survey_summary or other.",
            nullable=True,
            vocabulary=True,
            checks=(in_rules("document_kinds", nullable=True),),
        ),
        Column("title", pa.string(), "The title as printed.", nullable=True),
        Column(
            "issue_number",
            pa.int32(),
            "The newsletter's issue number (Roman numerals read as integers).",
            nullable=True,
            checks=(at_least(1),),
        ),
        Column(
            "period_start",
            pa.date32(),
            "First day of the period the document covers.",
            nullable=True,
            checks=(checks.DATES_OR_NULL,),
        ),
        Column(
            "period_end",
            pa.date32(),
            "Last day of the period the document covers.",
            nullable=True,
            checks=(checks.DATES_OR_NULL,),
        ),
        Column(
            "year",
            pa.int32(),
            "The year the document reports on.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column(
            "n_pages",
            pa.int32(),
            "Pages of a PDF input; null for text.",
            nullable=True,
            checks=(at_least(0),),
        ),
        Column("n_chars", pa.int64(), "Length of the normalised text.", nullable=True, checks=(at_least(0),)),
    ),
    key=("doc_id",),
    row_checks=(checks.YEAR_WITHIN_PERIOD,),
)


SECTIONS = TableSpec(
    "sections",
    "One row per section of a document, in reading order.",
    (
        DOC_ID,
        Column(
            "section_id",
            pa.string(),
            "Stable id: doc_id, kind and the heading's iscm_id or folded heading.",
            unique=True,
        ),
        Column(
            "order", pa.int32(), "Position of the section in the document, from 0.", checks=(at_least(0),)
        ),
        Column(
            "kind",
            pa.string(),
            "iscm, global_meeting, themes, global_initiatives, publications, stats, front_matter, other.",
            vocabulary=True,
            checks=(in_rules("section_kinds"),),
        ),
        Column(
            "heading", pa.string(), "The heading as printed; null where the text has none.", nullable=True
        ),
        Column(
            "iscm_id",
            pa.string(),
            "Registry id of the ISCM the section is about; null if none or unresolved.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column(
            "page_start",
            pa.int32(),
            "Page where the section starts (PDF input); null for text.",
            nullable=True,
            checks=(at_least(1),),
        ),
        CHAR_START,
        CHAR_END,
        Column("text", pa.string(), "The section's text, heading included."),
    ),
    key=("section_id",),
    row_checks=(checks.START_BEFORE_END,),
)


MEETINGS = TableSpec(
    "meetings",
    "One row per meeting record: a meeting phrase with one of its date spans (SPEC §7).",
    (
        Column(
            "meeting_id",
            pa.string(),
            "Stable hash of (doc_id, iscm_id, meeting_type, start_date, end_date, n).",
            unique=True,
        ),
        Column(
            "mention_id",
            pa.string(),
            "Id of the meeting phrase; records of one mention (one per date span) share it.",
        ),
        DOC_ID,
        Column("section_id", pa.string(), "The section the mention is in."),
        Column(
            "iscm_id",
            pa.string(),
            "Registry id of the ISCM that held the meeting.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column(
            "joint_with",
            pa.list_(pa.string()),
            "Registry ids of the other ISCMs of a joint meeting.",
            checks=(checks.IS_LIST,),
        ),
        Column(
            "meeting_type",
            pa.string(),
            "One of SPEC's meeting types (rules/meetings.yaml maps phrases to them).",
            vocabulary=True,
            checks=(in_rules("meeting_types"),),
        ),
        Column(
            "level",
            pa.string(),
            "The meeting type's level (rules/meetings.yaml).",
            vocabulary=True,
            checks=(in_rules("levels"),),
        ),
        Column("name", pa.string(), "The meeting phrase as written."),
        Column(
            "ordinal",
            pa.int32(),
            "'8th', 'Sixth', 'XIX' as an integer.",
            nullable=True,
            checks=(at_least(1),),
        ),
        Column(
            "stated_count",
            pa.int32(),
            "The count the text states for the phrase ('Two', '17', 'Over 20').",
            nullable=True,
            checks=(at_least(1),),
        ),
        Column(
            "count_qualifier",
            pa.string(),
            "'over' for 'Over 20'; null otherwise.",
            nullable=True,
            vocabulary=True,
            checks=(OneOf(("exact", "over")),),
        ),
        Column(
            "start_date",
            pa.date32(),
            "First day of the meeting (the month's first day at month precision).",
            nullable=True,
            checks=(checks.DATES_OR_NULL,),
        ),
        Column(
            "end_date",
            pa.date32(),
            "Last day; null when the range is impossible ('13-1 June', with a warning).",
            nullable=True,
            checks=(checks.DATES_OR_NULL,),
        ),
        Column(
            "year",
            pa.int32(),
            "The meeting's own year (start_date's); the document's year when undated.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column(
            "date_precision",
            pa.string(),
            "day, month or year; null when undated.",
            nullable=True,
            vocabulary=True,
            checks=(OneOf(("day", "month", "year")),),
        ),
        Column("date_raw", pa.string(), "The date as written.", nullable=True),
        Column("city", pa.string(), "City as written.", nullable=True),
        Column("country", pa.string(), "Country (its pycountry name).", nullable=True),
        Column(
            "format",
            pa.string(),
            "in_person, virtual or hybrid; null when the text does not say.",
            nullable=True,
            vocabulary=True,
            checks=(in_rules("formats", nullable=True),),
        ),
        Column("topic", pa.string(), "What the meeting was on, as written.", nullable=True),
        Column(
            "outcomes",
            pa.list_(pa.string()),
            "What it adopted, as written (declarations, statements, plans).",
            checks=(checks.IS_LIST,),
        ),
        EVIDENCE,
        CHAR_START,
        CHAR_END,
        Column(
            "page",
            pa.int32(),
            "Page of the mention (PDF input); null for text.",
            nullable=True,
            checks=(at_least(1),),
        ),
        Column(
            "warnings",
            pa.list_(pa.string()),
            "What was odd about the record (an impossible date range, ...).",
            checks=(checks.IS_LIST,),
        ),
    ),
    key=("meeting_id",),
    row_checks=(
        checks.START_DATE_NOT_AFTER_END_DATE,
        checks.YEAR_IS_THE_START_DATES_YEAR,
    ),
)


ALIASES = TableSpec(
    "aliases",
    "One row per name seen in a document and the registry id it resolved to.",
    (
        Column("alias", pa.string(), "A name as seen in the document."),
        Column("iscm_id", pa.string(), "The registry id it resolved to.", checks=(checks.REGISTRY_ID,)),
        Column(
            "method",
            pa.string(),
            "registry (exact), definition (the document defines it) or fuzzy (rapidfuzz).",
            vocabulary=True,
            checks=(OneOf(("registry", "definition", "fuzzy")),),
        ),
        Column(
            "score",
            pa.float64(),
            "Match score, 0-100 (100 for exact matches).",
            checks=(
                at_least(0),
                at_most(100),
            ),
        ),
        DOC_ID,
        Column(
            "occurrences",
            pa.int32(),
            "How often the name was resolved in the document.",
            checks=(at_least(1),),
        ),
    ),
    key=("doc_id", "alias", "iscm_id", "method"),
    unique=("doc_id", "alias", "iscm_id", "method"),
)


PROBLEMS = TableSpec(
    "problems",
    "One row per thing that could not be read, resolved or checked.",
    (
        DOC_ID,
        Column(
            "stage",
            pa.string(),
            "The stage that reported it (ingest, classify, segment, meetings, themes, ...).",
            vocabulary=True,
        ),
        Column(
            "severity",
            pa.string(),
            "error (the input could not be extracted) or warning.",
            vocabulary=True,
            checks=(OneOf(("error", "warning")),),
        ),
        Column("message", pa.string(), "What is wrong, in one line."),
        Column(
            "char_start",
            pa.int64(),
            "Where in the document's text; null for a whole-file problem.",
            nullable=True,
            checks=(at_least(0),),
        ),
    ),
    key=("doc_id", "stage", "message"),
)
