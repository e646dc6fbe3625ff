"""Stage 2: what a document is (newsletter, meeting report, survey summary, other) and when.

Decided from the text, never from the file name.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from iscm_extract.facts.dates import MONTHS
from iscm_extract.model import Document, DocumentInfo, DocumentKind
from iscm_extract.rules import ClassifyRules
from iscm_extract.text import roman_to_int

# The months' names and three-letter abbreviations: dates.MONTHS less "sept", which a period line
# ("Sept - December 2023") has never been read with.
_MONTHS = {name: number for name, number in MONTHS.items() if name != "sept"}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# A period stands on a line of its own ("January - December 2023"), unlike dates in prose.
_PERIOD = re.compile(rf"^\s*({_MONTH})\.?\s*(?:(\d{{4}})\s*)?-\s*({_MONTH})\.?\s+(\d{{4}})\s*$", re.I | re.M)
_ISSUE = re.compile(r"\bIssue\s+(?:No\.?\s*)?([IVXLCDM]+|\d+)\b")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _kind(head: str, rules: ClassifyRules) -> DocumentKind:
    for rule in rules.kinds:
        if any(p.search(head) for p in rule.patterns):
            return rule.kind  # type: ignore[return-value]  # validated against DOCUMENT_KINDS on load
    return "other"


def _title(head: str, kind: DocumentKind, rules: ClassifyRules) -> str | None:
    lines = [line.strip() for line in head.split("\n") if line.strip()]
    if kind != "newsletter":
        return lines[0] if lines else None
    for rule in rules.kinds:
        if rule.kind == kind:
            for line in lines:
                for pattern in rule.patterns:
                    found = pattern.search(line)
                    if found is None:
                        continue
                    # A whole issue flattened into one line: the title is the words up to the
                    # match ("ISCM 2020 Highlights 5+5 Dialogue ..." -> "ISCM 2020 Highlights").
                    return line if len(line.split()) <= rules.max_title_words else line[: found.end()]
    return lines[0] if lines else None


def classify(document: Document, rules: ClassifyRules) -> DocumentInfo:
    head = document.text[: rules.window]
    kind = _kind(head, rules)
    issue = _ISSUE.search(head)
    issue_number = None
    if issue:
        issue_number = int(issue[1]) if issue[1].isdigit() else roman_to_int(issue[1])
    period_start = period_end = None
    year = None
    period = _PERIOD.search(head)
    if period:
        end_year = int(period[4])
        start_year = int(period[2]) if period[2] else end_year
        start_month, end_month = _MONTHS[period[1].lower()], _MONTHS[period[3].lower()]
        period_start = date(start_year, start_month, 1)
        period_end = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
        year = end_year
    title = _title(head, kind, rules)
    stamps = sorted((m.start(), m.end()) for pattern in rules.stamps for m in pattern.finditer(document.text))
    if year is None:
        # "ISCM 2020 Highlights": the year of the title, else of the page's first publication
        # stamp or dateline, else the first year the text names.
        stamp_years = [_YEAR.findall(document.text[start:end])[-1:] for start, end in stamps]
        found = _YEAR.search(title or "")
        if found:
            year = int(found[1])
        elif any(stamp_years):
            year = int(next(y for y in stamp_years if y)[0])
        elif found := _YEAR.search(head):
            year = int(found[1])
        if year is not None and kind == "newsletter":
            period_start, period_end = date(year, 1, 1), date(year, 12, 31)
    return DocumentInfo(kind, title, issue_number, period_start, period_end, year, tuple(stamps))
