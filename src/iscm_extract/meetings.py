"""Stage 5: meetings. One record per meeting phrase and date span (SPEC section 7).

For each ISCM section the spaCy pipeline (nlp.py) marks meeting phrases; then, by rules:
  1. mentions: phrases merged where they name one event ("meeting of the Taskforce",
     "Senior Officials' Meetings, SOM"), extended to the left over ordinals, counts and name words;
  2. attachments: each mention owns the text up to the next mention in its clause; dates
     (dates.py), places, formats, outcomes and topics are read from it; coordinated mentions
     without dates of their own share the next one's ("The SOM and the 4th Ministerial Meeting,
     23-24 January");
  3. records: one per date span, or one undated, with a stable meeting_id.
spaCy's entities are evidence: a GPE after a date is a city when no country names it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from iscm_extract import dates, nlp
from iscm_extract.attachments import AttachmentReader, Place
from iscm_extract.model import Document, DocumentInfo, MeetingRecord, Problem, Section
from iscm_extract.normalise import Resolver
from iscm_extract.numbers import ORDINAL, NumberReader, roman
from iscm_extract.rules import MeetingRules, PlaceRules
from iscm_extract.text import ends_open


@dataclass
class Mention:
    """A meeting phrase in a section body; offsets are into the body text."""

    start: int  # of the phrase
    end: int
    name_start: int  # after extension over ordinals, counts and name words
    meeting_type: str | None  # None for a bare meeting word, typed later
    body: bool
    tokens: list[str] = field(default_factory=list)  # the name's words
    ordinal: int | None = None
    count: int | None = None
    count_qualifier: str | None = None
    generic: bool = False  # a bare meeting word ("Meetings"), not a typed phrase


# --- clauses ------------------------------------------------------------------------------------


def clauses(text: str, line_breaks: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
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
                bounds.append((start, i + 1))
            start = i + 1
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


@dataclass(frozen=True)
class _Event:
    """What names the one meeting of a global-meeting section or a report."""

    name: str  # its heading or title
    section_id: str
    iscm_id: str | None
    cues: str  # the text its format is read from
    char_start: int
    default_type: str | None = None  # its type when the name holds no meeting phrase


_LINE = re.compile(r"[^\n]+")


def subtitle_lines(document: Document, start: int, end: int) -> list[tuple[int, int]]:
    """The subtitle lines of document.text[start:end], as (start, end) relative to `start`: a line
    set in bold as a whole, at a paragraph start, that ends no sentence and no phrase (`ends_open`)
    and is followed by a line in regular type opening with a capital ("**Key Events and
    Outcomes**" / "Webinars, 16 January, ..."). It names what follows, not an event: its words
    ("Events") are no meeting and no part of the sentence under it."""
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
            found.append((line.start(), line.end()))
    return found


# --- the extractor ------------------------------------------------------------------------------

_COORDINATION = re.compile(r"^\s*(?:,|and|,\s*and|&|;\s*and)?\s*(?:the\s+|a\s+)?$", re.I)
_OF_THE = re.compile(r"^\s+of\s+(?:the\s+)?(?:[\w'-]+\s+){0,4}$", re.I)
_APPOSITION = re.compile(r"^\s*[,(]\s*$")
_LABEL = re.compile(r"^\s*:\s*$")
_ADJACENT = re.compile(r"^[ \t]*$")
_BULLETS = frozenset("-*•–—▪◦·")


class MeetingExtractor:
    def __init__(self, rules: MeetingRules, places: PlaceRules):
        self.rules = rules
        self.numbers = NumberReader(rules)
        self.attach = AttachmentReader(rules, places)
        self.nlp = nlp.load_pipeline(rules)

    # -- public ---------------------------------------------------------------------------------

    def extract(
        self, document: Document, info: DocumentInfo, sections: Sequence[Section], resolver: Resolver
    ) -> tuple[list[MeetingRecord], list[Problem]]:
        year = info.year
        records: list[MeetingRecord] = []
        problems: list[Problem] = []
        targets = [s for s in sections if s.kind in {"iscm", "global_meeting", "page"}]
        bodies = [(s, _body_start(s)) for s in targets]
        docs = self.nlp.pipe([document.text[start : s.char_end] for s, start in bodies])
        for (section, start), sdoc in zip(bodies, docs, strict=True):
            if section.kind == "global_meeting" and not self._names_several(section.heading or ""):
                found = self._global_meeting(document, section, start, sdoc, year)
            else:
                # An ISCM's section, a page, or a global-meeting section whose heading names
                # several meetings ("MEETINGS OF ALL ISCMs CONVENED BY IOM"): read meeting by meeting.
                stamps = [
                    (a - start, b - start) for a, b in info.stamps if a < section.char_end and b > start
                ]
                found = self._section(document, section, start, sdoc, year, resolver, stamps)
            records += found
        if info.kind == "meeting_report":
            records += self._report(document, info, resolver)
        for record in records:
            problems += [
                Problem(document.doc_id, "meetings", "warning", f"{record.name}: {w}", record.char_start)
                for w in record.warnings
            ]
        return _with_ids(records), problems

    # -- ISCM sections --------------------------------------------------------------------------

    def _section(
        self,
        document: Document,
        section: Section,
        offset: int,
        sdoc: Doc,
        year: int | None,
        resolver: Resolver,
        stamps: Sequence[tuple[int, int]] = (),
    ) -> list[MeetingRecord]:
        """The meetings of an ISCM's section, or of a page (each booked to the ISCM its sentence names)."""
        text = sdoc.text
        subtitles = subtitle_lines(document, offset, offset + len(text))
        mentions = self._mentions(sdoc, subtitles)
        records: list[MeetingRecord] = []
        paragraph_bounds = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text)]
        for clause_start, clause_end in clauses(text, frozenset(b for _, b in subtitles)):
            in_clause = [m for m in mentions if clause_start <= m.start < clause_end]
            in_clause = self._drop_parts_and_plans(text, clause_start, in_clause)
            owners = {
                m.start: _sentence_iscm(text, clause_start, clause_end, m, resolver) or section.iscm_id
                if section.kind == "page"
                else section.iscm_id
                for m in in_clause
            }
            for mention in in_clause:
                self._type(mention, text, owners[mention.start], resolver)
            _share_counts(text, in_clause)
            # Dropping a mention widens its neighbours' windows: repeat until none is dropped.
            while True:
                attachments = [
                    self._attachment(text, sdoc, clause_start, clause_end, in_clause, i, year, stamps)
                    for i in range(len(in_clause))
                ]
                kept = [
                    m
                    for m, a in zip(in_clause, attachments, strict=True)
                    if not self._dropped(m, text, a, on_page=section.kind == "page")
                ]
                if len(kept) == len(in_clause):
                    break
                in_clause = kept
            for i, mention in enumerate(in_clause):
                window, pre, phrases = attachments[i]
                shared_tail = None
                if not phrases and _coordinated(text, mention, window, in_clause[i + 1 : i + 2]):
                    # Coordinated with the next mention: share its date span, or its place and format.
                    later = [(m, a) for m, a in zip(in_clause[i + 1 :], attachments[i + 1 :], strict=True)]
                    phrases = next((a[2] for _, a in later if a[2]), [])
                    if not phrases and later:
                        shared_tail = text[later[0][0].end : later[0][1][0]]
                if i + 1 < len(in_clause) and _LABEL.match(text[mention.end : in_clause[i + 1].name_start]):
                    continue  # "Joint RCM and SACM Meetings: Plenary Meeting (...)": a label
                context = text[clause_start:clause_end]
                own_id = owners[mention.start]
                joint = self._joint(text, mention, window, pre, clause_start, own_id, resolver)
                paragraph = next(
                    (p for p in paragraph_bounds if p[0] <= mention.start < p[1]), (0, len(text))
                )
                own_paragraph = text[paragraph[0] : paragraph[1]].strip() == context.strip()
                ids = [own_id]
                if joint and own_paragraph and context.lstrip().lower().startswith("joint"):
                    ids = [own_id, *joint]  # a joint meeting in its own paragraph: one record per ISCM
                for iscm_id in ids:
                    others = tuple(sorted(i for i in {own_id, *joint} if i is not None and i != iscm_id))
                    records += self._records(
                        document,
                        section,
                        offset,
                        sdoc,
                        mention,
                        iscm_id,
                        others,
                        phrases,
                        window,
                        pre,
                        context,
                        clause_start,
                        year,
                        shared_tail,
                    )
        return records

    def _mentions(self, sdoc: Doc, subtitles: Sequence[tuple[int, int]] = ()) -> list[Mention]:
        """The meeting phrases of a section, one mention per phrase; none in a subtitle line, and
        no name reaching back into one."""
        spans = sorted(filter_spans(list(sdoc.spans[nlp.SPANS_KEY])), key=lambda s: s.start)
        mentions: list[Mention] = []
        previous: Span | None = None
        for span in spans:
            if any(a <= span.start_char < b for a, b in subtitles):
                continue
            floor = max(
                [mentions[-1].end if mentions else 0, *(b for _, b in subtitles if b <= span.start_char)]
            )
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
            between = sdoc.text[mentions[-1].end : span.start_char] if mentions else ""
            last = mentions[-1] if mentions else None
            if last and span.start_char < last.end:
                continue  # inside the last one's name ("Friends of the Forum"): one phrase, one mention
            if last and previous is not None and _ADJACENT.match(between):
                # "regional training course": two meeting words, one phrase
                last.end = _name_end(sdoc, span)
                if mention.meeting_type is not None and last.meeting_type is None:
                    last.meeting_type = mention.meeting_type
                last.body = last.body and mention.body
            elif last and previous is not None and _OF_THE.match(between) and self._is_merge_head(previous):
                last.end, last.meeting_type, last.body = _name_end(sdoc, span), mention.meeting_type, False
            elif (
                last
                and previous is not None
                and _APPOSITION.match(between)
                and span.text.isupper()
                and last.meeting_type == mention.meeting_type
            ):
                last.end = span.end_char + (1 if sdoc.text[span.end_char : span.end_char + 1] == ")" else 0)
            else:
                self._extend_left(sdoc, span, mention, floor)
                mention.end = _name_end(sdoc, span)
                mentions.append(mention)
            previous = span
        return mentions

    def _is_merge_head(self, span: Span) -> bool:
        last = span[-1].norm_
        return any(last in nlp.word_forms(head) for head in self.rules.merge_of_heads)

    def _extend_left(self, sdoc: Doc, span: Span, mention: Mention, floor: int) -> None:
        rules = self.rules
        words: list[str] = []
        j = span.start - 1
        while j >= 0 and sdoc[j].idx >= floor:
            token = sdoc[j]
            text, lower = token.text, token.lower_
            if token.is_space and token.text.count("\n") < 2:
                j -= 1
                continue  # a name wrapped over two lines
            if token.is_space or lower in {"the", "a", "an"}:
                break
            if text in _BULLETS and (j == 0 or "\n" in sdoc[j - 1].text_with_ws or sdoc[j - 1].is_space):
                break  # a list bullet opens the entry: the line before is another entry
            numeric = (
                token.like_num
                or bool(ORDINAL.match(text))
                or lower in rules.ordinal_words
                or lower in {"th", "st", "nd", "rd"}
                or roman(text) is not None
            )
            qualifier = (
                any(lower == q.split()[-1] for q in rules.count_qualifiers)
                and j + 1 < span.start
                and sdoc[j + 1].like_num
            )
            name_word = (text[:1].isupper() and token.is_alpha) or (
                text[:1].isupper() and "-" not in text and token.is_alpha is False and text.isalnum()
            )
            if not (
                numeric
                or qualifier
                or lower in rules.modifiers
                or name_word
                or text == "-"
                or (lower == "more" and j + 1 < span.start and sdoc[j + 1].lower_ == "than")
                or lower == "than"
            ):
                break
            if token.ent_type_ == "DATE" and not numeric:
                break
            words.insert(0, text)
            mention.name_start = token.idx
            j -= 1
        while words and words[0] == "-":
            words.pop(0)
            mention.name_start = sdoc.text.index(words[0], mention.name_start) if words else span.start_char
        mention.tokens = words + [t.text for t in span]
        mention.ordinal = self.numbers.ordinal(words)
        mention.count, mention.count_qualifier = self.numbers.count(words)

    def _type(self, mention: Mention, text: str, own_id: str | None, resolver: Resolver) -> None:
        found = resolver.find_mentions(text[mention.name_start : mention.end + 80])
        phrase_start, phrase_end = mention.start - mention.name_start, mention.end - mention.name_start
        own = [(s, e) for s, e, i in found if i == own_id and s < phrase_end]
        names_own = bool(own)
        is_own_name = any(s < phrase_end and e > phrase_start for s, e in own)
        if mention.meeting_type is None:
            mention.meeting_type = (
                self.rules.generic_with_ordinal
                if mention.ordinal is not None or names_own
                else self.rules.generic_default
            )
        elif (mention.meeting_type in self.rules.own_name_makes_regular and names_own) or (
            mention.meeting_type in self.rules.own_full_name_makes_regular and is_own_name
        ):
            mention.meeting_type = self.rules.generic_with_ordinal

    def _drop_parts_and_plans(self, text: str, clause_start: int, mentions: list[Mention]) -> list[Mention]:
        kept: list[Mention] = []
        lowered = text.lower()
        part_from = _first_cue(lowered, clause_start, self.rules.part_of_cues, after=True)
        # Once a clause says a meeting is only prepared ("in preparation for a Steering Group
        # Ministerial meeting and 2022 ... Conference"), the meetings after it are plans.
        plan_from = _first_cue(lowered, clause_start, self.rules.not_held_cues_before, after=False)
        for mention in mentions:
            if mention.start >= part_from:
                continue  # "featured roundtable discussions, a youth forum": parts of another event
            if mention.name_start >= plan_from:
                continue
            after = lowered[mention.end : mention.end + 25].lstrip(" ,")
            if any(after.startswith(c) for c in self.rules.not_held_cues_after):
                continue
            if kept and mention.meeting_type is None and self._possessive_before(lowered, mention):
                # "the Working Group ... held its third meeting": the group's own meeting, one record
                kept[-1].ordinal = kept[-1].ordinal or mention.ordinal
                kept[-1].body = False
                continue
            kept.append(mention)
        return kept

    def _possessive_before(self, lowered: str, mention: Mention) -> bool:
        before = lowered[max(0, mention.name_start - 12) : mention.name_start].split()
        return bool(before) and before[-1] in self.rules.possessive_determiners

    def _attachment(
        self,
        text: str,
        sdoc: Doc,
        clause_start: int,
        clause_end: int,
        mentions: list[Mention],
        i: int,
        year: int | None,
        stamps: Sequence[tuple[int, int]] = (),
    ) -> tuple[int, tuple[int, int] | None, list[dates.DatePhrase]]:
        def meeting_dates(found: list[dates.DatePhrase]) -> list[dates.DatePhrase]:
            # A publication stamp or dateline dates the page, not the meeting.
            return [p for p in found if not any(a <= p.char_start < b for a, b in stamps)]

        mention = mentions[i]
        window = mentions[i + 1].name_start if i + 1 < len(mentions) else clause_end
        phrases = meeting_dates(dates.find_dates(text[mention.end : window], year, offset=mention.end))
        pre = (clause_start, mention.name_start) if i == 0 else None
        if not phrases and pre is not None:
            # Before the phrase ("On 19 January, the Steering Committee met"): the nearest date.
            phrases = meeting_dates(dates.find_dates(text[pre[0] : pre[1]], year, offset=pre[0]))[-1:]
        if not phrases and stamps and self._says_same_day(text[clause_start:clause_end]):
            # "DUBAI, 23 January 2024 - Ministers met today": the dateline's own date.
            before = [(a, b) for a, b in stamps if b <= mention.start]
            if before:
                a, b = before[-1]
                phrases = dates.find_dates(text[a:b], year, offset=a)[-1:]
        if not phrases:
            # spaCy's DATE entities as evidence for a date the rules did not read.
            for ent in sdoc.ents:
                if ent.label_ == "DATE" and mention.end <= ent.start_char < window:
                    phrases += meeting_dates(dates.find_dates(ent.text, year, offset=ent.start_char))
        return window, pre, phrases

    def _says_same_day(self, clause: str) -> bool:
        return any(re.search(rf"\b{re.escape(w)}\b", clause, re.I) for w in self.rules.same_day_words)

    def _dropped(
        self,
        mention: Mention,
        text: str,
        attachment: tuple[int, tuple[int, int] | None, list[dates.DatePhrase]],
        on_page: bool = False,
    ) -> bool:
        """A mention that is no meeting of its own: a group without a meeting word, date or count,
        a type that needs a date or count, a meeting word that refers back ("the meeting"), or on
        a web page a bare meeting word with nothing of its own (a menu's "Meetings")."""
        window, _, phrases = attachment
        has_date, has_count = bool(phrases), mention.count is not None
        if on_page and mention.generic and not has_date and not has_count and mention.ordinal is None:
            return True
        if not phrases and _COORDINATION.match(text[mention.end : window]) and mention.count is None:
            return False  # shares the date of the mention it is coordinated with
        if mention.body and not has_date and not has_count:
            return True
        if mention.meeting_type in self.rules.need_date_or_count and not has_date and not has_count:
            return True
        before = text[max(0, mention.start - 12) : mention.start].lower().split()
        generic_only = len(mention.tokens) <= 2 and mention.ordinal is None and not has_count
        return bool(
            generic_only
            and not has_date
            and before
            and before[-1] in self.rules.anaphora_determiners
            and mention.name_start == mention.start
        )

    def _joint(
        self,
        text: str,
        mention: Mention,
        window: int,
        pre: tuple[int, int] | None,
        clause_start: int,
        own_id: str | None,
        resolver: Resolver,
    ) -> list[str]:
        ids = [i for _, _, i in resolver.find_mentions(text[mention.name_start : mention.end])]
        tail = text[mention.end : window]
        cue = re.search(r"\b(between|with)\b", tail)
        if cue:
            ids += [i for _, _, i in resolver.find_mentions(tail[cue.end() :])]
        head = text[clause_start : mention.name_start]
        if head.lstrip().lower().startswith("joint"):
            ids += [i for _, _, i in resolver.find_mentions(head)]
        return sorted({i for i in ids if i != own_id})

    # -- attachments per date phrase ---------------------------------------------------------------

    def _records(
        self,
        document: Document,
        section: Section,
        offset: int,
        sdoc: Doc,
        mention: Mention,
        iscm_id: str | None,
        joint: tuple[str, ...],
        phrases: list[dates.DatePhrase],
        window: int,
        pre: tuple[int, int] | None,
        context: str,
        clause_start: int,
        year: int | None,
        shared_tail: str | None = None,
    ) -> list[MeetingRecord]:
        text = sdoc.text
        meeting_type = mention.meeting_type or self.rules.generic_default
        name = text[mention.name_start : mention.end]
        tail = shared_tail if shared_tail is not None else text[mention.end : window]
        lead = self.attach.appositive(tail) if not phrases or phrases[0].char_start > mention.end + 2 else ""
        base = MeetingRecord(
            meeting_id="",
            mention_id=f"{section.section_id}@{offset + mention.start}",
            doc_id=document.doc_id,
            section_id=section.section_id,
            iscm_id=iscm_id,
            joint_with=joint,
            meeting_type=meeting_type,
            level=self.rules.levels[meeting_type],
            name=" ".join(name.split()),
            ordinal=mention.ordinal,
            stated_count=mention.count,
            count_qualifier=mention.count_qualifier,
            start_date=None,
            end_date=None,
            date_precision=None,
            date_raw=None,
            city=None,
            country=None,
            format=None,
            topic=self.attach.topic(tail),
            outcomes=self.attach.outcomes(tail),
            evidence=" ".join(context.split()),
            char_start=offset + mention.name_start,
            char_end=offset + max(window, mention.end),
            page=document.page_at(offset + mention.name_start),
            warnings=(),
        )
        base_place = self.attach.place(
            self.attach.appositive(tail[len(lead) - len(lead.lstrip()) :]) if lead else "", sdoc, 0
        )
        # The meeting's own words: its name, what stands between the name and its date ("a
        # technical meeting of the IGAD RCP by videoconference on 23 January") and, per date, the
        # list after it. A cue elsewhere in the clause belongs to another meeting or to nothing.
        before_date = (
            text[mention.end : phrases[0].char_start]
            if phrases and phrases[0].char_start > mention.end
            else ""
        )
        mention_cues = f"{name} {lead} {before_date}"
        in_place = re.search(r"\bin\s+((?:[A-Z][\w'-]+\s?)+),\s+((?:[A-Z][\w'-]+\s?)+)", tail)
        if in_place and self.attach.countries.country(in_place[2].strip()):
            base_place = Place(in_place[1].strip(), in_place[2].strip())
        # A place named between the meeting and its date, with its country ("Study visit to
        # Ankara, Türkiye, 3-5 June", "Conference (Adelaide, Australia, 10 December)").
        named_before = self.attach.place(before_date.rsplit("(", 1)[-1], sdoc, 0)
        if base_place == Place(None, None) and named_before.country:
            base_place = named_before
        if not phrases:
            return [
                replace(
                    base,
                    format=self.attach.format(mention_cues, base_place, meeting_type),
                    city=base_place.city,
                    country=base_place.country,
                )
            ]
        phrases, count_warning = _spans_for_count(phrases, mention.count)
        records = []
        for k, phrase in enumerate(phrases):
            seg_end = phrases[k + 1].char_start if k + 1 < len(phrases) else len(text)
            segment = self.attach.appositive(text[phrase.char_end : seg_end])
            place = self.attach.place(segment, sdoc, phrase.char_end)
            if place == Place(None, None):
                place = base_place
            fmt = self.attach.format(f"{mention_cues} {segment}", place, meeting_type)
            for span in phrase.spans:
                records.append(
                    replace(
                        base,
                        start_date=span.start,
                        end_date=span.end,
                        date_precision=span.precision if span.start else None,
                        date_raw=phrase.text,
                        city=place.city,
                        country=place.country,
                        format=fmt,
                        warnings=span.warnings + count_warning,
                    )
                )
        return records

    # -- global meeting sections and reports -----------------------------------------------------

    def _names_several(self, heading: str) -> bool:
        """A heading whose first meeting word is plural ("Meetings of all ISCMs", "Digest of meetings
        held by ...") heads a list of meetings, not one."""
        heading_doc = self.nlp(heading.title())
        spans = filter_spans(list(heading_doc.spans[nlp.SPANS_KEY]))
        head = spans[0][-1].lower_ if spans else ""
        return head.endswith("s") and not head.endswith("ss")  # "meetings", not "congress"

    def _global_meeting(
        self, document: Document, section: Section, offset: int, sdoc: Doc, year: int | None
    ) -> list[MeetingRecord]:
        """A global meeting section is one event: its heading names it, its first date dates it."""
        heading = section.heading or ""
        first_clause = sdoc.text[: clauses(sdoc.text)[0][1]] if sdoc.text.strip() else ""
        # A heading that names no meeting ("Annual Assembly of ISCM Chairs") still heads the
        # section of one global meeting: the mechanisms' regular meeting.
        event = _Event(
            heading,
            section.section_id,
            section.iscm_id,
            cues=f"{heading} {first_clause}",
            char_start=section.char_start,
            default_type=self.rules.generic_with_ordinal,
        )
        return self._one_event(document, event, sdoc, offset, year)

    def _report(self, document: Document, info: DocumentInfo, resolver: Resolver) -> list[MeetingRecord]:
        """A meeting report is about one event: its title names it (and the ISCM that holds it), the
        first date of its front page dates it, its text says how it was held."""
        title = info.title or ""
        named = resolver.find_mentions(title)
        front = self.nlp(document.text[:2000])
        about = _Event(
            title, f"{document.doc_id}/other", named[0][2] if named else None, cues=title, char_start=0
        )
        events = self._one_event(document, about, front, 0, info.year)
        # How it was held: only the report's sentences that carry the event's own dates ("10-11
        # November 2021, virtual by Zoom"), never a cue elsewhere ("a fully online programme").
        for k, event in enumerate(events):
            if event.start_date is None:
                continue
            dated = [
                document.text[start:end]
                for start, end in clauses(document.text)
                if any(
                    (span.start, span.end) == (event.start_date, event.end_date)
                    for phrase in dates.find_dates(document.text[start:end], info.year)
                    for span in phrase.spans
                )
            ]
            place = Place(event.city, event.country)
            events[k] = replace(
                event, format=self.attach.format(" ".join([title, *dated]), place, event.meeting_type)
            )
        return events

    def _one_event(
        self, document: Document, event: _Event, sdoc: Doc, offset: int, year: int | None
    ) -> list[MeetingRecord]:
        """The one meeting a global-meeting section or a report is about: its type from the meeting
        phrase its name holds (else `event.default_type`; none: no meeting), its date the first of
        the text."""
        name, section_id, iscm_id, cues, char_start = (
            event.name,
            event.section_id,
            event.iscm_id,
            event.cues,
            event.char_start,
        )
        name_doc = self.nlp(name.title())  # title case: "TENTH GLOBAL MEETING" reads as a phrase
        spans = filter_spans(list(name_doc.spans[nlp.SPANS_KEY]))
        label = spans[-1].label_.partition("|")[0] if spans else event.default_type
        if label is None:
            return []
        meeting_type = label if label != nlp.GENERIC_LABEL else self.rules.generic_with_ordinal
        phrases = dates.find_dates(sdoc.text, year)[:1]
        segment = self.attach.appositive(sdoc.text[phrases[0].char_end :]) if phrases else ""
        place = self.attach.place(segment, sdoc, phrases[0].char_end if phrases else 0)
        span = phrases[0].spans[0] if phrases else None
        return [
            MeetingRecord(
                meeting_id="",
                mention_id=f"{section_id}@{char_start}",
                doc_id=document.doc_id,
                section_id=section_id,
                iscm_id=iscm_id,
                joint_with=(),
                meeting_type=meeting_type,
                level=self.rules.levels[meeting_type],
                name=" ".join(name.split()),
                ordinal=self.numbers.ordinal(name.replace("(", " ").split()),
                stated_count=None,
                count_qualifier=None,
                start_date=span.start if span else None,
                end_date=span.end if span else None,
                date_precision=span.precision if span else None,
                date_raw=phrases[0].text if phrases else None,
                city=place.city,
                country=place.country,
                format=self.attach.format(f"{cues} {segment}", place, meeting_type),
                topic=None,
                outcomes=(),
                evidence=" ".join(name.split()),
                char_start=char_start,
                char_end=offset + (phrases[0].char_end if phrases else len(name)),
                page=document.page_at(char_start),
                warnings=span.warnings if span else (),
            )
        ]


def _spans_for_count(
    phrases: list[dates.DatePhrase], count: int | None
) -> tuple[list[dates.DatePhrase], tuple[str, ...]]:
    """Make the number of date spans agree with a stated count where the text allows: "Two
    webinars (14 and 15 May)" are two one-day webinars, "a meeting on 14 and 15 May" one two-day
    meeting. More spans than the count is a contradiction the text cannot resolve: a warning."""
    joined = sum(len(p.spans) for p in phrases)
    if count is None or joined >= count:
        warning = (
            () if count is None or joined == count else (f"stated count {count}, but {joined} date spans",)
        )
        return phrases, warning
    apart = sum(len(p.day_spans) for p in phrases)
    if apart <= count:
        return [replace(p, spans=p.day_spans) for p in phrases], ()
    return phrases, ()


def _sentence_iscm(
    text: str, clause_start: int, clause_end: int, mention: Mention, resolver: Resolver
) -> str | None:
    """On a page, the ISCM a meeting belongs to is the one its sentence names: in or right after
    its name ("the Steering Committee of the Rabat Process"), else the nearest before it ("The
    Khartoum Process held a thematic meeting"), else the first after it ("a workshop organised
    under the IGAD RCP"); None when the sentence names none (the page's own ISCM then)."""
    named = [
        (clause_start + s, clause_start + e, i)
        for s, e, i in resolver.find_mentions(text[clause_start:clause_end])
    ]
    for start, _, iscm_id in named:
        if mention.name_start <= start and _NAME_TAIL.match(text[mention.end : start]):
            return iscm_id
    before = [iscm_id for _, end, iscm_id in named if end <= mention.name_start]
    after = [iscm_id for start, _, iscm_id in named if start >= mention.end]
    if before:
        return before[-1]
    return after[0] if after else None


_NAME_TAIL = re.compile(r"^(?:\s+(?:of|by|under)\s+(?:the\s+)?)?$", re.I)


def _first_cue(lowered: str, clause_start: int, cues: Sequence[str], after: bool) -> int:
    """Where the first of `cues` in the clause starts (or ends, with after=True); the text's end if none."""
    found = [re.search(rf"\b{re.escape(cue)}\b", lowered[clause_start:]) for cue in cues]
    positions = [clause_start + (m.end() if after else m.start()) for m in found if m]
    return min(positions, default=len(lowered))


def _coordinated(text: str, mention: Mention, window: int, following: list[Mention]) -> bool:
    """'The SOM and the 4th Ministerial Meeting, 23-24 January': one date span for both. A counted
    set ('Over 15 trainings and a Regional Conference (June)') does not share one event's date."""
    if not following or not _COORDINATION.match(text[mention.end : window]):
        return False
    return (mention.count is None) == (following[0].count is None)


def _name_end(sdoc: Doc, span: Span) -> int:
    """A phrase ending in a function word goes on: "Friends of the" + "Quito Process"."""
    if not span[-1].is_stop:
        return span.end_char
    tail = re.match(r"(?:\s+[A-Z][\w'-]*)+", sdoc.text[span.end_char :])
    return span.end_char + (tail.end() if tail else 0)


def _share_counts(text: str, mentions: list[Mention]) -> None:
    """'Over 20 thematic meetings and workshops', 'Eleven workshops and trainings': the count
    before coordinated plural phrases applies to each of them."""
    for previous, mention in itertools.pairwise(mentions):
        plural = text[mention.start : mention.end].rstrip().lower().endswith("s")
        joined = re.fullmatch(r"\s*(?:and|,|&)\s*", text[previous.end : mention.name_start])
        if mention.count is None and previous.count is not None and plural and joined:
            mention.count, mention.count_qualifier = previous.count, previous.count_qualifier


def _body_start(section: Section) -> int:
    if section.heading and section.text.startswith(section.heading):
        return section.char_start + len(section.heading)
    return section.char_start


def _with_ids(records: list[MeetingRecord]) -> list[MeetingRecord]:
    """meeting_id: a short hash of (doc_id, iscm_id, type, start, end, n), n numbering otherwise
    equal records in text order, so ids survive unrelated edits of the text."""
    seen: dict[tuple[object, ...], int] = {}
    out = []
    for record in sorted(records, key=lambda r: (r.char_start, r.start_date or date.min, r.iscm_id or "")):
        key = (record.doc_id, record.iscm_id, record.meeting_type, record.start_date, record.end_date)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha1("|".join(map(str, (*key, seen[key]))).encode()).hexdigest()[:12]
        out.append(replace(record, meeting_id=digest))
    return out
