"""Validation of the output tables: one pandera DataFrameModel per table, run lazily so that every
failure is reported at once. The writer runs it before every write; a failure writes nothing.
`iscm-extract validate DIR` runs it on tables already written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
from pandera.typing import Series

from iscm_extract.rules import DOCUMENT_KINDS, MEETING_TYPES, SECTION_KINDS

# The registry's ids: set for the duration of a validation (see `registry_ids`).
_REGISTRY_IDS: ContextVar[frozenset[str]] = ContextVar("registry_ids", default=frozenset())
LEVELS = ["ministerial", "vice_ministerial", "senior_officials", "governance", "technical", "high_level"]


def _known_ids(series: pd.Series) -> pd.Series:
    ids = _REGISTRY_IDS.get()
    return series.isna() | series.isin(ids) if ids else pd.Series(True, index=series.index)


def _dates_or_null(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is None or (not isinstance(v, str) and pd.isna(v)) or isinstance(v, date))


def _lists(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is not None and hasattr(v, "__len__") and not isinstance(v, str))


class Documents(pa.DataFrameModel):
    doc_id: Series[str] = pa.Field(unique=True)
    source_path: Series[str]
    sha256: Series[str] = pa.Field(nullable=True, str_length={"min_value": 64, "max_value": 64})
    text_sha256: Series[str] = pa.Field(nullable=True)
    input_format: Series[str] = pa.Field(nullable=True, isin=["pdf", "txt", "md"])
    kind: Series[str] = pa.Field(nullable=True, isin=sorted(DOCUMENT_KINDS))
    title: Series[str] = pa.Field(nullable=True)
    issue_number: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    period_start: Series[Any] = pa.Field(nullable=True)
    period_end: Series[Any] = pa.Field(nullable=True)
    year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    n_pages: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=0)
    n_chars: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    @pa.check("period_start", "period_end", name="dates_or_null")
    def _dates(cls, series: pd.Series) -> pd.Series:
        return _dates_or_null(series)

    @pa.dataframe_check(name="year_within_period")
    def _year_in_period(cls, frame: pd.DataFrame) -> pd.Series:
        has = frame["period_start"].notna() & frame["year"].notna()
        inside = frame.apply(
            lambda r: r["period_start"].year <= r["year"] <= r["period_end"].year if has[r.name] else True,
            axis=1,
        )
        return inside.astype(bool)

    class Config:
        strict = True


class Sections(pa.DataFrameModel):
    doc_id: Series[str]
    section_id: Series[str] = pa.Field(unique=True)
    order: Series[pd.Int32Dtype] = pa.Field(ge=0)
    kind: Series[str] = pa.Field(isin=sorted(SECTION_KINDS))
    heading: Series[str] = pa.Field(nullable=True)
    iscm_id: Series[str] = pa.Field(nullable=True)
    page_start: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    char_start: Series[pd.Int64Dtype] = pa.Field(ge=0)
    char_end: Series[pd.Int64Dtype] = pa.Field(ge=0)
    text: Series[str]

    @pa.check("iscm_id", name="registry_id_or_null")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    # Inherited checks lose their `name`; the method's name stands in for it.
    @pa.dataframe_check(name="start_before_end")
    def start_before_end(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["char_start"] <= frame["char_end"]

    class Config:
        strict = True


class Meetings(pa.DataFrameModel):
    meeting_id: Series[str] = pa.Field(unique=True)
    mention_id: Series[str]
    doc_id: Series[str]
    section_id: Series[str]
    iscm_id: Series[str] = pa.Field(nullable=True)
    joint_with: Series[Any]
    meeting_type: Series[str] = pa.Field(isin=sorted(MEETING_TYPES))
    level: Series[str] = pa.Field(isin=LEVELS)
    name: Series[str]
    ordinal: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    stated_count: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    count_qualifier: Series[str] = pa.Field(nullable=True, isin=["exact", "over"])
    start_date: Series[Any] = pa.Field(nullable=True)
    end_date: Series[Any] = pa.Field(nullable=True)
    date_precision: Series[str] = pa.Field(nullable=True, isin=["day", "month", "year"])
    date_raw: Series[str] = pa.Field(nullable=True)
    city: Series[str] = pa.Field(nullable=True)
    country: Series[str] = pa.Field(nullable=True)
    format: Series[str] = pa.Field(nullable=True, isin=["in_person", "virtual", "hybrid"])
    topic: Series[str] = pa.Field(nullable=True)
    outcomes: Series[Any]
    evidence: Series[str]
    char_start: Series[pd.Int64Dtype] = pa.Field(ge=0)
    char_end: Series[pd.Int64Dtype] = pa.Field(ge=0)
    page: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    warnings: Series[Any]

    @pa.check("iscm_id", name="registry_id_or_null")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    @pa.check("joint_with", "outcomes", "warnings", name="is_list")
    def _list_columns(cls, series: pd.Series) -> pd.Series:
        return _lists(series)

    @pa.check("start_date", "end_date", name="dates_or_null")
    def _dates(cls, series: pd.Series) -> pd.Series:
        return _dates_or_null(series)

    @pa.dataframe_check(name="start_date_not_after_end_date")
    def _order(cls, frame: pd.DataFrame) -> pd.Series:
        both = frame["start_date"].notna() & frame["end_date"].notna()
        ordered = frame.apply(lambda r: r["start_date"] <= r["end_date"] if both[r.name] else True, axis=1)
        return ordered.astype(bool)

    class Config:
        strict = True


class Aliases(pa.DataFrameModel):
    alias: Series[str]
    iscm_id: Series[str]
    method: Series[str] = pa.Field(isin=["registry", "definition", "fuzzy"])
    score: Series[pd.Float64Dtype] = pa.Field(ge=0, le=100)
    doc_id: Series[str]
    occurrences: Series[pd.Int32Dtype] = pa.Field(ge=1)

    @pa.check("iscm_id", name="registry_id")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    class Config:
        strict = True
        unique = ["doc_id", "alias", "iscm_id", "method"]  # noqa: RUF012  # pandera reads it as a setting


def _ids_or_all(series: pd.Series) -> pd.Series:
    return _known_ids(series.where(series != "*"))


def _id_lists(series: pd.Series) -> pd.Series:
    ids = _REGISTRY_IDS.get()
    return _lists(series) & series.map(lambda v: v is not None and (not ids or set(v) <= ids))


class _Traced(pa.DataFrameModel):
    """What every fact table has: its document and the span of text a row was read from."""

    doc_id: Series[str]
    char_start: Series[pd.Int64Dtype] = pa.Field(ge=0)
    char_end: Series[pd.Int64Dtype] = pa.Field(ge=0)

    # Inherited checks lose their `name`; the method's name stands in for it.
    @pa.dataframe_check(name="start_before_end")
    def start_before_end(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["char_start"] <= frame["char_end"]

    class Config:
        strict = True


class _TracedWithIscm(_Traced):
    iscm_id: Series[str] = pa.Field(nullable=True)

    @pa.check("iscm_id", name="registry_id_or_null")
    def registry_id_or_null(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)


class _TracedWithIscmList(_Traced):
    iscm_ids: Series[Any]

    @pa.check("iscm_ids", name="list_of_registry_ids")
    def list_of_registry_ids(cls, series: pd.Series) -> pd.Series:
        return _id_lists(series)


class Themes(_Traced):
    year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    group: Series[str] = pa.Field(isin=["global_initiative", "thematic_area"])
    theme: Series[str]
    theme_id: Series[str] = pa.Field(nullable=True)
    iscm_id: Series[str] = pa.Field(nullable=True)
    member: Series[str]
    stated_count: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=0)
    listed_count: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=0)
    count_ok: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    evidence: Series[str]

    @pa.check("iscm_id", name="registry_id_or_all_or_null")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _ids_or_all(series)

    @pa.dataframe_check(name="count_ok_is_stated_equals_listed")
    def _count_ok(cls, frame: pd.DataFrame) -> pd.Series:
        both = frame["stated_count"].notna() & frame["listed_count"].notna()
        expected = (frame["stated_count"] == frame["listed_count"]).where(both)
        return (
            ((expected == frame["count_ok"]) | (~both & frame["count_ok"].isna())).fillna(False).astype(bool)
        )

    class Config:
        unique = ["doc_id", "group", "theme", "iscm_id", "member"]  # noqa: RUF012  # a pandera setting


class Publications(_TracedWithIscm):
    title: Series[str] = pa.Field(str_length={"min_value": 1})
    url: Series[str] = pa.Field(nullable=True, str_matches=r"^(https?://|www\.)\S+$")
    year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)


class Anniversaries(_TracedWithIscm):
    years: Series[pd.Int32Dtype] = pa.Field(ge=1, le=200)
    evidence: Series[str]

    class Config:
        unique = ["doc_id", "iscm_id", "years"]  # noqa: RUF012  # a pandera setting


class HeadlineStats(_Traced):
    section_id: Series[str]
    metric: Series[str]
    value: Series[pd.Int32Dtype] = pa.Field(ge=0)
    unit: Series[str] = pa.Field(isin=["count", "percent"])
    evidence: Series[str]

    @pa.dataframe_check(name="percent_at_most_100")
    def _percent(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["unit"] != "percent") | (frame["value"] <= 100)

    class Config:
        unique = ["section_id", "metric"]  # noqa: RUF012  # a pandera setting


class Participants(_TracedWithIscmList):
    row_no: Series[pd.Int32Dtype] = pa.Field(ge=1)
    roles: Series[Any]
    role: Series[str] = pa.Field(nullable=True)
    name: Series[str] = pa.Field(str_length={"min_value": 1})
    position: Series[str]
    group: Series[str] = pa.Field(isin=["iscm", "host"])
    organisation: Series[str]

    @pa.dataframe_check(name="roles_align_with_iscm_ids")
    def _aligned(cls, frame: pd.DataFrame) -> pd.Series:
        return frame.apply(lambda r: len(r["roles"]) == len(r["iscm_ids"]), axis=1).astype(bool)

    class Config:
        unique = ["doc_id", "row_no"]  # noqa: RUF012  # a pandera setting


class Speakers(_TracedWithIscmList):
    row_no: Series[pd.Int32Dtype] = pa.Field(ge=1)
    name: Series[str]
    position: Series[str]

    class Config:
        unique = ["doc_id", "row_no"]  # noqa: RUF012  # a pandera setting


class SurveyRespondents(_TracedWithIscm):
    name: Series[str]


class Problems(pa.DataFrameModel):
    doc_id: Series[str]
    stage: Series[str]
    severity: Series[str] = pa.Field(isin=["error", "warning"])
    message: Series[str]
    char_start: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)

    class Config:
        strict = True


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "documents": Documents,
    "sections": Sections,
    "meetings": Meetings,
    "aliases": Aliases,
    "themes": Themes,
    "publications": Publications,
    "anniversaries": Anniversaries,
    "headline_stats": HeadlineStats,
    "participants": Participants,
    "speakers": Speakers,
    "survey_respondents": SurveyRespondents,
    "problems": Problems,
}


class ValidationError(ValueError):
    """One or more tables break their model; the message lists every failure."""


@contextmanager
def registry_ids(ids: frozenset[str]) -> Iterator[None]:
    token = _REGISTRY_IDS.set(ids)
    try:
        yield
    finally:
        _REGISTRY_IDS.reset(token)


def validate_frames(frames: dict[str, pd.DataFrame], ids: frozenset[str]) -> list[str]:
    """Every failure of every table, as lines; empty when all tables are valid."""
    failures: list[str] = []
    with registry_ids(ids):
        for name, frame in frames.items():
            model = MODELS.get(name)
            if model is None:
                continue
            try:
                model.validate(frame, lazy=True)
            except SchemaErrors as exc:
                cases = exc.failure_cases
                for row in cases.itertuples():
                    failures.append(
                        f"{name}.{row.column}: {row.check} failed for {row.failure_case!r}"
                        + (f" (row {row.index})" if pd.notna(row.index) else "")
                    )
    return failures


def validate_dir(directory: Path, ids: frozenset[str]) -> list[str]:
    frames = {}
    for name in MODELS:
        path = directory / f"{name}.parquet"
        if not path.exists():
            return [f"{name}: table missing in {directory}"]
        frames[name] = pd.read_parquet(path)
    return validate_frames(frames, ids)
