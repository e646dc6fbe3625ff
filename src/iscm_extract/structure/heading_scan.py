"""Headings in reading order: the scan that walks a newsletter's lines and asks headings.py's
recognisers at each heading position.

The scan keeps what a line alone cannot tell:
  - the heading position: the document start, after a blank line, after the issue's title, after
    a line that ends a sentence, has no letters ("2016") or is a list item, or after another
    heading; a line right before a list's first item is one too ("Thematic areas" / "- Borders");
  - the section it is in: ISCM headings are looked for only in some kinds of section (a list of
    themes names ISCMs in every line and holds none of their sections);
  - the lines a heading spans: one wrapped over lines is read once, as one line.
A line tries, in order: a heading of its own (a rule, the registry, capitals; wrapped over lines),
a heading run into its text ("MAIN MEETINGS BY ISCMS In 2023, ..."), a rule heading before a
list's first entry, an ISCM's name opening its text ("Almaty Process The 4th SOM, ..."); a line of
links where no heading was found opens a publications section. A heading run into its text may
be followed by another ("GLOBAL INITIATIVES AND THEMATIC AREAS Global Initiatives Global Compact
for Migration: ..."). "Continued" lines ("MAIN MEETINGS (CONTINUED)") are skipped, and returned
so that sections can end before them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from iscm_extract.model import Document, Problem, SectionKind
from iscm_extract.rules import SectionRules
from iscm_extract.structure import listing
from iscm_extract.structure.headings import (
    MAX_HEADING_LINES,
    Heading,
    HeadingFinder,
    Line,
    continues,
    upper_case,
    wrapped_heading,
)
from iscm_extract.structure.listing import ListSyntax
from iscm_extract.structure.normalise import Resolver
from iscm_extract.text import FUNCTION_WORDS, ends_open

# Section kinds under which ISCM headings are looked for; lists of themes and publications
# name ISCMs in every line and hold none of their sections.
_ISCM_SCOPE = {"front_matter", "iscm", "stats", "other", "global_meeting"}
_SENTENCE_END = re.compile(r"[.!?;]\"?$")
_URL_LINE = re.compile(r"(?:https?://|www\.)\S+")


def split_lines(text: str) -> list[Line]:
    """The text's lines, stripped, with their offsets: "A\n B" -> Line(0, 1, "A"), Line(2, 4, "B")."""
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(Line(offset, offset + len(raw), raw.strip()))
        offset += len(raw) + 1
    return lines


def _upper_case_block(lines: list[Line], n: int) -> tuple[Line, int]:
    """An upper-case heading wrapped over lines ("MAIN MEETINGS BY INTER-STATE" / "CONSULTATION
    MECHANISMS ON MIGRATION") as one line, and the number of its last line; any other line as it is."""
    last = n
    while (
        last + 1 < min(n + MAX_HEADING_LINES, len(lines))
        and upper_case(lines[last].text)
        and upper_case(lines[last + 1].text)
        and not _SENTENCE_END.search(lines[last].text)
    ):
        last += 1
    if last == n:
        return lines[n], n
    return Line(lines[n].start, lines[last].end, " ".join(line.text for line in lines[n : last + 1])), last


def _title_apart(lines: list[Line], title: str | None) -> tuple[list[Line], Line | None]:
    """The lines with the issue's title on a line of its own, and that line. A whole issue
    flattened into one line opens with its title ("ISCM 2020 Highlights 5+5 Dialogue on ..."):
    the rest of that line starts after a break, like the text under a title."""
    first = next((n for n, line in enumerate(lines) if line.text), None)
    if first is None or not title:
        return lines, None
    line = lines[first]
    if not line.text.startswith(title) or not line.text[len(title) :].startswith(" "):
        return lines, None
    title_line = Line(line.start, line.start + len(title), title)
    rest = line.text[len(title) :].lstrip()
    rest_start = line.end - len(rest)
    return [*lines[:first], title_line, Line(rest_start, line.end, rest), *lines[first + 1 :]], title_line


def _heads_a_list(lines: list[Line], n: int, syntax: ListSyntax | None) -> bool:
    """Line n stands right before a list's first item, after a line that ends no phrase: a
    heading may sit between two lists with no blank line ("- COP: PIDC [2" / "ISCMs]" /
    "Thematic areas" / "- Borders: ...")."""
    if syntax is None or n == 0 or n + 1 >= len(lines) or syntax.bullet.match(lines[n].text):
        return False
    previous = lines[n - 1].text
    opens_list = bool(syntax.bullet.match(lines[n + 1].text))
    return (
        opens_list
        and bool(previous)
        and not previous.endswith(",")
        and previous.split()[-1].lower() not in FUNCTION_WORDS
    )


def _entry_lines(lines: list[Line], syntax: ListSyntax | None, resolver: Resolver) -> list[Line]:
    """The lines with each run-together themes list cut into one line per entry: a heading that
    runs into an entry ("Thematic Areas Asylum and refugees: ...") then opens its line."""
    if syntax is None:
        return lines
    cut: list[Line] = []
    for line in lines:
        starts = [0, *listing.entry_starts(line.text, syntax, resolver), len(line.text)]
        if len(starts) == 2:
            cut.append(line)  # the same line (the title line is known by identity)
            continue
        lead = line.end - len(line.text) if line.text else line.start
        for a, b in itertools.pairwise(starts):
            piece = line.text[a:b]
            cut.append(Line(lead + a, lead + a + len(piece.rstrip()), piece.strip(), entry=a > 0))
    return cut


@dataclass(frozen=True)
class FoundHeadings:
    headings: list[Heading]  # in reading order
    skipped: list[Line]  # "continued" lines, which no section ends with
    problems: list[Problem]


def find_headings(
    doc: Document,
    resolver: Resolver,
    rules: SectionRules,
    title: str | None = None,
    syntax: ListSyntax | None = None,
) -> FoundHeadings:
    """Headings in reading order, the skipped 'continued' lines, and problems. With a list
    `syntax`, run-together themes lists are read entry by entry."""
    lines, title_line = _title_apart(split_lines(doc.text), title)
    scan = _Scan(HeadingFinder(doc, resolver, rules), _entry_lines(lines, syntax, resolver), syntax)
    for n, line in enumerate(scan.lines):
        if n <= scan.consumed_until:
            continue  # a line of a heading wrapped over several lines
        if not line.text:
            scan.at_break = scan.after_blank = True
        elif line is title_line:
            scan.at_break = True
        else:
            scan.read(n, line)
    return FoundHeadings(scan.headings, scan.skipped, scan.finder.problems)


class _Scan:
    """The state of one pass over a document's lines (see the module docstring)."""

    def __init__(self, finder: HeadingFinder, lines: list[Line], syntax: ListSyntax | None):
        self.finder, self.lines, self.syntax = finder, lines, syntax
        self.headings: list[Heading] = []
        self.skipped: list[Line] = []
        self.kind: SectionKind = "front_matter"  # of the section being read
        self.current_id: str | None = None  # its ISCM
        self.at_break = self.after_blank = True  # at a heading position; after a blank line
        self.paragraph_start = self.previous_paragraph_start = 0
        self.consumed_until = -1  # the last line of a heading wrapped over several lines

    @property
    def in_iscm_scope(self) -> bool:
        return self.kind in _ISCM_SCOPE

    def read(self, n: int, line: Line) -> None:
        """Line n (not blank): a heading, a skipped line or text."""
        self.at_break = self.at_break or line.entry or _heads_a_list(self.lines, n, self.syntax)
        if self.after_blank:
            self.previous_paragraph_start, self.paragraph_start = self.paragraph_start, line.start
            self.after_blank = False
        if any(p.search(line.text) for p in self.finder.rules.skip_lines):
            self.skipped.append(line)
            self.at_break = True
            return
        line, heading = self._heading_at(n, line)
        if heading is None:
            heading = self._run_in_heading(line) or self._publications_by_links(line)
        self._take(line, heading)

    def _heading_at(self, n: int, line: Line) -> tuple[Line, Heading | None]:
        """A heading standing on line n, alone or wrapped over the lines after it (upper-case or
        narrow column): the line read, and the heading or None."""
        finder, heading = self.finder, None
        skipped_prefix = finder.skipped_run_in(line)
        if skipped_prefix is not None:
            self.skipped.append(skipped_prefix)
            rest_start = skipped_prefix.end + 1
            line = Line(rest_start, line.end, finder.doc.text[rest_start : line.end])
        line, last = _upper_case_block(self.lines, n) if skipped_prefix is None else (line, n)
        self.consumed_until = last
        if self.at_break and finder.heading_like(line.text) and not continues(self.lines, last):
            heading = finder.by_rule(line)
            if heading is None and self.in_iscm_scope:
                heading = finder.by_registry(line)
            if heading is None:
                heading = finder.by_uppercase(line)
        if heading is None and self.at_break and last == n:
            wrapped = wrapped_heading(finder, self.lines, n, self.in_iscm_scope)
            if wrapped is not None:
                heading, self.consumed_until = wrapped.heading, wrapped.last_line
                line = self.lines[self.consumed_until]
        return line, heading

    def _run_in_heading(self, line: Line) -> Heading | None:
        """A heading run into the line's text, or a rule heading before a list's first entry."""
        heading = None
        if self.at_break:
            heading = self.finder.run_in_capitals(line) or self.finder.run_in_rule(line)
        if heading is None:
            heading = self.finder.rule_before_entry(line, self.syntax)
        if heading is None and self.at_break and self.in_iscm_scope:
            heading = self.finder.run_in(line, self.current_id)
        return heading

    def _publications_by_links(self, line: Line) -> Heading | None:
        """A list of titles with links is a publications section even where its heading was lost:
        it starts with the paragraph (the one before, when the link opens a paragraph)."""
        if self.kind in {"publications", "iscm", "global_meeting"} or not _URL_LINE.fullmatch(line.text):
            return None
        start = self.previous_paragraph_start if self.paragraph_start == line.start else self.paragraph_start
        if not self.headings or start > self.headings[-1].start:
            return Heading(start, start, "publications", None, None)
        return None

    def _take(self, line: Line, heading: Heading | None) -> None:
        """Record the line's heading, and those run into its text after it; set the position."""
        while heading is not None and line.start < heading.body_start < line.end:
            # A heading run into its text: the text may open with the next heading ("GLOBAL
            # INITIATIVES AND THEMATIC AREAS Global Initiatives Global Compact for Migration: ...").
            self._open(heading)
            rest = self.finder.doc.text[heading.body_start : line.end]
            line = Line(line.end - len(rest.lstrip()), line.end, rest.strip())
            heading = self.finder.run_in_capitals(line) or self.finder.run_in_rule(line)
            if heading is None and self.in_iscm_scope:
                heading = self.finder.run_in(line, self.current_id)
        if heading is not None:
            self._open(heading)
            self.at_break = heading.body_start == line.end or bool(_SENTENCE_END.search(line.text))
        else:
            self.at_break = _ends_phrase(line.text, self.syntax)

    def _open(self, heading: Heading) -> None:
        self.headings.append(heading)
        self.kind, self.current_id = heading.kind, heading.iscm_id


def _ends_phrase(text: str, syntax: ListSyntax | None) -> bool:
    """A sentence end, a line without letters (a title block's "2016"), or a list item (a
    heading may follow a list with no blank line: "- COP: PIDC" / "Thematic areas")."""
    return (
        bool(_SENTENCE_END.search(text))
        or not re.search(r"[^\W\d_]", text)
        or bool(syntax and syntax.bullet.match(text) and not text.endswith(",") and not ends_open(text))
    )
