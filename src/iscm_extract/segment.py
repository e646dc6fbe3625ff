"""Stage 3: split a newsletter into sections, one per ISCM plus the other parts of an issue.

A heading is recognised by what it says and where it stands, never by its line number:
  - it stands at a heading position: the document start, after a blank line, after a line that
    ends a sentence, or after another heading;
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
A heading with no text before the next one is a container, not a section.
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass, replace

from iscm_extract import listing
from iscm_extract.listing import ListSyntax
from iscm_extract.model import Document, DocumentInfo, Problem, Section, SectionKind
from iscm_extract.normalise import Resolver, split_name
from iscm_extract.rules import SectionRules
from iscm_extract.text import ENUMERATION, FUNCTION_WORDS, ends_open

# Section kinds under which ISCM headings are looked for; lists of themes and publications
# name ISCMs in every line and hold none of their sections.
_ISCM_SCOPE = {"front_matter", "iscm", "stats", "other", "global_meeting"}
_SENTENCE_END = re.compile(r"[.!?;]\"?$")
_URL_LINE = re.compile(r"(?:https?://|www\.)\S+")
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
_MAX_HEADING_LINES = 4


def unnumbered(text: str) -> str:
    """The heading without its enumeration: '3. Bali Process' -> 'Bali Process'."""
    return ENUMERATION.sub("", text, count=1)


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str  # stripped
    entry: bool = False  # a themes list entry cut from a run-together line (listing.py)


@dataclass(frozen=True)
class Heading:
    start: int  # where the section starts
    body_start: int  # where its text after the heading starts
    kind: SectionKind
    heading: str | None
    iscm_id: str | None
    text_patterns: tuple[re.Pattern[str], ...] = ()  # its text must match one, else kind "other"


def split_lines(text: str) -> list[Line]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(Line(offset, offset + len(raw), raw.strip()))
        offset += len(raw) + 1
    return lines


def _upper_case(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _upper_case_block(lines: list[Line], n: int) -> tuple[Line, int]:
    """An upper-case heading wrapped over lines ("MAIN MEETINGS BY INTER-STATE" / "CONSULTATION
    MECHANISMS ON MIGRATION") as one line, and the number of its last line; any other line as it is."""
    last = n
    while (
        last + 1 < min(n + _MAX_HEADING_LINES, len(lines))
        and _upper_case(lines[last].text)
        and _upper_case(lines[last + 1].text)
        and not _SENTENCE_END.search(lines[last].text)
    ):
        last += 1
    if last == n:
        return lines[n], n
    return Line(lines[n].start, lines[last].end, " ".join(line.text for line in lines[n : last + 1])), last


def _title_like(name: str) -> bool:
    words = [w for w in re.findall(r"[\w'+-]+", name) if w.lower() not in FUNCTION_WORDS]
    return bool(words) and sum(w[0].isupper() or w[0].isdigit() for w in words) / len(words) >= 0.75


class _HeadingFinder:
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
            and (not re.search(r",\s+[a-z]", text) or _title_like(text) or _upper_case(text))
            and (text.count('"') + text.count("“") + text.count("”")) % 2 == 0
            and not any(p.search(text) for p in self.rules.not_headings)
        )

    def by_rule(self, line: Line) -> Heading | None:
        text = unnumbered(line.text)
        for rule in self.rules.headings:
            if rule.title_only and not (_title_like(text) or _upper_case(text)):
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
        if conflict or (named_like_a_body and _title_like(name)):
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
        if letters >= self.rules.uppercase_heading_min_letters and _upper_case(line.text):
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
            if not _title_like(prefix) or not opens_text or not self.heading_like(prefix):
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


def _continues(lines: list[Line], n: int) -> bool:
    """The next line carries on line n's sentence ("The 14th Regional Dialogue" then "(22-23
    February) on ..."): a narrow column wraps a sentence into a heading-like line."""
    following = lines[n + 1].text if n + 1 < len(lines) else ""
    opens_item = bool(ENUMERATION.match(following))  # "a) Data: IGC, MIDWA" is a list's first item
    return bool(following) and not opens_item and (following[0].islower() or following[0] == "(")


def _wrapped_heading(
    finder: _HeadingFinder, lines: list[Line], n: int, iscm_scope: bool
) -> tuple[Heading, int] | None:
    """A heading that a narrow column wrapped over two to four lines ("Migration Dialogue for the" /
    "Intergovernmental Authority on" / "Development Region (IGAD-RCP)"): the joined lines name a
    section kind or resolve to a registry id. Returns the heading and its last line's number."""
    for last in range(min(n + _MAX_HEADING_LINES, len(lines)) - 1, n, -1):  # the longest first
        part = lines[n : last + 1]
        if not all(p.text for p in part) or any(re.search(r"[.!?;:)]$", p.text) for p in part[:-1]):
            continue  # a closing bracket ends a heading: "... Region (IGAD-RCP)"
        joined = Line(part[0].start, part[-1].end, " ".join(p.text for p in part))
        if not finder.heading_like(joined.text) or _continues(lines, last):
            continue
        heading = finder.by_rule(joined)
        if heading is None and iscm_scope:
            resolution = finder.resolver.resolve_heading(unnumbered(joined.text))
            if resolution is not None and resolution.iscm_id is not None:
                heading = finder.by_registry(joined)
        if heading is not None:
            text = finder.doc.text[joined.start : joined.end]
            as_written = " ".join(text.split())
            return Heading(joined.start, joined.end, heading.kind, as_written, heading.iscm_id), last
    return None


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


def find_headings(
    doc: Document,
    resolver: Resolver,
    rules: SectionRules,
    title: str | None = None,
    syntax: ListSyntax | None = None,
) -> tuple[list[Heading], list[Line], list[Problem]]:
    """Headings in reading order, the skipped 'continued' lines, and problems. With a list
    `syntax`, run-together themes lists are read entry by entry."""
    finder = _HeadingFinder(doc, resolver, rules)
    headings: list[Heading] = []
    skipped: list[Line] = []
    kind: SectionKind = "front_matter"
    current_id: str | None = None
    at_break = after_blank = True
    paragraph_start = previous_paragraph_start = 0
    lines, title_line = _title_apart(split_lines(doc.text), title)
    lines = _entry_lines(lines, syntax, resolver)
    consumed_until = -1  # lines of a heading wrapped over several lines
    for n, line in enumerate(lines):
        if n <= consumed_until:
            continue
        if not line.text:
            at_break = after_blank = True
            continue
        if line is title_line:
            at_break = True
            continue
        at_break = at_break or line.entry or _heads_a_list(lines, n, syntax)
        if after_blank:
            previous_paragraph_start, paragraph_start = paragraph_start, line.start
            after_blank = False
        if any(p.search(line.text) for p in rules.skip_lines):
            skipped.append(line)
            at_break = True
            continue
        heading = None
        skipped_prefix = finder.skipped_run_in(line)
        if skipped_prefix is not None:
            skipped.append(skipped_prefix)
            line = Line(skipped_prefix.end + 1, line.end, doc.text[skipped_prefix.end + 1 : line.end])
        line, last = _upper_case_block(lines, n) if skipped_prefix is None else (line, n)
        consumed_until = last
        if at_break and finder.heading_like(line.text) and not _continues(lines, last):
            heading = finder.by_rule(line)
            if heading is None and kind in _ISCM_SCOPE:
                heading = finder.by_registry(line)
            if heading is None:
                heading = finder.by_uppercase(line)
        if heading is None and at_break and last == n:
            wrapped = _wrapped_heading(finder, lines, n, kind in _ISCM_SCOPE)
            if wrapped is not None:
                heading, consumed_until = wrapped
                line = lines[consumed_until]
        if heading is None and at_break:
            heading = finder.run_in_capitals(line) or finder.run_in_rule(line)
        if heading is None:
            heading = finder.rule_before_entry(line, syntax)
        if heading is None and at_break and kind in _ISCM_SCOPE:
            heading = finder.run_in(line, current_id)
        if (
            heading is None
            and kind not in {"publications", "iscm", "global_meeting"}
            and _URL_LINE.fullmatch(line.text)
        ):
            # A list of titles with links is a publications section even where its heading was lost.
            start = previous_paragraph_start if paragraph_start == line.start else paragraph_start
            if not headings or start > headings[-1].start:
                heading = Heading(start, start, "publications", None, None)
        while heading is not None and line.start < heading.body_start < line.end:
            # A heading run into its text: the text may open with the next heading ("GLOBAL
            # INITIATIVES AND THEMATIC AREAS Global Initiatives Global Compact for Migration: ...").
            headings.append(heading)
            kind, current_id = heading.kind, heading.iscm_id
            rest = doc.text[heading.body_start : line.end]
            line = Line(line.end - len(rest.lstrip()), line.end, rest.strip())
            heading = finder.run_in_capitals(line) or finder.run_in_rule(line)
            if heading is None and kind in _ISCM_SCOPE:
                heading = finder.run_in(line, current_id)
        if heading is not None:
            headings.append(heading)
            kind, current_id = heading.kind, heading.iscm_id
            at_break = heading.body_start == line.end or bool(_SENTENCE_END.search(line.text))
        else:
            # A sentence end, a line without letters (a title block's "2016"), or a list item
            # (a heading may follow a list with no blank line: "- COP: PIDC" / "Thematic areas").
            at_break = (
                bool(_SENTENCE_END.search(line.text))
                or not re.search(r"[^\W\d_]", line.text)
                or bool(
                    syntax
                    and syntax.bullet.match(line.text)
                    and not line.text.endswith(",")
                    and not ends_open(line.text)
                )
            )
    return headings, skipped, finder.problems


def _slug(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:40]


def segment(
    doc: Document,
    info: DocumentInfo,
    resolver: Resolver,
    rules: SectionRules,
    syntax: ListSyntax | None = None,
) -> tuple[list[Section], list[Problem]]:
    """Sections of a newsletter in reading order; any other document is one section of kind other."""
    text = doc.text
    if info.kind in rules.read_as_page:
        iscm_id = page_iscm(text, info.title, resolver)
        return [Section(f"{doc.doc_id}/page", 0, "page", info.title, iscm_id, 0, len(text), text)], []
    if info.kind != "newsletter":
        return [Section(f"{doc.doc_id}/other", 0, "other", info.title, None, 0, len(text), text)], []
    headings, skipped, problems = find_headings(doc, resolver, rules, info.title, syntax)
    starts = _without_subtitles(text, [Heading(0, 0, "front_matter", None, None), *headings])
    sections: list[Section] = []
    used_ids: dict[str, int] = {}
    for i, heading in enumerate(starts):
        end = starts[i + 1].start if i + 1 < len(starts) else len(text)
        end = _trim_end(text, heading.start, end, skipped)
        body = text[heading.body_start : end]
        if not body.strip():
            continue  # a container heading, or nothing before the first heading
        if heading.text_patterns and not any(p.search(body) for p in heading.text_patterns):
            heading = replace(heading, kind="other", iscm_id=None)
        key = f"{heading.kind}:{heading.iscm_id or _slug(heading.heading) or heading.kind}"
        used_ids[key] = used_ids.get(key, 0) + 1
        if used_ids[key] > 1:
            key += f"-{used_ids[key]}"
        sections.append(
            Section(
                f"{doc.doc_id}/{key}",
                len(sections),
                heading.kind,
                heading.heading,
                heading.iscm_id,
                heading.start,
                end,
                text[heading.start : end],
            )
        )
    if not any(s.kind == "iscm" for s in sections):
        problems.append(Problem(doc.doc_id, "segment", "warning", "newsletter without any ISCM section", 0))
    return sections, problems


def _without_subtitles(text: str, headings: list[Heading]) -> list[Heading]:
    """Headings less the subtitles: a heading right under an ISCM's heading, with no text between,
    that names no ISCM ("Budapest Process" / "Main Meetings at a Glance", "RCM - Regional
    Conference on Migration" / "Delegates of the Regional Consultation" wrapped in a narrow
    column) is the first line of that ISCM's section, not a section of its own."""
    kept: list[Heading] = []
    for heading in headings:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and previous.kind == "iscm"
            and previous.iscm_id is not None
            and (
                heading.kind not in {"iscm", "global_meeting"}
                or (heading.kind == "iscm" and heading.iscm_id is None)
            )
            and not text[previous.body_start : heading.start].strip()
        ):
            continue
        kept.append(heading)
    return kept


def page_iscm(text: str, title: str | None, resolver: Resolver) -> str | None:
    """The ISCM a page is about: of those its title names, the one the text names most often;
    without one in the title, the one named most often (the first named on a tie).

    "News | IGAD Regional Consultative Process on Migration (IGAD RCP)" -> IGAD-RCP, even though
    one of its items is about the Khartoum Process.
    """
    named = [iscm_id for _, _, iscm_id in resolver.find_mentions(text)]
    if not named:
        return None
    in_title = {iscm_id for _, _, iscm_id in resolver.find_mentions(title or "")}
    candidates = [i for i in named if i in in_title] or named
    return max(dict.fromkeys(candidates), key=candidates.count)


def _trim_end(text: str, start: int, end: int, skipped: list[Line]) -> int:
    """Drop trailing blank space and 'continued' lines from a section's end."""
    while True:
        end = start + len(text[start:end].rstrip())
        tail = next((s for s in skipped if s.end == end and s.start >= start), None)
        if tail is None:
            return end
        end = tail.start
