"""The fact tables (facts.py and its helpers): one row per fact read from a span of a document's
text, declared as tables.py describes."""

from __future__ import annotations

import pyarrow as pa

from iscm_extract import checks
from iscm_extract.tables_core import CHAR_END, CHAR_START, DOC_ID, EVIDENCE, TRACED
from iscm_extract.tablespec import Column, Length, Matches, OneOf, TableSpec, at_least, at_most

THEMES = TableSpec(
    "themes",
    "One row per (theme, ISCM) of a newsletter's global initiatives and thematic areas lists.",
    (
        DOC_ID,
        Column(
            "year",
            pa.int32(),
            "The year of the newsletter.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        Column(
            "group",
            pa.string(),
            "global_initiative or thematic_area.",
            vocabulary=True,
            checks=(OneOf(("global_initiative", "thematic_area")),),
        ),
        Column("theme", pa.string(), "The theme as written."),
        Column(
            "theme_id",
            pa.string(),
            "One id per theme across years (rules/themes.yaml); null when not in the rules.",
            nullable=True,
        ),
        Column(
            "iscm_id",
            pa.string(),
            "Registry id of the member; '*' for 'all ISCMs'; null when not in the registry.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_ALL_OR_NULL,),
        ),
        Column("member", pa.string(), "The member as written."),
        Column(
            "stated_count",
            pa.int32(),
            "The count in the line's '[N ISCMs]'; null when the line has none.",
            nullable=True,
            checks=(at_least(0),),
        ),
        Column(
            "listed_count",
            pa.int32(),
            "The number of members listed on the line; null for 'all ISCMs'.",
            nullable=True,
            checks=(at_least(0),),
        ),
        Column(
            "count_ok", pa.bool_(), "stated_count == listed_count; null when either is null.", nullable=True
        ),
        EVIDENCE,
        Column(
            "char_start",
            pa.int64(),
            "Offset of the member's name in the document's normalised text.",
            checks=(at_least(0),),
        ),
        Column("char_end", pa.int64(), "Offset just after the member's name.", checks=(at_least(0),)),
    ),
    key=("doc_id", "group", "theme", "iscm_id", "member"),
    unique=("doc_id", "group", "theme", "iscm_id", "member"),
    row_checks=(
        checks.COUNT_OK_IS_STATED_EQUALS_LISTED,
        checks.START_BEFORE_END,
    ),
    check_order=(
        *TRACED,
        "year",
        "group",
        "theme",
        "theme_id",
        "iscm_id",
        "member",
        "stated_count",
        "listed_count",
        "count_ok",
        "evidence",
    ),
)


PUBLICATIONS = TableSpec(
    "publications",
    "One row per publication a newsletter lists, or an item of a report's list of reports.",
    (
        DOC_ID,
        Column(
            "iscm_id",
            pa.string(),
            "The publishing ISCM, from the bracket after the title or the list it is in.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column("title", pa.string(), "The title, without the ISCM bracket.", checks=(Length(1),)),
        Column(
            "url",
            pa.string(),
            "The link, joined where the conversion broke it over lines; null for link stubs.",
            nullable=True,
            checks=(Matches("^(https?://|www\\.)\\S+$"),),
        ),
        Column(
            "year",
            pa.int32(),
            "The publication year where printed.",
            nullable=True,
            checks=(
                at_least(1980),
                at_most(2100),
            ),
        ),
        CHAR_START,
        CHAR_END,
    ),
    key=("doc_id", "title"),
    row_checks=(checks.START_BEFORE_END,),
    check_order=(*TRACED, "iscm_id", "title", "url", "year"),
)


ANNIVERSARIES = TableSpec(
    "anniversaries",
    "One row per anniversary of a body a newsletter marks.",
    (
        DOC_ID,
        Column(
            "iscm_id",
            pa.string(),
            "The body whose anniversary it is.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column(
            "years",
            pa.int32(),
            "How many years ('30th' -> 30).",
            checks=(
                at_least(1),
                at_most(200),
            ),
        ),
        EVIDENCE,
        CHAR_START,
        CHAR_END,
    ),
    key=("doc_id", "iscm_id", "years"),
    unique=("doc_id", "iscm_id", "years"),
    row_checks=(checks.START_BEFORE_END,),
    check_order=(*TRACED, "iscm_id", "years", "evidence"),
)


HEADLINE_STATS = TableSpec(
    "headline_stats",
    "One row per headline figure of a statistics or global-meeting section.",
    (
        DOC_ID,
        Column("section_id", pa.string(), "The section the figure is printed in."),
        Column(
            "metric",
            pa.string(),
            "The figure's name, from the fixed list of rules/facts.yaml.",
            vocabulary=True,
        ),
        Column("value", pa.int32(), "The figure.", checks=(at_least(0),)),
        Column(
            "unit", pa.string(), "count or percent.", vocabulary=True, checks=(OneOf(("count", "percent")),)
        ),
        EVIDENCE,
        CHAR_START,
        CHAR_END,
    ),
    key=("section_id", "metric"),
    unique=("section_id", "metric"),
    row_checks=(
        checks.PERCENT_AT_MOST_100,
        checks.START_BEFORE_END,
    ),
    check_order=(*TRACED, "section_id", "metric", "value", "unit", "evidence"),
)


PARTICIPANTS = TableSpec(
    "participants",
    "One row per row of a report's participant table.",
    (
        DOC_ID,
        Column("row_no", pa.int32(), "The row's number in the table.", checks=(at_least(1),)),
        Column(
            "iscm_ids",
            pa.list_(pa.string()),
            "Registry ids of the bodies in the row's ISCM column, in order.",
            checks=(checks.LIST_OF_REGISTRY_IDS,),
        ),
        Column(
            "roles",
            pa.list_(pa.string()),
            "The role for each of iscm_ids (Chair, Co-Chair, Secretariat, incoming Chair, ...).",
        ),
        Column("role", pa.string(), "The row's distinct roles, joined by '; '.", nullable=True),
        Column(
            "name", pa.string(), "The participant's name as written, honorifics kept.", checks=(Length(1),)
        ),
        Column("position", pa.string(), "The position as written, continuation lines joined."),
        Column(
            "group",
            pa.string(),
            "iscm (participants from ISCMs) or host (host and organizers).",
            vocabulary=True,
            checks=(OneOf(("iscm", "host")),),
        ),
        Column("organisation", pa.string(), "The ISCM or organisation column as written."),
        CHAR_START,
        CHAR_END,
    ),
    key=("doc_id", "row_no"),
    unique=("doc_id", "row_no"),
    row_checks=(
        checks.ROLES_ALIGN_WITH_ISCM_IDS,
        checks.START_BEFORE_END,
    ),
    check_order=(*TRACED, "iscm_ids", "row_no", "roles", "role", "name", "position", "group", "organisation"),
)


SPEAKERS = TableSpec(
    "speakers",
    "One row per entry of a report's list of speakers.",
    (
        DOC_ID,
        Column("row_no", pa.int32(), "Position in the list of speakers.", checks=(at_least(1),)),
        Column("name", pa.string(), "The speaker's name as written."),
        Column("position", pa.string(), "The rest of the entry: position, ministry, role."),
        Column(
            "iscm_ids",
            pa.list_(pa.string()),
            "Registry ids of the bodies the entry names.",
            checks=(checks.LIST_OF_REGISTRY_IDS,),
        ),
        CHAR_START,
        CHAR_END,
    ),
    key=("doc_id", "row_no"),
    unique=("doc_id", "row_no"),
    row_checks=(checks.START_BEFORE_END,),
    check_order=(*TRACED, "iscm_ids", "row_no", "name", "position"),
)


SURVEY_RESPONDENTS = TableSpec(
    "survey_respondents",
    "One row per ISCM that a survey summary names as having answered.",
    (
        DOC_ID,
        Column(
            "iscm_id",
            pa.string(),
            "Registry id of the responding ISCM; null when not in the registry.",
            nullable=True,
            checks=(checks.REGISTRY_ID_OR_NULL,),
        ),
        Column("name", pa.string(), "The name as written."),
        CHAR_START,
        CHAR_END,
    ),
    key=("doc_id", "name"),
    row_checks=(checks.START_BEFORE_END,),
    check_order=(*TRACED, "iscm_id", "name"),
)
