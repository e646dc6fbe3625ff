"""Meeting dates: find date phrases in text and turn each into date spans.

In layers, each testable on its own (after dateparser's design):
  1. tokens: days, months, years, range words, list words, qualifiers;
  2. grammar: day lists and ranges attach to the month after them ("4, 11 and 18 June"), or
     follow it ("November 12-14"); a range may cross months ("31 October - 2 November");
     a month alone is a month-precision span ("July and September", "early June");
  3. normalisation: the phrase's own year, else the issue year; impossible days and ranges
     become warnings ("13-1 June" keeps its start, its end is null).

dateparser 1.5.0 reads single dates well but not ranges and lists ("24-27 May" became
2027-05-24, "November 12-14" 2014-11-12, "28 and 30 September" 2030-09-28), hence this module.
A phrase needs a month name: years and year ranges alone ("2020-2022 research agenda",
"since 2019") are periods, not meeting dates.
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Precision = Literal["day", "month"]

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
MONTHS = _MONTHS  # the public name (month names and abbreviations, lower case -> number)

_TOKEN = re.compile(
    r"(?P<day>\b\d{1,2})(?:\s?(?P<suffix>st|nd|rd|th)\b)?(?!\d|[-/.]\d{3})"
    r"|(?P<year>\b(?:19|20)\d\d\b)"
    r"|(?P<month>\b(?:"
    + "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
    + r")\b\.?)"
    r"|(?P<dash>[-\u2013\u2014]+|\bto\b|\buntil\b|\btill\b|\bthrough\b)"
    r"|(?P<list>\band\b|&|,|;)"
    r"|(?P<qualifier>\b(?:early|mid|late|end of|beginning of|start of|the end of|mid-)\b)"
    r"|(?P<filler>\b(?:from|on|between|of|the)\b)"
    r"|(?P<space>\s+)"
    r"|(?P<other>\S)"
)


@dataclass(frozen=True)
class Token:
    kind: str  # day | year | month | dash | list | qualifier | filler | other
    text: str
    start: int
    end: int
    value: int = 0


@dataclass(frozen=True)
class DateSpan:
    start: date | None
    end: date | None
    precision: Precision
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatePhrase:
    """A run of date words in a text, with the spans it denotes."""

    text: str
    char_start: int
    char_end: int
    spans: tuple[DateSpan, ...] = field(default_factory=tuple)
    # The spans with consecutive days kept apart ("14 and 15 May" as two days): what a stated
    # count of two asks for ("Two webinars on 14 and 15 May").
    day_spans: tuple[DateSpan, ...] = field(default_factory=tuple)


# --- layer 1: tokens ----------------------------------------------------------------------------


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "suffix":
            kind = "day"
        if kind == "space":
            continue
        value = 0
        if kind == "day":
            value = int(match["day"])
        elif kind == "year":
            value = int(match["year"])
        elif kind == "month":
            value = _MONTHS[match["month"].rstrip(".").lower()]
        tokens.append(Token(kind, match.group(), match.start(), match.end(), value))
    return tokens


def find_phrases(text: str) -> list[tuple[int, int]]:
    """Character ranges of the runs of date tokens that name at least one month."""
    runs: list[list[Token]] = [[]]
    for token in tokenize(text):
        if token.kind == "other" or (token.kind == "day" and not 1 <= token.value <= 31):
            runs.append([])
        else:
            runs[-1].append(token)
    found = []
    for run in runs:
        # Trim words that only join or introduce dates from both ends.
        while run and run[0].kind in {"list", "dash", "filler"}:
            run = run[1:]
        while run and run[-1].kind in {"list", "dash", "filler", "qualifier"}:
            run = run[:-1]
        if any(t.kind == "month" for t in run):
            found.append((run[0].start, run[-1].end))
    return found


# --- layer 2: grammar ---------------------------------------------------------------------------


@dataclass
class _Partial:
    start_day: int | None
    start_month: int
    end_day: int | None
    end_month: int
    year: int | None = None
    end_year_explicit: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Day:
    """A day (or day range) waiting for its month; `and_before`: joined to the previous day by
    "and" ("14 and 15 May")."""

    day: int
    end_day: int | None
    and_before: bool = False


def _join_consecutive(days: list[_Day]) -> list[_Day]:
    """Consecutive days joined by "and" are one span: "14 and 15 May" is a two-day meeting, and
    so is a list whose days all follow each other ("6, 7 and 8 July"); "28 and 30 September" and
    "5, 6 and 9 July" stay separate days."""
    singles = all(d.end_day is None for d in days)
    if len(days) > 1 and singles and all(b.day == a.day + 1 for a, b in itertools.pairwise(days)):
        return [_Day(days[0].day, days[-1].day)]
    joined: list[_Day] = []
    for day in days:
        last = joined[-1] if joined else None
        if last and day.and_before and day.end_day is None and day.day == (last.end_day or last.day) + 1:
            last.end_day = day.day
        else:
            joined.append(_Day(day.day, day.end_day, day.and_before))
    return joined


def _parse_tokens(tokens: list[Token], join_consecutive: bool = True) -> list[_Partial]:
    partials: list[_Partial] = []
    pending: list[_Day] = []  # days waiting for their month
    unyeared = 0  # index in partials from which spans still lack an explicit year
    between = False
    i = 0

    def peek(offset: int, kind: str) -> Token | None:
        j = i + offset
        return tokens[j] if j < len(tokens) and tokens[j].kind == kind else None

    def is_and(token: Token) -> bool:
        return token.kind == "list" and token.text.lower() in {"and", "&"}

    def across(partial: _Partial) -> int:
        """A range whose end names its month after a complete start date: "31 October - 2
        November", "May 24 - May 27", "29 December 2016 to 3 January 2017", "December 29, 2016 -
        January 3, 2017". Sets the end on `partial`; returns the number of tokens read."""
        j = i + 1
        start_year = None
        if (
            j + 1 < len(tokens)
            and tokens[j].kind == "list"
            and tokens[j].text == ","
            and tokens[j + 1].kind == "year"
        ):
            j += 1
        if j < len(tokens) and tokens[j].kind == "year":
            start_year, j = tokens[j].value, j + 1
        if not (j < len(tokens) and tokens[j].kind == "dash"):
            return 0
        kinds = [t.kind for t in tokens[j + 1 : j + 3]]
        if kinds == ["day", "month"]:
            end_day, end_month = tokens[j + 1].value, tokens[j + 2].value
        elif kinds == ["month", "day"]:
            end_month, end_day = tokens[j + 1].value, tokens[j + 2].value
        else:
            return 0
        j += 3
        if (
            j + 1 < len(tokens)
            and tokens[j].kind == "list"
            and tokens[j].text == ","
            and tokens[j + 1].kind == "year"
        ):
            j += 1
        end_year = tokens[j].value if j < len(tokens) and tokens[j].kind == "year" else None
        if start_year is not None and end_year is None:
            return 0  # "3 May 2016 - 4 June": not a range this grammar knows
        partial.end_day, partial.end_month = end_day, end_month
        if start_year is not None:
            partial.year, partial.end_year_explicit = start_year, end_year
            return j - i  # the end year token is read by the main loop
        return j - i - 1

    while i < len(tokens):
        token = tokens[i]
        if token.kind == "filler" and token.text.lower() == "between":
            between = True
        elif token.kind == "day":
            range_end = None
            joiner = tokens[i + 1] if i + 1 < len(tokens) else None
            is_range = joiner is not None and (joiner.kind == "dash" or (between and is_and(joiner)))
            if is_range and peek(2, "day"):
                range_end = tokens[i + 2].value
                i += 2
                between = False
            and_before = i > 0 and is_and(tokens[i - 1]) and bool(pending)
            pending.append(_Day(token.value, range_end, and_before))
        elif token.kind == "month":
            month = token.value
            # "18-19 and March 24-25": the days before take the month, and it opens days of its own
            had_pending = bool(pending)
            month_first_too = had_pending and i > 0 and is_and(tokens[i - 1]) and bool(peek(1, "day"))
            if pending:
                days = _join_consecutive(pending) if join_consecutive else pending
                for day in days:
                    partials.append(_Partial(day.day, month, day.end_day or day.day, month))
                single = pending[-1].end_day is None and len(days) == len(pending)
                pending = []
                if single and not month_first_too:
                    i += across(partials[-1])
            if (not had_pending or month_first_too) and peek(1, "day"):
                # "November 12-14", "April 8 2021", "June 4", "May 14 and 15", "June 4, 11 and 18"
                days = [_Day(tokens[i + 1].value, None)]
                i += 1
                if peek(1, "dash") and peek(2, "day"):
                    days[0].end_day = tokens[i + 2].value
                    i += 2
                while peek(1, "list") and peek(2, "day") and not peek(3, "month"):
                    days.append(_Day(tokens[i + 2].value, None, is_and(tokens[i + 1])))
                    i += 2
                    if peek(1, "dash") and peek(2, "day"):  # "April 9-10 and 23-24"
                        days[-1].end_day = tokens[i + 2].value
                        i += 2
                if join_consecutive:
                    days = _join_consecutive(days)
                for day in days:
                    partials.append(_Partial(day.day, month, day.end_day or day.day, month))
                if (len(days) == 1 and days[0].end_day is None) or days[0].end_day == days[0].day:
                    i += across(partials[-1])
            elif not had_pending:
                qualified = i > 0 and tokens[i - 1].kind == "qualifier"
                partial = _Partial(None, month, None, month)
                if qualified:
                    partial.warnings.append(f"qualified month {tokens[i - 1].text!r}: month precision")
                partials.append(partial)
        elif token.kind == "year":
            for partial in partials[unyeared:]:
                if partial.year is None:
                    partial.year = token.value
                elif partial.end_year_explicit is None:
                    partial.end_year_explicit = token.value
            unyeared = len(partials)
        i += 1
    return partials


# --- layer 3: normalisation ---------------------------------------------------------------------


def _normalise(partial: _Partial, default_year: int | None) -> DateSpan:
    year = partial.year or default_year
    warnings = list(partial.warnings)
    if year is None:
        return DateSpan(None, None, "day" if partial.start_day else "month", (*warnings, "no year known"))
    if partial.start_day is None:
        last = calendar.monthrange(year, partial.start_month)[1]
        return DateSpan(
            date(year, partial.start_month, 1), date(year, partial.end_month, last), "month", tuple(warnings)
        )
    try:
        start = date(year, partial.start_month, partial.start_day)
    except ValueError:
        warnings.append(f"impossible date: day {partial.start_day} of month {partial.start_month}")
        return DateSpan(None, None, "day", tuple(warnings))
    end_year = partial.end_year_explicit or (year + 1 if partial.end_month < partial.start_month else year)
    try:
        end: date | None = date(end_year, partial.end_month, partial.end_day or partial.start_day)
    except ValueError:
        warnings.append(f"impossible end date: day {partial.end_day} of month {partial.end_month}")
        end = None
    if end is not None and end < start:
        warnings.append(f"impossible range: ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        end = None
    return DateSpan(start, end, "day", tuple(warnings))


def parse(phrase: str, default_year: int | None, join_consecutive: bool = True) -> list[DateSpan]:
    """Date spans of one date phrase; the phrase's own year wins over `default_year`. With
    `join_consecutive=False`, "14 and 15 May" is two one-day spans (to meet a stated count)."""
    spans = [_normalise(p, default_year) for p in _parse_tokens(tokenize(phrase), join_consecutive)]
    if join_consecutive and len(spans) == 2 and re.search(r"\band\b|&", phrase):
        return _over_month_end(*spans) or spans
    return spans


def _over_month_end(first: DateSpan, second: DateSpan) -> list[DateSpan] | None:
    """ "30 June and 1 July": consecutive days over a month end are one span, as "14 and 15 May"
    is; None for any other pair."""
    single_days = first.precision == second.precision == "day" and (first.start, second.start) == (
        first.end,
        second.end,
    )
    if not single_days or first.end is None or second.start is None:
        return None
    if (second.start - first.end).days != 1 or second.start.month == first.end.month:
        return None
    return [DateSpan(first.start, second.end, "day", first.warnings + second.warnings)]


def find_dates(text: str, default_year: int | None, offset: int = 0) -> list[DatePhrase]:
    """Every date phrase in `text` with its spans; offsets are shifted by `offset`."""
    phrases = []
    for start, end in find_phrases(text):
        spans = parse(text[start:end], default_year)
        if spans:
            apart = parse(text[start:end], default_year, join_consecutive=False)
            phrases.append(
                DatePhrase(text[start:end], start + offset, end + offset, tuple(spans), tuple(apart))
            )
    return phrases
