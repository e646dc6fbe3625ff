"""Meetings of global-meeting sections and of meeting reports: one event each.

A global meeting section is about one event: its heading names it ("TENTH GLOBAL MEETING", read
in title case; a heading without a meeting phrase names the regular meeting), the first date of
its text dates it, the list after that date places it.
A heading whose first meeting word is plural ("Meetings of all ISCMs convened by IOM") heads a
list of meetings instead, read meeting by meeting (meetings.py). A meeting report is about the
event its title names (and the ISCM that holds it); the first date of its front page dates it,
and only its sentences that carry that date say how it was held ("10-11 November 2021, virtual
by Zoom"), never a cue elsewhere ("a fully online programme").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Doc
from spacy.util import filter_spans

from iscm_extract.facts import dates, nlp
from iscm_extract.facts.attachments import AttachmentReader, Place
from iscm_extract.facts.mentions import clauses
from iscm_extract.facts.numbers import NumberReader
from iscm_extract.meeting_rules import MeetingTypes
from iscm_extract.model import Document, DocumentInfo, MeetingRecord, Section
from iscm_extract.structure.normalise import Resolver


@dataclass(frozen=True)
class _Event:
    """What names the one meeting of a global-meeting section or a report."""

    name: str  # its heading or title
    section_id: str
    iscm_id: str | None
    cues: str  # the text its format is read from
    char_start: int
    default_type: str | None = None  # its type when the name holds no meeting phrase


class EventReader:
    def __init__(
        self,
        pipeline: nlp.LongTextPipeline,
        types: MeetingTypes,
        numbers: NumberReader,
        attach: AttachmentReader,
    ):
        self.nlp = pipeline
        self.types = types
        self.numbers = numbers
        self.attach = attach

    def names_several(self, heading: str) -> bool:
        """A heading whose first meeting word is plural ("Meetings of all ISCMs", "Digest of meetings
        held by ...") heads a list of meetings, not one."""
        heading_doc = self.nlp(heading.title())
        spans = filter_spans(list(heading_doc.spans[nlp.SPANS_KEY]))
        head = spans[0][-1].lower_ if spans else ""
        return head.endswith("s") and not head.endswith("ss")  # "meetings", not "congress"

    def global_meeting(
        self, document: Document, section: Section, offset: int, sdoc: Doc, year: int | None
    ) -> list[MeetingRecord]:
        """A global meeting section is one event: its heading names it, its first date dates it."""
        heading = section.heading or ""
        first_clause = sdoc.text[: clauses(sdoc.text)[0].end] if sdoc.text.strip() else ""
        # A heading that names no meeting ("Annual Assembly of ISCM Chairs") still heads the
        # section of one global meeting: the mechanisms' regular meeting.
        event = _Event(
            heading,
            section.section_id,
            section.iscm_id,
            cues=f"{heading} {first_clause}",
            char_start=section.char_start,
            default_type=self.types.generic_with_ordinal,
        )
        return self._one_event(document, event, sdoc, offset, year)

    def report(self, document: Document, info: DocumentInfo, resolver: Resolver) -> list[MeetingRecord]:
        """A meeting report is about one event: its title names it (and the ISCM that holds it), the
        first date of its front page dates it, its text says how it was held."""
        title = info.title or ""
        named = resolver.find_mentions(title)
        front = self.nlp(document.text[:2000])
        about = _Event(
            title, f"{document.doc_id}/other", named[0][2] if named else None, cues=title, char_start=0
        )
        events = self._one_event(document, about, front, 0, info.year)
        return [self._held_as_reported(document, info, event) for event in events]

    def _held_as_reported(
        self, document: Document, info: DocumentInfo, event: MeetingRecord
    ) -> MeetingRecord:
        """How it was held: only the report's sentences that carry the event's own dates ("10-11
        November 2021, virtual by Zoom"), never a cue elsewhere ("a fully online programme")."""
        if event.start_date is None:
            return event
        dated = [
            document.text[clause.start : clause.end]
            for clause in clauses(document.text)
            if any(
                (span.start, span.end) == (event.start_date, event.end_date)
                for phrase in dates.find_dates(document.text[clause.start : clause.end], info.year)
                for span in phrase.spans
            )
        ]
        place = Place(event.city, event.country)
        cues = " ".join([info.title or "", *dated])
        return replace(event, format=self.attach.format(cues, place, event.meeting_type))

    def _one_event(
        self, document: Document, event: _Event, sdoc: Doc, offset: int, year: int | None
    ) -> list[MeetingRecord]:
        """The one meeting a global-meeting section or a report is about: its type from the meeting
        phrase its name holds (else `event.default_type`; none: no meeting), its date the first of
        the text."""
        name = event.name
        name_doc = self.nlp(name.title())  # title case: "TENTH GLOBAL MEETING" reads as a phrase
        spans = filter_spans(list(name_doc.spans[nlp.SPANS_KEY]))
        label = spans[-1].label_.partition("|")[0] if spans else event.default_type
        if label is None:
            return []
        meeting_type = label if label != nlp.GENERIC_LABEL else self.types.generic_with_ordinal
        phrases = dates.find_dates(sdoc.text, year)[:1]
        segment = self.attach.appositive(sdoc.text[phrases[0].char_end :]) if phrases else ""
        place = self.attach.place(segment, sdoc, phrases[0].char_end if phrases else 0)
        span = phrases[0].spans[0] if phrases else None
        return [
            MeetingRecord(
                meeting_id="",
                mention_id=f"{event.section_id}@{event.char_start}",
                doc_id=document.doc_id,
                section_id=event.section_id,
                iscm_id=event.iscm_id,
                joint_with=(),
                meeting_type=meeting_type,
                level=self.types.levels[meeting_type],
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
                format=self.attach.format(f"{event.cues} {segment}", place, meeting_type),
                topic=None,
                outcomes=(),
                evidence=" ".join(name.split()),
                char_start=event.char_start,
                char_end=offset + (phrases[0].char_end if phrases else len(name)),
                page=document.page_at(event.char_start),
                warnings=span.warnings if span else (),
            )
        ]
