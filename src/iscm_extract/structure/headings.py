"""What a heading line is: the recognisers that segment.py's scan (heading_scan.py) asks, line
by line, whether a line, or the start of one, heads a section.

A heading is recognised by what it says and where it stands, never by its line number:
  - it stands at a heading position: the document start, after a blank line, after a line that
    ends a sentence, or after another heading (the scan knows the position; heading_scan.py);
  - it is short, ends no sentence and no list line (a comma), and the next line does not carry
    its sentence on (a lower-case word or a parenthesis: a wrap in a narrow column);
  - it names a section kind of rules/sections.yaml, or resolves to a registry id (an ISCM
    heading, with or without its acronym), or reads like an ISCM's name (reported unresolved),
    or is an upper-case title (kind "other").
A heading may be numbered ("3. Bali Process"), wrapped over two to four lines by a narrow column
(joined, the longest join first), or in capitals over several lines. A list entry ("Data: A, B")
and a line with an unclosed bracket or quote are never headings.
A run-in heading ("Almaty Process The 4th SOM, ...", text flattened from a PDF; ingest has cut
such a text at its sentences) is the longest line prefix that resolves exactly to a registry id
and is followed by a capitalised sentence, a run of capitals ("MAIN MEETINGS ... In 2023"), or a
title-case prefix that a rule names ("Global Initiatives Global Compact ...").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

from iscm_extract.model import Document, Problem, SectionKind
from iscm_extract.rules import SectionRules
from iscm_extract.structure import listing
from iscm_extract.structure.listing import ListSyntax
from iscm_extract.structure.normalise import Resolver, split_name
from iscm_extract.text import ENUMERATION, FUNCTION_WORDS

# A heading in capitals run into its text: words in capitals ("ISCMs" too), numbers and brackets,
# then a capitalised word in lower case; a comma or colon makes it a list, not a heading.
_CAPITALS_RUN = re.compile(
    r"[^\sa-z,;:]*[A-Z][^\sa-z,;:]*(?:s\b)?:? (?:[^\sa-z,;:]+(?:s\b)?:? )*(?=[A-Z][a-z]|[AI] [a-z])"
)
# Words that end a capitals run but open the text after it: an article or pronoun of one letter
# ("... FOR ISCMS A High-level webinar"), days before a month ("... (GRCP 9) 10-11 November").
_RUN_TAIL = re.compile(r"(?: (?:A|I))+$")
_DAYS_TAIL = re.compile(r"(?: [^\sA-Za-z]*\d[^\sA-Za-z]*(?<!\)))+$")
_MONTH = re.compile("(?:" + "|".join(m for m in calendar.month_name if m) + r")\b")
# A heading wrapped by a narrow column continues over at most this many lines.
MAX_HEADING_LINES = 4


def unnumbered(text: str) -> str:
    """The heading without its enumeration: '3. Bali Process' -> 'Bali Process'."""
    return ENUMERATION.sub("", text, count=1)


@dataclass(frozen=True)
class Line:
    """A line of the document (or a part of one) and where it stands in the document's text."""

    start: int
    end: int
    text: str  # stripped
    entry: bool = False  # a themes list entry cut from a run-together line (listing.py)


@dataclass(frozen=True)
class Heading:
    """A section's heading as found: its kind, its text as written, its ISCM when it names one."""

    start: int  # where the section starts
    body_start: int  # where its text after the heading starts
    kind: SectionKind
    heading: str | None
    iscm_id: str | None
    text_patterns: tuple[re.Pattern[str], ...] = ()  # its text must match one, else kind "other"


def upper_case(text: str) -> bool:
    """Four letters in five or more in capitals: "MAIN MEETINGS BY ISCMs"."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def title_like(name: str) -> bool:
    """Three words in four or more, function words aside, capitalised or numbers: "Migration Dialogue for the
    Intergovernmental Authority on Development"."""
    words = [w for w in re.findall(r"[\w'+-]+", name) if w.lower() not in FUNCTION_WORDS]
    return bool(words) and sum(w[0].isupper() or w[0].isdigit() for w in words) / len(words) >= 0.75


class HeadingFinder:
    """The recognisers of one document; the ISCM headings it has seen, and its problems."""

    def __init__(self, doc: Document, resolver: Resolver, rules: SectionRules):
        self.doc, self.resolver, self.rules = doc, resolver, rules
        self.problems: list[Problem] = []
        self.seen_ids: set[str] = set()

    def heading_like(self, text: str) -> bool:
        return (
            len(text.split()) <= self.rules.max_heading_words
            and not text.endswith((".", ","))  # a comma: the line continues (a wrapped list)
            # "... as the Coordinator of the Global Meeting of": a wrapped sentence, not a heading
            and text.rsplit(maxsplit=1)[-1].lower() not in FUNCTION_WORDS
            # An unclosed bracket or quote: a sentence wrapped by a narrow column ('... "Secretariats
            # as ... on Migration" (19').
            and text.count("(") == text.count(")")
            # A clause after a comma, in lower case, in a line that is no title: prose ("Following
            # this, the chairs asked the Coordinator of the Global Meeting of ISCMs to draft").
            and (not re.search(r",\s+[a-z]", text) or title_like(text) or upper_case(text))
            and (text.count('"') + text.count("“") + text.count("”")) % 2 == 0
            and not any(p.search(text) for p in self.rules.not_headings)
        )

    def by_rule(self, line: Line) -> Heading | None:
        text = unnumbered(line.text)
        for rule in self.rules.headings:
            if rule.title_only and not (title_like(text) or upper_case(text)):
                continue
            if any(p.search(text) for p in rule.patterns):
                return Heading(line.start, line.end, rule.kind, line.text, rule.iscm_id, rule.text_patterns)  # type: ignore[arg-type]
        return None

    def by_registry(self, line: Line) -> Heading | None:
        resolution = self.resolver.resolve_heading(unnumbered(line.text))
        if resolution is not None and resolution.iscm_id is not None:
            self.seen_ids.add(resolution.iscm_id)
            return Heading(line.start, line.end, "iscm", line.text, resolution.iscm_id)
        name, _ = split_name(unnumbered(line.text))
        last_word = name.split()[-1].casefold() if name.split() else ""
        conflict = resolution is not None
        # A bracket inside the name ("Sixth SOM (26 May) on Almaty Process") is a sentence wrapped
        # in a narrow column, not a body's name.
        named_like_a_body = last_word in self.rules.iscm_heading_nouns and "(" not in name
        if conflict or (named_like_a_body and title_like(name)):
            why = "its long name and acronym name different bodies" if conflict else "no registry id matches"
            self.problems.append(
                Problem(
                    self.doc.doc_id,
                    "segment",
                    "warning",
                    f"unresolved ISCM heading {line.text!r}: {why}",
                    line.start,
                )
            )
            return Heading(line.start, line.end, "iscm", line.text, None)
        return None

    def by_uppercase(self, line: Line) -> Heading | None:
        letters = sum(c.isalpha() for c in line.text)
        if letters >= self.rules.uppercase_heading_min_letters and upper_case(line.text):
            return Heading(line.start, line.end, "other", line.text, None)
        return None

    def run_in_capitals(self, line: Line) -> Heading | None:
        """A heading in capitals run into its text ("MAIN MEETINGS BY ISCMS In 2023, 21 ISCMs held"):
        the run of upper-case words before a capitalised word in lower case."""
        run = _CAPITALS_RUN.match(line.text + " ")
        if run is None or run.end() >= len(line.text):
            return None
        prefix = _RUN_TAIL.sub("", run[0].strip())
        if _MONTH.match(line.text, run.end()):
            prefix = _DAYS_TAIL.sub("", prefix)
        colon = prefix.endswith(":")  # "MEETINGS OF THE MECHANISMS: Bali Process ..."
        prefix = prefix.removesuffix(":")
        too_short = sum(c.isalpha() for c in prefix) < self.rules.uppercase_heading_min_letters
        if too_short or len(prefix.split()) < 2 or not self.heading_like(prefix):
            return None
        # The longest part a rule names: "SELECTED 2023 PUBLICATIONS GRCP 10 Summary Report" is
        # the heading "SELECTED 2023 PUBLICATIONS" over a title that opens with an acronym.
        words = prefix.split(" ")
        for n in range(len(words), 1, -1):
            part = " ".join(words[:n])
            heading = self.by_rule(Line(line.start, line.start + len(part), part))
            if heading is not None:
                after_colon = colon and n == len(words)
                return replace(heading, body_start=heading.body_start + 1) if after_colon else heading
        return Heading(line.start, line.start + len(prefix) + colon, "other", prefix, None)

    def skipped_run_in(self, line: Line) -> Line | None:
        """A 'continued' line run into the text ("MAIN MEETINGS (CONTINUED) Regional ..."): its
        words, to be skipped like the line of its own it was."""
        for pattern in self.rules.skip_lines:
            for match in re.finditer(r" (?=[A-Z])", line.text):
                if pattern.search(line.text[: match.start()]):
                    return Line(line.start, line.start + match.start(), line.text[: match.start()])
        return None

    def run_in_rule(self, line: Line) -> Heading | None:
        """A rule heading in title case run into its text ("Global Initiatives Global Compact for
        Migration: ..."): the longest prefix of capitalised words that a rule names."""
        tokens = line.text.split(" ")
        if not re.search(r"[.:;!?]", line.text):
            return None  # no text after it, only more title ("... Publications 2019-2020 (X)")
        for n in range(min(len(tokens) - 1, 8), 0, -1):
            prefix = " ".join(tokens[:n])
            opens_text = tokens[n][:1].isupper() or tokens[n][:1].isdigit()  # "... 2030 Agenda: A, B"
            if not title_like(prefix) or not opens_text or not self.heading_like(prefix):
                continue
            heading = self.by_rule(Line(line.start, line.start + len(prefix), prefix))
            if heading is not None:
                return heading
        return None

    def rule_before_entry(self, line: Line, syntax: ListSyntax | None) -> Heading | None:
        """A rule heading run in between text and a list's first entry ("... and the UNFCCC
        Thematic Areas Anti-discrimination: GFMD, Quito Process"): the first word from which a
        run-in rule heading reads."""
        separator = listing.first_entry(line.text, syntax, self.resolver) if syntax else None
        if separator is None:
            return None
        for word in re.finditer(r"(?<= )[A-Z]", line.text[:separator]):
            rest = line.text[word.start() :]
            heading = self.run_in_rule(Line(line.end - len(rest), line.end, rest))
            if heading is not None:
                return heading
        return None

    def run_in(self, line: Line, current_id: str | None) -> Heading | None:
        tokens = line.text.split(" ")
        for n in range(min(len(tokens) - 3, self.rules.max_heading_words), 0, -1):
            prefix, rest = " ".join(tokens[:n]), tokens[n]
            if prefix.count("(") != prefix.count(")") or not (rest[0].isupper() or rest[0].isdigit()):
                continue
            resolution = self.resolver.resolve_heading(prefix, fuzzy=False, record=False)
            if resolution is None or resolution.iscm_id is None:
                continue
            if resolution.iscm_id == current_id or resolution.iscm_id in self.seen_ids:
                return None  # the section's own name opening a sentence, not a new section
            self.resolver.resolve_heading(prefix, fuzzy=False)  # record the alias
            self.seen_ids.add(resolution.iscm_id)
            offset = self.doc.text.index(prefix, line.start)
            return Heading(line.start, offset + len(prefix), "iscm", prefix, resolution.iscm_id)
        return None


def continues(lines: list[Line], n: int) -> bool:
    """The next line carries on line n's sentence ("The 14th Regional Dialogue" then "(22-23
    February) on ..."): a narrow column wraps a sentence into a heading-like line."""
    following = lines[n + 1].text if n + 1 < len(lines) else ""
    opens_item = bool(ENUMERATION.match(following))  # "a) Data: IGC, MIDWA" is a list's first item
    return bool(following) and not opens_item and (following[0].islower() or following[0] == "(")


@dataclass(frozen=True)
class WrappedHeading:
    heading: Heading
    last_line: int  # the number of the last line it was wrapped over


def wrapped_heading(
    finder: HeadingFinder, lines: list[Line], n: int, iscm_scope: bool
) -> WrappedHeading | None:
    """A heading that a narrow column wrapped over two to four lines ("Migration Dialogue for the" /
    "Intergovernmental Authority on" / "Development Region (IGAD-RCP)"): the joined lines name a
    section kind or resolve to a registry id."""
    for last in range(min(n + MAX_HEADING_LINES, len(lines)) - 1, n, -1):  # the longest first
        part = lines[n : last + 1]
        if not all(p.text for p in part) or any(re.search(r"[.!?;:)]$", p.text) for p in part[:-1]):
            continue  # a closing bracket ends a heading: "... Region (IGAD-RCP)"
        joined = Line(part[0].start, part[-1].end, " ".join(p.text for p in part))
        if not finder.heading_like(joined.text) or continues(lines, last):
            continue
        heading = finder.by_rule(joined)
        if heading is None and iscm_scope:
            # Recorded here and again by by_registry: the aliases table counts both.
            resolution = finder.resolver.resolve_heading(unnumbered(joined.text))
            if resolution is not None and resolution.iscm_id is not None:
                heading = finder.by_registry(joined)
        if heading is not None:
            text = finder.doc.text[joined.start : joined.end]
            as_written = " ".join(text.split())
            return WrappedHeading(
                Heading(joined.start, joined.end, heading.kind, as_written, heading.iscm_id), last
            )
    return None
