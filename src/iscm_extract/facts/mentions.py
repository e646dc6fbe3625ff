"""Meetings, step 1: mentions. One mention per meeting phrase of a section's body.

spaCy (nlp.py) marks meeting phrases; here phrases that name one event become one mention, and
each mention's name is extended to the left over ordinals, counts and name words:

    "Senior Officials' Meetings, SOM"        -> one mention (an appositive acronym)
    "meeting of the Taskforce"               -> one mention (a merge head, `merge_of_heads`)
    "regional training course"               -> one mention (two meeting words side by side)
    "the 4th Regional Ministerial Meeting"   -> name "4th Regional Ministerial Meeting", ordinal 4
    "Over 20 thematic meetings"              -> count 20, qualifier "over"

The body is cut into clauses (`clauses`), the unit the later steps read a meeting's words in;
a subtitle line ("**Key Events and Outcomes**") names what follows and holds no mention.
Offsets are into the body text.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import spacy.tokens
from spacy.tokens import Doc
from spacy.util import filter_spans

from iscm_extract.facts import nlp
from iscm_extract.facts.numbers import ORDINAL, NumberReader, roman
from iscm_extract.meeting_rules import MentionCues, NumberWords
from iscm_extract.model import Document, Section, Span
from iscm_extract.text import ends_open


@dataclass(frozen=True)
class SectionBody:
    """A section's body as the meeting steps read it: its spaCy doc (the text after the heading),
    where it starts in the document, the year dates default to and the publication stamps in it
    (relative to the body)."""

    document: Document
    section: Section
    offset: int
    sdoc: Doc
    year: int | None
    stamps: tuple[Span, ...] = ()

    @property
    def text(self) -> str:
        return self.sdoc.text

    @functools.cached_property
    def paragraphs(self) -> tuple[Span, ...]:
        return tuple(Span(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", self.text))


@dataclass(frozen=True)
class Mention:
    """A meeting phrase in a section body; offsets are into the body text."""

    start: int  # of the phrase
    end: int
    name_start: int  # after extension over ordinals, counts and name words
    meeting_type: str | None  # None for a bare meeting word, typed later
    body: bool
    tokens: tuple[str, ...] = ()  # the name's words
    ordinal: int | None = None
    count: int | None = None
    count_qualifier: str | None = None
    generic: bool = False  # a bare meeting word ("Meetings"), not a typed phrase


# --- clauses and subtitles ----------------------------------------------------------------------


def clauses(text: str, line_breaks: frozenset[int] = frozenset()) -> list[Span]:
    """Clauses: split at sentence ends, at semicolons outside parentheses, at blank lines and at
    the `line_breaks` given (the ends of subtitle lines, see `subtitle_lines`)."""
    bounds, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        end_here = (
            (char == ";" and depth == 0)
            or (char == "." and depth == 0 and (i + 1 == len(text) or text[i + 1].isspace()))
            or (char == "\n" and (text[i + 1 : i + 2] == "\n" or i in line_breaks))
        )
        if end_here:
            if text[start : i + 1].strip():
                bounds.append(Span(start, i + 1))
            start = i + 1
    if text[start:].strip():
        bounds.append(Span(start, len(text)))
    return bounds


_LINE = re.compile(r"[^\n]+")


def subtitle_lines(document: Document, start: int, end: int) -> list[Span]:
    """The subtitle lines of document.text[start:end], relative to `start`: a line set in bold as
    a whole, at a paragraph start, that ends no sentence and no phrase (`ends_open`) and is
    followed by a line in regular type opening with a capital ("**Key Events and Outcomes**" /
    "Webinars, 16 January, ..."). It names what follows, not an event: its words ("Events") are
    no meeting and no part of the sentence under it."""
    text = document.text[start:end]

    def bold(line: re.Match[str]) -> float:
        return document.bold_fraction(start + line.start(), start + line.end())

    found = []
    lines = list(_LINE.finditer(text))
    for line, following in itertools.pairwise(lines):
        before = text[: line.start()]
        at_paragraph_start = not before.strip() or bool(re.search(r"\n[ \t]*\n$|[.!?:][ \t]*\n$", before))
        if (
            at_paragraph_start
            and following.start() == line.end() + 1
            and following[0][:1].isupper()
            and not re.search(r"[.!?:;,]\W*$", line[0])
            and "," not in line[0]
            and not ends_open(line[0])
            and bold(line) == 1.0
            and bold(following) < 1.0
        ):
            found.append(Span(line.start(), line.end()))
    return found


# --- mentions -----------------------------------------------------------------------------------

_OF_THE = re.compile(r"^\s+of\s+(?:the\s+)?(?:[\w'-]+\s+){0,4}$", re.I)
_APPOSITION = re.compile(r"^\s*[,(]\s*$")
_ADJACENT = re.compile(r"^[ \t]*$")
_BULLETS = frozenset("-*•–—▪◦·")


class MentionFinder:
    def __init__(self, cues: MentionCues, numbers: NumberWords):
        self.cues = cues
        self.number_words = numbers
        self.numbers = NumberReader(numbers)

    def find(self, sdoc: Doc, subtitles: Sequence[Span] = ()) -> list[Mention]:
        """The meeting phrases of a section, one mention per phrase; none in a subtitle line, and
        no name reaching back into one."""
        spans = sorted(filter_spans(list(sdoc.spans[nlp.SPANS_KEY])), key=lambda s: s.start)
        mentions: list[Mention] = []
        previous: spacy.tokens.Span | None = None
        for span in spans:
            if any(line.start <= span.start_char < line.end for line in subtitles):
                continue
            last = mentions[-1] if mentions else None
            if last and span.start_char < last.end:
                continue  # inside the last one's name ("Friends of the Forum"): one phrase, one mention
            label = span.label_
            kind, _, role = label.partition("|")
            mention = Mention(
                span.start_char,
                span.end_char,
                span.start_char,
                None if label == nlp.GENERIC_LABEL else kind,
                role == "body",
                generic=label == nlp.GENERIC_LABEL,
            )
            merged = None
            if last is not None and previous is not None:
                merged = self._merged(sdoc, last, previous, span, mention)
            if merged is not None:
                mentions[-1] = merged
            else:
                ends = [line.end for line in subtitles if line.end <= span.start_char]
                floor = max([last.end if last else 0, *ends])
                mentions.append(self._named(sdoc, span, mention, floor))
            previous = span
        return mentions

    def _merged(
        self, sdoc: Doc, last: Mention, previous: spacy.tokens.Span, span: spacy.tokens.Span, mention: Mention
    ) -> Mention | None:
        """`last` grown over `span` when the two phrases name one event; None when they do not."""
        between = sdoc.text[last.end : span.start_char]
        if _ADJACENT.match(between):
            # "regional training course": two meeting words, one phrase
            meeting_type = last.meeting_type if last.meeting_type is not None else mention.meeting_type
            body = last.body and mention.body
            return replace(last, end=name_end(sdoc, span), meeting_type=meeting_type, body=body)
        if _OF_THE.match(between) and self._is_merge_head(previous):
            return replace(last, end=name_end(sdoc, span), meeting_type=mention.meeting_type, body=False)
        if _APPOSITION.match(between) and span.text.isupper() and last.meeting_type == mention.meeting_type:
            closing = 1 if sdoc.text[span.end_char : span.end_char + 1] == ")" else 0
            return replace(last, end=span.end_char + closing)
        return None

    def _is_merge_head(self, span: spacy.tokens.Span) -> bool:
        last = span[-1].norm_
        return any(last in nlp.word_forms(head) for head in self.cues.merge_of_heads)

    def _named(self, sdoc: Doc, span: spacy.tokens.Span, mention: Mention, floor: int) -> Mention:
        """The mention with its name extended to the left (not before `floor`) and to the right,
        and the ordinal and count its name's words state."""
        words: list[str] = []
        name_start = span.start_char
        j = span.start - 1
        while j >= 0 and sdoc[j].idx >= floor:
            token = sdoc[j]
            if token.is_space and token.text.count("\n") < 2:
                j -= 1
                continue  # a name wrapped over two lines
            if not self._extends_name(sdoc, j, span):
                break
            words.insert(0, token.text)
            name_start = token.idx
            j -= 1
        while words and words[0] == "-":
            words.pop(0)
            name_start = sdoc.text.index(words[0], name_start) if words else span.start_char
        count, count_qualifier = self.numbers.count(words)
        return replace(
            mention,
            name_start=name_start,
            end=name_end(sdoc, span),
            tokens=(*words, *(t.text for t in span)),
            ordinal=self.numbers.ordinal(words),
            count=count,
            count_qualifier=count_qualifier,
        )

    def _extends_name(self, sdoc: Doc, j: int, span: spacy.tokens.Span) -> bool:
        """Whether token j, left of the phrase, belongs to its name: an ordinal, a count and its
        qualifier ("more than 20"), a modifier or a capitalised name word; not an article, a
        list bullet or a date."""
        token = sdoc[j]
        text, lower = token.text, token.lower_
        if token.is_space or lower in {"the", "a", "an"}:
            return False
        if text in _BULLETS and (j == 0 or "\n" in sdoc[j - 1].text_with_ws or sdoc[j - 1].is_space):
            return False  # a list bullet opens the entry: the line before is another entry
        numeric = (
            token.like_num
            or bool(ORDINAL.match(text))
            or lower in self.number_words.ordinal_words
            or lower in {"th", "st", "nd", "rd"}
            or roman(text) is not None
        )
        qualifier = (
            any(lower == q.split()[-1] for q in self.number_words.count_qualifiers)
            and j + 1 < span.start
            and sdoc[j + 1].like_num
        )
        name_word = (text[:1].isupper() and token.is_alpha) or (
            text[:1].isupper() and "-" not in text and token.is_alpha is False and text.isalnum()
        )
        if not (
            numeric
            or qualifier
            or lower in self.cues.modifiers
            or name_word
            or text == "-"
            or (lower == "more" and j + 1 < span.start and sdoc[j + 1].lower_ == "than")
            or lower == "than"
        ):
            return False
        return not (token.ent_type_ == "DATE" and not numeric)


def name_end(sdoc: Doc, span: spacy.tokens.Span) -> int:
    """A phrase ending in a function word goes on: "Friends of the" + "Quito Process"."""
    if not span[-1].is_stop:
        return span.end_char
    tail = re.match(r"(?:\s+[A-Z][\w'-]*)+", sdoc.text[span.end_char :])
    return span.end_char + (tail.end() if tail else 0)
