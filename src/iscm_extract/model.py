"""Plain data passed between the stages. Every stage takes and returns these, nothing else."""

from __future__ import annotations

import bisect
import hashlib
from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

InputFormat = Literal["pdf", "txt", "md"]
DocumentKind = Literal["newsletter", "meeting_report", "survey_summary", "web_page", "other"]
SectionKind = Literal[
    "iscm",
    "global_meeting",
    "themes",
    "global_initiatives",
    "publications",
    "stats",
    "front_matter",
    "other",
    "page",
]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Link(Span):
    """A hyperlink of the source over text[start:end]."""

    url: str


@dataclass(frozen=True)
class Document:
    """One input after ingest. `text` is the normalised text every char offset refers to."""

    doc_id: str
    source_path: str
    input_format: InputFormat
    sha256: str
    text: str
    # source_offsets[i] is the offset in the raw input (decoded text or PDF text layer) of text[i];
    # an array of 32-bit integers, not a tuple: a tuple of Python ints costs ~36 bytes a character.
    source_offsets: array[int] = field(compare=False, repr=False)
    bold: tuple[Span, ...] = ()
    links: tuple[Link, ...] = ()
    blocks: tuple[Span, ...] = ()
    # Offsets where each page starts; empty for text input.
    page_starts: tuple[int, ...] = ()

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def n_pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_at(self, offset: int) -> int | None:
        """1-based page number of a text offset, None for text input."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)

    def bold_fraction(self, start: int, end: int) -> float:
        """Share of the non-space characters in [start, end) that were bold in the source."""
        chars = [i for i in range(start, end) if not self.text[i].isspace()]
        if not chars:
            return 0.0
        bold = sum(1 for i in chars if any(s.start <= i < s.end for s in self.bold))
        return bold / len(chars)


@dataclass(frozen=True)
class DocumentInfo:
    """What classify learns about a document as a whole."""

    kind: DocumentKind
    title: str | None
    issue_number: int | None
    period_start: date | None
    period_end: date | None
    year: int | None
    # Character ranges of publication stamps and datelines: dates there date the page, not a meeting.
    stamps: tuple[tuple[int, int], ...] = ()


def lines_with_offsets(text: str, start: int = 0) -> list[tuple[str, int]]:
    """The lines of `text`, each with the offset where it starts (plus `start`)."""
    found, offset = [], start
    for line in text.split("\n"):
        found.append((line, offset))
        offset += len(line) + 1
    return found


@dataclass(frozen=True)
class Section:
    section_id: str
    order: int
    kind: SectionKind
    heading: str | None
    iscm_id: str | None
    char_start: int
    char_end: int
    text: str

    def lines(self) -> list[tuple[str, int]]:
        """The section's lines with their offsets in the document."""
        return lines_with_offsets(self.text, self.char_start)


@dataclass(frozen=True)
class Problem:
    doc_id: str
    stage: str
    severity: Severity
    message: str
    char_start: int | None = None


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving one name: iscm_id is None when it stays unresolved."""

    alias: str
    iscm_id: str | None
    method: Literal["registry", "definition", "fuzzy"] | None
    score: float


@dataclass(frozen=True)
class MeetingRecord:
    """One meeting record (SPEC section 7): a meeting phrase with one of its date spans."""

    meeting_id: str
    mention_id: str
    doc_id: str
    section_id: str
    iscm_id: str | None
    joint_with: tuple[str, ...]
    meeting_type: str
    level: str
    name: str
    ordinal: int | None
    stated_count: int | None
    count_qualifier: str | None
    start_date: date | None
    end_date: date | None
    date_precision: str | None
    date_raw: str | None
    city: str | None
    country: str | None
    format: str | None
    topic: str | None
    outcomes: tuple[str, ...]
    evidence: str
    char_start: int
    char_end: int
    page: int | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Definition:
    """A name the document itself defines for a registry body ("Long Name (ACR)", acronym lists)."""

    alias: str
    iscm_id: str
    char_start: int

    @property
    def alias_key(self) -> tuple[str, str, str]:
        """What its aliases row counts it under: (alias, iscm_id, method)."""
        return (self.alias, self.iscm_id, "definition")


@dataclass(frozen=True)
class ThemeRow:
    """One (theme, ISCM) pair of a "Theme: member, member [N ISCMs]" line."""

    group: str  # global_initiative | thematic_area
    theme: str  # as written
    theme_id: str | None
    iscm_id: str | None  # "*" for "all ISCMs"; None when the member is not in the registry
    member: str  # as written
    stated_count: int | None
    listed_count: int | None
    count_ok: bool | None
    evidence: str
    char_start: int  # the member's span
    char_end: int


@dataclass(frozen=True)
class Publication:
    iscm_id: str | None
    title: str
    url: str | None
    year: int | None
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Anniversary:
    iscm_id: str | None
    years: int
    evidence: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class HeadlineStat:
    section_id: str
    metric: str
    value: int
    unit: str  # count | percent
    evidence: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Participant:
    """One row of a report's participant table."""

    row_no: int
    group: str  # iscm | host
    organisation: str  # the ISCM or organisation column as written
    iscm_ids: tuple[str, ...]
    roles: tuple[str | None, ...]  # aligned with iscm_ids
    name: str
    position: str
    char_start: int
    char_end: int

    @property
    def role(self) -> str | None:
        distinct = list(dict.fromkeys(r for r in self.roles if r))
        return "; ".join(distinct) or None


@dataclass(frozen=True)
class Speaker:
    row_no: int
    name: str
    position: str
    iscm_ids: tuple[str, ...]
    char_start: int
    char_end: int


@dataclass(frozen=True)
class SurveyRespondent:
    iscm_id: str | None
    name: str  # as written
    char_start: int
    char_end: int


@dataclass
class Facts:
    """What stage 6 finds besides meetings."""

    themes: list[ThemeRow] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    anniversaries: list[Anniversary] = field(default_factory=list)
    headline_stats: list[HeadlineStat] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)
    survey_respondents: list[SurveyRespondent] = field(default_factory=list)


@dataclass
class DocumentResult:
    """Everything extracted from one document; the writer turns a list of these into tables."""

    document: Document
    info: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)


@dataclass
class FailedInput:
    """An input that could not be read at all: it still leaves a documents row and a problem."""

    doc_id: str
    source_path: str
    sha256: str | None
    problem: Problem
