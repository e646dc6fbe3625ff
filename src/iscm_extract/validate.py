"""Validation of the output tables: one pandera DataFrameModel per table, run lazily so that every
failure is reported at once, as `Failure`s that name the table, column, check and row.

The closed vocabularies (registry ids, document and section kinds, meeting types and levels,
formats) are not written here: they come from the rules (`rules.Vocabulary`), set for the
duration of a validation, so that a level added to rules/meetings.yaml is valid everywhere.

The writer validates before every write, and drops the rows that fail, per document, with a
problems row naming the check (write.isolate_failures). `iscm-extract validate DIR` runs the same
checks on tables already written, plus the checks across tables of one folder
(`consistency_failures`): every table is the one the manifest describes (its sha256 and row
count), so a folder that mixes the tables of two runs is rejected, and every doc_id of every
table is a document of the documents table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors
from pandera.typing import Series

from iscm_extract.rules import Vocabulary

# The rules' vocabularies: set for the duration of a validation (see `vocabulary`).
_VOCABULARY: ContextVar[Vocabulary | None] = ContextVar("vocabulary", default=None)


def _vocabulary() -> Vocabulary:
    found = _VOCABULARY.get()
    if found is None:
        raise RuntimeError("validation needs the rules' vocabulary: use `with vocabulary(...)`")
    return found


def _known_ids(series: pd.Series) -> pd.Series:
    return series.isna() | series.isin(_vocabulary().registry_ids)


def _in_vocabulary(series: pd.Series, name: str, nullable: bool = False) -> pd.Series:
    allowed: frozenset[str] = getattr(_vocabulary(), name)
    inside = series.isin(allowed)
    return (inside | series.isna()) if nullable else inside


def _dates_or_null(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is None or (not isinstance(v, str) and pd.isna(v)) or isinstance(v, date))


def _lists(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is not None and hasattr(v, "__len__") and not isinstance(v, str))


# Arrow types read as pandas' nullable types (an integer column with nulls stays integer).
NULLABLE = {
    pyarrow.int32(): pd.Int32Dtype(),
    pyarrow.int64(): pd.Int64Dtype(),
    pyarrow.float64(): pd.Float64Dtype(),
    pyarrow.bool_(): pd.BooleanDtype(),
}


def frame_of(table: pyarrow.Table) -> pd.DataFrame:
    """A table as the models check it: dictionary-encoded vocabularies as plain strings, integers
    and booleans as nullable pandas types."""
    plain = pyarrow.schema(
        [f.with_type(f.type.value_type) if pyarrow.types.is_dictionary(f.type) else f for f in table.schema]
    )
    return table.cast(plain).to_pandas(types_mapper=NULLABLE.get)


def read_frame(path: Path) -> pd.DataFrame:
    """A Parquet table as the models check it (see frame_of)."""
    return frame_of(pq.read_table(path))


class Documents(pa.DataFrameModel):
    doc_id: Series[str] = pa.Field(unique=True)
    source_path: Series[str]
    sha256: Series[str] = pa.Field(nullable=True, str_length={"min_value": 64, "max_value": 64})
    text_sha256: Series[str] = pa.Field(nullable=True)
    input_format: Series[str] = pa.Field(nullable=True, isin=["pdf", "txt", "md"])
    kind: Series[str] = pa.Field(nullable=True)
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

    @pa.check("kind", name="one_of_document_kinds_in_rules")
    def _kind(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "document_kinds", nullable=True)

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
    kind: Series[str]
    heading: Series[str] = pa.Field(nullable=True)
    iscm_id: Series[str] = pa.Field(nullable=True)
    page_start: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    char_start: Series[pd.Int64Dtype] = pa.Field(ge=0)
    char_end: Series[pd.Int64Dtype] = pa.Field(ge=0)
    text: Series[str]

    @pa.check("iscm_id", name="registry_id_or_null")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    @pa.check("kind", name="one_of_section_kinds_in_rules")
    def _kind(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "section_kinds")

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
    meeting_type: Series[str]
    level: Series[str]
    name: Series[str]
    ordinal: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    stated_count: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1)
    count_qualifier: Series[str] = pa.Field(nullable=True, isin=["exact", "over"])
    start_date: Series[Any] = pa.Field(nullable=True)
    end_date: Series[Any] = pa.Field(nullable=True)
    year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    date_precision: Series[str] = pa.Field(nullable=True, isin=["day", "month", "year"])
    date_raw: Series[str] = pa.Field(nullable=True)
    city: Series[str] = pa.Field(nullable=True)
    country: Series[str] = pa.Field(nullable=True)
    format: Series[str] = pa.Field(nullable=True)
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

    @pa.check("meeting_type", name="one_of_meeting_types_in_rules")
    def _type(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "meeting_types")

    @pa.check("level", name="one_of_levels_in_rules")
    def _level(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "levels")

    @pa.check("format", name="one_of_formats_in_rules")
    def _format(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "formats", nullable=True)

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

    @pa.dataframe_check(name="year_is_the_start_dates_year")
    def _year(cls, frame: pd.DataFrame) -> pd.Series:
        dated = frame["start_date"].notna()
        same = frame.apply(lambda r: r["start_date"].year == r["year"] if dated[r.name] else True, axis=1)
        return same.astype(bool)

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
    ids = _vocabulary().registry_ids
    return _lists(series) & series.map(lambda v: v is not None and set(v) <= ids)


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


class MeetingCounts(pa.DataFrameModel):
    doc_id: Series[str]
    iscm_id: Series[str] = pa.Field(nullable=True)
    year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    meeting_type: Series[str]
    level: Series[str]
    n_meetings: Series[pd.Int32Dtype] = pa.Field(ge=1)
    n_records: Series[pd.Int32Dtype] = pa.Field(ge=1)
    n_dated: Series[pd.Int32Dtype] = pa.Field(ge=0)

    @pa.check("iscm_id", name="registry_id_or_null")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    @pa.check("meeting_type", name="one_of_meeting_types_in_rules")
    def _type(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "meeting_types")

    @pa.check("level", name="one_of_levels_in_rules")
    def _level(cls, series: pd.Series) -> pd.Series:
        return _in_vocabulary(series, "levels")

    @pa.dataframe_check(name="n_dated_le_n_records_le_n_meetings")
    def _counts(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["n_dated"] <= frame["n_records"]) & (frame["n_records"] <= frame["n_meetings"])

    class Config:
        strict = True
        unique = ["doc_id", "iscm_id", "year", "meeting_type", "level"]  # noqa: RUF012  # a pandera setting


class Iscms(pa.DataFrameModel):
    iscm_id: Series[str] = pa.Field(unique=True)
    acronym: Series[str] = pa.Field(nullable=True)
    name: Series[str]
    other_names: Series[Any]
    kind: Series[str] = pa.Field(nullable=True)
    first_year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    last_year: Series[pd.Int32Dtype] = pa.Field(nullable=True, ge=1980, le=2100)
    n_documents: Series[pd.Int32Dtype] = pa.Field(ge=0)

    @pa.check("iscm_id", name="registry_id")
    def _ids(cls, series: pd.Series) -> pd.Series:
        return _known_ids(series)

    @pa.check("other_names", name="is_list")
    def _list_columns(cls, series: pd.Series) -> pd.Series:
        return _lists(series)

    @pa.dataframe_check(name="first_year_not_after_last_year")
    def _years(cls, frame: pd.DataFrame) -> pd.Series:
        both = frame["first_year"].notna() & frame["last_year"].notna()
        return (~both | (frame["first_year"] <= frame["last_year"])).fillna(True).astype(bool)

    class Config:
        strict = True


class Reconciliation(_Traced):
    section_id: Series[str]
    metric: Series[str]
    measure: Series[str] = pa.Field(isin=["meetings", "iscms"])
    stated: Series[pd.Int32Dtype] = pa.Field(ge=0)
    extracted: Series[pd.Int32Dtype] = pa.Field(ge=0)
    difference: Series[pd.Int32Dtype]
    tolerance: Series[pd.Float64Dtype] = pa.Field(ge=0)
    within_tolerance: Series[pd.BooleanDtype]
    evidence: Series[str]

    @pa.dataframe_check(name="difference_is_extracted_minus_stated")
    def _difference(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["difference"] == frame["extracted"] - frame["stated"]).astype(bool)

    @pa.dataframe_check(name="within_tolerance_is_abs_difference_le_tolerance")
    def _within(cls, frame: pd.DataFrame) -> pd.Series:
        return (frame["within_tolerance"] == (frame["difference"].abs() <= frame["tolerance"])).astype(bool)

    class Config:
        unique = ["section_id", "metric"]  # noqa: RUF012  # a pandera setting


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
    "meeting_counts": MeetingCounts,
    "iscms": Iscms,
    "reconciliation": Reconciliation,
}


class ValidationError(ValueError):
    """One or more tables break their model; the message lists every failure."""


@dataclass(frozen=True)
class Failure:
    """One check failed by one row (`index`, the row's position in its frame) or by a whole table
    (`index` None)."""

    table: str
    column: str | None
    check: str
    case: Any
    index: int | None

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.check} failed for {self.case!r}" + (
            f" (row {self.index})" if self.index is not None else ""
        )


@contextmanager
def vocabulary(words: Vocabulary) -> Iterator[None]:
    token = _VOCABULARY.set(words)
    try:
        yield
    finally:
        _VOCABULARY.reset(token)


def _as_index(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def find_failures(frames: dict[str, pd.DataFrame], words: Vocabulary) -> list[Failure]:
    """Every failure of every table and every row whose doc_id is no document's."""
    failures: list[Failure] = []
    with vocabulary(words):
        for name, frame in frames.items():
            model = MODELS.get(name)
            if model is None:
                continue
            try:
                model.validate(frame, lazy=True)
            except SchemaErrors as exc:
                for row in exc.failure_cases.itertuples():
                    column = row.column if isinstance(row.column, str) and row.column in frame else None
                    failures.append(
                        Failure(name, column, str(row.check), row.failure_case, _as_index(row.index))
                    )
    documents = frames.get("documents")
    if documents is not None and "doc_id" in documents:
        known = set(documents["doc_id"])
        for name, frame in frames.items():
            if name == "documents" or "doc_id" not in frame:
                continue
            for index in frame.index[~frame["doc_id"].isin(known)]:
                failures.append(
                    Failure(name, "doc_id", "doc_id_of_a_document", frame.at[index, "doc_id"], index)
                )
    return failures


def validate_frames(frames: dict[str, pd.DataFrame], words: Vocabulary) -> list[str]:
    """Every failure of every table, as lines; empty when all tables are valid."""
    return [str(f) for f in find_failures(frames, words)]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def consistency_failures(directory: Path) -> list[str]:
    """The folder holds one run: a manifest, and every table the one it describes (same sha256 and
    row count). A table from another run, a missing or extra table, or no manifest is a failure."""
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"manifest.json: cannot be read ({exc})"]
    described = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(described, dict):
        return ["manifest.json: no table hashes (written by an older version: extract again)"]
    failures = []
    present = {p.stem for p in directory.glob("*.parquet")}
    for name in sorted(set(described) | set(MODELS) | present):
        path = directory / f"{name}.parquet"
        entry = described.get(name)
        if entry is None:
            failures.append(f"{name}: table not in the manifest (from another run)")
        elif not path.is_file():
            failures.append(f"{name}: table missing in {directory}")
        elif file_sha256(path) != entry.get("sha256"):
            failures.append(
                f"{name}: not the table of run {manifest.get('run_id')} (sha256 differs from the manifest)"
            )
        elif pq.read_metadata(path).num_rows != entry.get("rows"):
            failures.append(f"{name}: row count differs from the manifest")
    return failures


def validate_dir(directory: Path, words: Vocabulary) -> list[str]:
    """The tables of a folder: one run (consistency_failures), then every check of every table."""
    failures = consistency_failures(directory)
    frames = {}
    for name in MODELS:
        path = directory / f"{name}.parquet"
        if not path.exists():
            return failures or [f"{name}: table missing in {directory}"]
        frames[name] = read_frame(path)
    return failures + validate_frames(frames, words)
