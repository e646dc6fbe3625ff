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
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

Precision = Literal["day", "month"]

# Month names and abbreviations, lower case, and their numbers: "january" and "jan" -> 1.
MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_TOKEN = re.compile(
    r"(?P<day>\b\d{1,2})(?:\s?(?P<suffix>st|nd|rd|th)\b)?(?!\d|[-/.]\d{3})"
    r"|(?P<year>\b(?:19|20)\d\d\b)"
    r"|(?P<month>\b(?:"
    + "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))
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
            value = MONTHS[match["month"].rstrip(".").lower()]
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


@dataclass(frozen=True)
class PartialDate:
    """A span as the grammar reads it: days and months, a year only where the phrase states one."""

    start_day: int | None
    start_month: int
    end_day: int | None
    end_month: int
    year: int | None = None
    end_year_explicit: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
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
            joined[-1] = replace(last, end_day=day.day)
        else:
            joined.append(day)
    return joined


def _is_and(token: Token) -> bool:
    return token.kind == "list" and token.text.lower() in {"and", "&"}


def _comma_year(tokens: list[Token], j: int) -> bool:
    """A comma and a year at tokens[j] ("December 29, 2016")."""
    return (
        j + 1 < len(tokens)
        and tokens[j].kind == "list"
        and tokens[j].text == ","
        and tokens[j + 1].kind == "year"
    )


def _across(tokens: list[Token], i: int, partial: PartialDate) -> tuple[PartialDate, int] | None:
    """A range whose end names its month after the complete start date `partial` that ends at
    tokens[i]: "31 October - 2 November", "May 24 - May 27", "29 December 2016 to 3 January
    2017", "December 29, 2016 - January 3, 2017". The partial with its end, and the number of
    tokens read; None when no such range follows."""
    j = i + 1
    start_year = None
    if _comma_year(tokens, j):
        j += 1
    if j < len(tokens) and tokens[j].kind == "year":
        start_year, j = tokens[j].value, j + 1
    if not (j < len(tokens) and tokens[j].kind == "dash"):
        return None
    kinds = [t.kind for t in tokens[j + 1 : j + 3]]
    if kinds == ["day", "month"]:
        end_day, end_month = tokens[j + 1].value, tokens[j + 2].value
    elif kinds == ["month", "day"]:
        end_month, end_day = tokens[j + 1].value, tokens[j + 2].value
    else:
        return None
    j += 3
    if _comma_year(tokens, j):
        j += 1
    end_year = tokens[j].value if j < len(tokens) and tokens[j].kind == "year" else None
    if start_year is not None and end_year is None:
        return None  # "3 May 2016 - 4 June": not a range this grammar knows
    partial = replace(partial, end_day=end_day, end_month=end_month)
    if start_year is not None:
        # The end year token is left to the main loop, which finds the end year set.
        return replace(partial, year=start_year, end_year_explicit=end_year), j - i
    return partial, j - i - 1


class _Grammar:
    """Reads tokens left to right: days wait for the month after them ("4, 11 and 18 June"), a
    month takes the days after it ("November 12-14"), a year applies to the spans before it
    that have none."""

    def __init__(self, tokens: list[Token], join_consecutive: bool):
        self.tokens = tokens
        self.join_consecutive = join_consecutive
        self.partials: list[PartialDate] = []
        self.pending: list[_Day] = []  # days waiting for their month
        self.unyeared = 0  # index in partials from which spans still lack an explicit year
        self.between = False  # after "between": "and" makes a range
        self.i = 0

    def parse(self) -> list[PartialDate]:
        while self.i < len(self.tokens):
            token = self.tokens[self.i]
            if token.kind == "filler" and token.text.lower() == "between":
                self.between = True
            elif token.kind == "day":
                self._day(token)
            elif token.kind == "month":
                self._month(token)
            elif token.kind == "year":
                self._year(token)
            self.i += 1
        return self.partials

    def _peek(self, offset: int, kind: str) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) and self.tokens[j].kind == kind else None

    def _day(self, token: Token) -> None:
        """A day, or a day range ("24-27", "between 14 and 16"), waiting for its month."""
        range_end = None
        joiner = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        is_range = joiner is not None and (joiner.kind == "dash" or (self.between and _is_and(joiner)))
        if is_range and self._peek(2, "day"):
            range_end = self.tokens[self.i + 2].value
            self.i += 2
            self.between = False
        and_before = self.i > 0 and _is_and(self.tokens[self.i - 1]) and bool(self.pending)
        self.pending.append(_Day(token.value, range_end, and_before))

    def _month(self, token: Token) -> None:
        month = token.value
        # "18-19 and March 24-25": the days before take the month, and it opens days of its own
        had_pending = bool(self.pending)
        month_first_too = (
            had_pending and self.i > 0 and _is_and(self.tokens[self.i - 1]) and bool(self._peek(1, "day"))
        )
        if had_pending:
            days = _join_consecutive(self.pending) if self.join_consecutive else self.pending
            self.partials += [PartialDate(d.day, month, d.end_day or d.day, month) for d in days]
            single = self.pending[-1].end_day is None and len(days) == len(self.pending)
            self.pending = []
            if single and not month_first_too:
                self._read_across()
        if (not had_pending or month_first_too) and self._peek(1, "day"):
            self._days_after(month)
        elif not had_pending:
            before = self.tokens[self.i - 1] if self.i > 0 else None
            qualified = before is not None and before.kind == "qualifier"
            warnings = (f"qualified month {before.text!r}: month precision",) if before and qualified else ()
            self.partials.append(PartialDate(None, month, None, month, warnings=warnings))

    def _days_after(self, month: int) -> None:
        """The days after a month: "November 12-14", "April 8 2021", "June 4", "May 14 and 15",
        "June 4, 11 and 18", "April 9-10 and 23-24"."""
        tokens = self.tokens
        days = [_Day(tokens[self.i + 1].value, None)]
        self.i += 1
        if self._peek(1, "dash") and self._peek(2, "day"):
            days[0] = replace(days[0], end_day=tokens[self.i + 2].value)
            self.i += 2
        while self._peek(1, "list") and self._peek(2, "day") and not self._peek(3, "month"):
            days.append(_Day(tokens[self.i + 2].value, None, _is_and(tokens[self.i + 1])))
            self.i += 2
            if self._peek(1, "dash") and self._peek(2, "day"):
                days[-1] = replace(days[-1], end_day=tokens[self.i + 2].value)
                self.i += 2
        if self.join_consecutive:
            days = _join_consecutive(days)
        self.partials += [PartialDate(d.day, month, d.end_day or d.day, month) for d in days]
        if (len(days) == 1 and days[0].end_day is None) or days[0].end_day == days[0].day:
            self._read_across()

    def _read_across(self) -> None:
        """The last span's end, when a range over months follows (`_across`)."""
        found = _across(self.tokens, self.i, self.partials[-1])
        if found is not None:
            self.partials[-1], read = found
            self.i += read

    def _year(self, token: Token) -> None:
        """A year: the year of the spans before it that have none, else their end year."""
        self.partials[self.unyeared :] = [_with_year(p, token.value) for p in self.partials[self.unyeared :]]
        self.unyeared = len(self.partials)


def _with_year(partial: PartialDate, year: int) -> PartialDate:
    if partial.year is None:
        return replace(partial, year=year)
    if partial.end_year_explicit is None:
        return replace(partial, end_year_explicit=year)
    return partial


def parse_tokens(tokens: list[Token], join_consecutive: bool = True) -> list[PartialDate]:
    """Layer 2: the spans the tokens of one phrase denote, years only where stated."""
    return _Grammar(tokens, join_consecutive).parse()


# --- layer 3: normalisation ---------------------------------------------------------------------


def normalise(partial: PartialDate, default_year: int | None) -> DateSpan:
    """Layer 3: a span's dates, in the phrase's year or else `default_year`; impossible days and
    ranges become warnings."""
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
    spans = [normalise(p, default_year) for p in parse_tokens(tokenize(phrase), join_consecutive)]
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
