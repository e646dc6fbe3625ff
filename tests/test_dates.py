"""Date phrases: one test per style, and property tests that round-trip random dates."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iscm_extract.facts.dates import find_dates, parse

YEAR = 2023


def spans(phrase: str, year: int = YEAR) -> list[tuple[date | None, date | None, str]]:
    return [(s.start, s.end, s.precision) for s in parse(phrase, year)]


def d(month: int, day: int, year: int = YEAR) -> date:
    return date(year, month, day)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("25 October", [(d(10, 25), d(10, 25), "day")]),
        ("24-27 May", [(d(5, 24), d(5, 27), "day")]),
        ("24\u201327 May".replace("\u2013", "-"), [(d(5, 24), d(5, 27), "day")]),
        ("31 October - 2 November", [(d(10, 31), d(11, 2), "day")]),
        ("28 and 30 September", [(d(9, 28), d(9, 28), "day"), (d(9, 30), d(9, 30), "day")]),
        (
            "15 April, 11 June and 22-23 November",
            [(d(4, 15), d(4, 15), "day"), (d(6, 11), d(6, 11), "day"), (d(11, 22), d(11, 23), "day")],
        ),
        (
            "(20 April; 29 September, 17 November)",
            [(d(4, 20), d(4, 20), "day"), (d(9, 29), d(9, 29), "day"), (d(11, 17), d(11, 17), "day")],
        ),
        ("July and September", [(d(7, 1), d(7, 31), "month"), (d(9, 1), d(9, 30), "month")]),
        ("April 8 2021", [(d(4, 8, 2021), d(4, 8, 2021), "day")]),
        ("November 12-14", [(d(11, 12), d(11, 14), "day")]),
        ("from 3 to 5 May", [(d(5, 3), d(5, 5), "day")]),
        ("3 May - 5 May", [(d(5, 3), d(5, 5), "day")]),
        ("on 7th June", [(d(6, 7), d(6, 7), "day")]),
        ("14 th June", [(d(6, 14), d(6, 14), "day")]),
        ("30 November to 2 December", [(d(11, 30), d(12, 2), "day")]),
        ("14 December 2021", [(d(12, 14, 2021), d(12, 14, 2021), "day")]),
        ("early June", [(d(6, 1), d(6, 30), "month")]),
        ("between 3 and 5 May", [(d(5, 3), d(5, 5), "day")]),
        ("30 December - 2 January", [(d(12, 30), d(1, 2, YEAR + 1), "day")]),
        ("18-19 and 24-25 March", [(d(3, 18), d(3, 19), "day"), (d(3, 24), d(3, 25), "day")]),
        # The month between: it closes the days before it and opens its own.
        ("18-19 and March 24-25", [(d(3, 18), d(3, 19), "day"), (d(3, 24), d(3, 25), "day")]),
        ("5 and June 7", [(d(6, 5), d(6, 5), "day"), (d(6, 7), d(6, 7), "day")]),
        ("Sept. 5", [(d(9, 5), d(9, 5), "day")]),
    ],
)
def test_date_styles(phrase: str, expected: list[tuple[date, date, str]]) -> None:
    assert spans(phrase) == expected


def test_impossible_range_keeps_its_start_and_warns() -> None:
    (span,) = parse("13-1 June", YEAR)
    assert (span.start, span.end) == (d(6, 13), None)
    assert any("impossible range" in w for w in span.warnings)


def test_impossible_day_warns() -> None:
    (span,) = parse("31 June", YEAR)
    assert span.start is None and any("impossible date" in w for w in span.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "2020-2022 research agenda",
        "since 2019",
        "2023-2027 Action Plan",
        "COVID-19 pandemic",
        "4-module webinar",
        "planned for 2024",
        "the 13th meeting",
        "40 recommendations",
    ],
)
def test_periods_and_numbers_are_not_dates(text: str) -> None:
    assert find_dates(text, YEAR) == []


def test_dates_in_running_text_with_places_between() -> None:
    text = "Two Steering Committee meetings, 18 February, Brussels, Belgium, 28 October, virtual, discussed"
    phrases = find_dates(text, YEAR, offset=100)
    assert [p.text for p in phrases] == ["18 February", "28 October"]
    assert phrases[0].char_start == 100 + text.index("18 February")


# --- property tests ------------------------------------------------------------------------------

MONTH = calendar.month_name
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@settings(max_examples=600)
@given(day=days, style=st.sampled_from(["D M", "M D", "D M Y", "M D Y", "on Dth M", "D M Y explicit"]))
def test_single_days_round_trip(day: date, style: str) -> None:
    phrase = {
        "D M": f"{day.day} {MONTH[day.month]}",
        "M D": f"{MONTH[day.month]} {day.day}",
        "D M Y": f"{day.day} {MONTH[day.month]} {day.year}",
        "M D Y": f"{MONTH[day.month]} {day.day} {day.year}",
        "on Dth M": f"on {ordinal(day.day)} {MONTH[day.month]}",
        "D M Y explicit": f"{day.day} {MONTH[day.month]} {day.year}",
    }[style]
    issue_year = day.year if "Y" not in style else day.year - 1  # an explicit year wins
    assert spans(phrase, issue_year) == [(day, day, "day")]


@settings(max_examples=600)
@given(
    start=days,
    length=st.integers(min_value=1, max_value=40),
    style=st.sampled_from(
        ["D-D M", "M D-D", "from D to D M", "D M - D M", "D M to D M", "between D and D M"]
    ),
)
def test_ranges_round_trip(start: date, length: int, style: str) -> None:
    end = start + timedelta(days=length)
    if end.year != start.year:
        end = date(start.year, 12, 31)
        if end == start:
            return
    same_month = start.month == end.month
    if style in {"D-D M", "M D-D", "from D to D M", "between D and D M"} and not same_month:
        style = "D M - D M"
    phrase = {
        "D-D M": f"{start.day}-{end.day} {MONTH[start.month]}",
        "M D-D": f"{MONTH[start.month]} {start.day}-{end.day}",
        "from D to D M": f"from {start.day} to {end.day} {MONTH[start.month]}",
        "between D and D M": f"between {start.day} and {end.day} {MONTH[start.month]}",
        "D M - D M": f"{start.day} {MONTH[start.month]} - {end.day} {MONTH[end.month]}",
        "D M to D M": f"{start.day} {MONTH[start.month]} to {end.day} {MONTH[end.month]}",
    }[style]
    assert spans(phrase, start.year) == [(start, end, "day")]


@settings(max_examples=500)
@given(
    chosen=st.lists(days, min_size=2, max_size=4, unique_by=lambda x: (x.month, x.day)),
    year=st.integers(2000, 2035),
)
def test_lists_of_days_round_trip(chosen: list[date], year: int) -> None:
    chosen = [date(year, x.month, min(x.day, 28)) for x in chosen]
    if len({(x.month, x.day) for x in chosen}) < len(chosen):
        return
    parts = [f"{x.day} {MONTH[x.month]}" for x in chosen]
    phrase = ", ".join(parts[:-1]) + " and " + parts[-1]
    assert spans(phrase, year) == [(x, x, "day") for x in chosen]


@settings(max_examples=500)
@given(
    months=st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True),
    year=st.integers(2000, 2035),
    qualifier=st.sampled_from(["", "early ", "late ", "mid "]),
)
def test_months_round_trip(months: list[int], year: int, qualifier: str) -> None:
    phrase = qualifier + " and ".join(MONTH[m] for m in months)
    expected = [(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]), "month") for m in months]
    assert spans(phrase, year) == expected


# --- SPEC section 7: consecutive days, ranges over a year end, month-first lists ----------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        # consecutive days joined by "and" are one span
        ("14 and 15 May", [(d(5, 14), d(5, 15), "day")]),
        ("May 14 and 15", [(d(5, 14), d(5, 15), "day")]),
        ("6, 7 and 8 July", [(d(7, 6), d(7, 8), "day")]),
        # Consecutive days over a month end are one span too; an en dash is a dash.
        ("30 June and 1 July", [(d(6, 30), d(7, 1), "day")]),
        ("30 June, 2 July", [(d(6, 30), d(6, 30), "day"), (d(7, 2), d(7, 2), "day")]),
        ("3 \u2013 5 May", [(d(5, 3), d(5, 5), "day")]),
        # days that do not follow each other stay apart
        (
            "6, 9 and 13 July",
            [(d(7, 6), d(7, 6), "day"), (d(7, 9), d(7, 9), "day"), (d(7, 13), d(7, 13), "day")],
        ),
        (
            "June 4, 11 and 18",
            [(d(6, 4), d(6, 4), "day"), (d(6, 11), d(6, 11), "day"), (d(6, 18), d(6, 18), "day")],
        ),
        (
            "2 February, 9 April; 5 and 6 October",
            [(d(2, 2), d(2, 2), "day"), (d(4, 9), d(4, 9), "day"), (d(10, 5), d(10, 6), "day")],
        ),
        ("April 9-10 and 23-24", [(d(4, 9), d(4, 10), "day"), (d(4, 23), d(4, 24), "day")]),
        # ranges whose ends carry their own years, over a year end
        ("29 December 2016 to 3 January 2017", [(date(2016, 12, 29), date(2017, 1, 3), "day")]),
        ("December 29, 2016 - January 3, 2017", [(date(2016, 12, 29), date(2017, 1, 3), "day")]),
        ("30 November - 1 December 2011", [(date(2011, 11, 30), date(2011, 12, 1), "day")]),
        ("30 December - 2 January", [(d(12, 30), date(YEAR + 1, 1, 2), "day")]),
    ],
)
def test_spec_7_day_lists_and_ranges(phrase: str, expected: list[tuple[date, date, str]]) -> None:
    assert spans(phrase) == expected


def test_consecutive_days_can_be_kept_apart_for_a_stated_count() -> None:
    (phrase,) = find_dates("Two webinars (14 and 15 May)", YEAR)
    assert [(s.start, s.end) for s in phrase.spans] == [(d(5, 14), d(5, 15))]
    assert [(s.start, s.end) for s in phrase.day_spans] == [(d(5, 14), d(5, 14)), (d(5, 15), d(5, 15))]
