"""The named checks of the tables' declarations (catalog.py) that are more than a bound or a fixed
list: checks of a column against the rules' vocabularies (`SeriesCheck`, given the `Vocabulary`
when the pandera schema is built) and checks across the columns of a row (`RowCheck`).

A check's name is what a failure reports ("meetings.level: one_of_levels_in_rules failed for
'plenary'") and what the data dictionary prints ("one of levels in rules").
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from iscm_extract.rules import Vocabulary
from iscm_extract.tables.tablespec import RowCheck, SeriesCheck


def _known_ids(series: pd.Series, words: Vocabulary) -> pd.Series:
    return series.isna() | series.isin(words.registry_ids)


def _ids_or_all(series: pd.Series, words: Vocabulary) -> pd.Series:
    return _known_ids(series.where(series != "*"), words)


def _lists(series: pd.Series, words: Vocabulary | None = None) -> pd.Series:
    return series.map(lambda v: v is not None and hasattr(v, "__len__") and not isinstance(v, str))


def _id_lists(series: pd.Series, words: Vocabulary) -> pd.Series:
    return _lists(series) & series.map(lambda v: v is not None and set(v) <= words.registry_ids)


def _dates_or_null(series: pd.Series, words: Vocabulary) -> pd.Series:
    return series.map(lambda v: v is None or (not isinstance(v, str) and pd.isna(v)) or isinstance(v, date))


def in_rules(vocabulary: str, nullable: bool = False) -> SeriesCheck:
    """The values are one of the rules' `vocabulary` (a `Vocabulary` field: "levels", ...)."""

    def inside(series: pd.Series, words: Vocabulary) -> pd.Series:
        allowed: frozenset[str] = getattr(words, vocabulary)
        found = series.isin(allowed)
        return (found | series.isna()) if nullable else found

    return SeriesCheck(f"one_of_{vocabulary}_in_rules", inside)


REGISTRY_ID = SeriesCheck("registry_id", _known_ids)
REGISTRY_ID_OR_NULL = SeriesCheck("registry_id_or_null", _known_ids)
REGISTRY_ID_OR_ALL_OR_NULL = SeriesCheck("registry_id_or_all_or_null", _ids_or_all)
LIST_OF_REGISTRY_IDS = SeriesCheck("list_of_registry_ids", _id_lists)
IS_LIST = SeriesCheck("is_list", _lists)
DATES_OR_NULL = SeriesCheck("dates_or_null", _dates_or_null)


def _dates_ordered(frame: pd.DataFrame) -> pd.Series:
    both = frame["start_date"].notna() & frame["end_date"].notna()
    ordered = frame.apply(lambda r: r["start_date"] <= r["end_date"] if both[r.name] else True, axis=1)
    return ordered.astype(bool)


def _year_in_period(frame: pd.DataFrame) -> pd.Series:
    has = frame["period_start"].notna() & frame["year"].notna()
    inside = frame.apply(
        lambda r: r["period_start"].year <= r["year"] <= r["period_end"].year if has[r.name] else True,
        axis=1,
    )
    return inside.astype(bool)


def _start_date_year(frame: pd.DataFrame) -> pd.Series:
    dated = frame["start_date"].notna()
    same = frame.apply(lambda r: r["start_date"].year == r["year"] if dated[r.name] else True, axis=1)
    return same.astype(bool)


def _count_ok(frame: pd.DataFrame) -> pd.Series:
    both = frame["stated_count"].notna() & frame["listed_count"].notna()
    expected = (frame["stated_count"] == frame["listed_count"]).where(both)
    return ((expected == frame["count_ok"]) | (~both & frame["count_ok"].isna())).fillna(False).astype(bool)


def _counts_ordered(frame: pd.DataFrame) -> pd.Series:
    return (frame["n_dated"] <= frame["n_records"]) & (frame["n_records"] <= frame["n_meetings"])


def _years_ordered(frame: pd.DataFrame) -> pd.Series:
    both = frame["first_year"].notna() & frame["last_year"].notna()
    return (~both | (frame["first_year"] <= frame["last_year"])).fillna(True).astype(bool)


YEAR_WITHIN_PERIOD = RowCheck("year_within_period", _year_in_period)
START_BEFORE_END = RowCheck("start_before_end", lambda frame: frame["char_start"] <= frame["char_end"])
START_DATE_NOT_AFTER_END_DATE = RowCheck("start_date_not_after_end_date", _dates_ordered)
YEAR_IS_THE_START_DATES_YEAR = RowCheck("year_is_the_start_dates_year", _start_date_year)
COUNT_OK_IS_STATED_EQUALS_LISTED = RowCheck("count_ok_is_stated_equals_listed", _count_ok)
PERCENT_AT_MOST_100 = RowCheck(
    "percent_at_most_100", lambda frame: (frame["unit"] != "percent") | (frame["value"] <= 100)
)
ROLES_ALIGN_WITH_ISCM_IDS = RowCheck(
    "roles_align_with_iscm_ids",
    lambda frame: frame.apply(lambda r: len(r["roles"]) == len(r["iscm_ids"]), axis=1).astype(bool),
)
N_DATED_LE_N_RECORDS_LE_N_MEETINGS = RowCheck("n_dated_le_n_records_le_n_meetings", _counts_ordered)
FIRST_YEAR_NOT_AFTER_LAST_YEAR = RowCheck("first_year_not_after_last_year", _years_ordered)
DIFFERENCE_IS_EXTRACTED_MINUS_STATED = RowCheck(
    "difference_is_extracted_minus_stated",
    lambda frame: (frame["difference"] == frame["extracted"] - frame["stated"]).astype(bool),
)
WITHIN_TOLERANCE_IS_ABS_DIFFERENCE_LE_TOLERANCE = RowCheck(
    "within_tolerance_is_abs_difference_le_tolerance",
    lambda frame: (frame["within_tolerance"] == (frame["difference"].abs() <= frame["tolerance"])).astype(
        bool
    ),
)

# The checks tables.yaml names, by name: of a column (SeriesCheck) or of a row (RowCheck).
NAMED: dict[str, SeriesCheck | RowCheck] = {
    check.name: check
    for check in (
        REGISTRY_ID,
        REGISTRY_ID_OR_NULL,
        REGISTRY_ID_OR_ALL_OR_NULL,
        LIST_OF_REGISTRY_IDS,
        IS_LIST,
        DATES_OR_NULL,
        YEAR_WITHIN_PERIOD,
        START_BEFORE_END,
        START_DATE_NOT_AFTER_END_DATE,
        YEAR_IS_THE_START_DATES_YEAR,
        COUNT_OK_IS_STATED_EQUALS_LISTED,
        PERCENT_AT_MOST_100,
        ROLES_ALIGN_WITH_ISCM_IDS,
        N_DATED_LE_N_RECORDS_LE_N_MEETINGS,
        FIRST_YEAR_NOT_AFTER_LAST_YEAR,
        DIFFERENCE_IS_EXTRACTED_MINUS_STATED,
        WITHIN_TOLERANCE_IS_ABS_DIFFERENCE_LE_TOLERANCE,
    )
}
