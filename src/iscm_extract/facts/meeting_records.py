"""Meetings, step 5: records. One per owner and date span of a meeting, or one undated.

A record's place, format, outcomes and topic are read from the meeting's own words
(attachments.py): its name, what stands between the name and its first date, and per date the
list after it; a cue elsewhere in the clause belongs to another meeting or to nothing.

    "a technical meeting of the IGAD RCP by videoconference on 23 January"  -> virtual
    "Study visit to Ankara, Türkiye, 3-5 June"                              -> Ankara, Türkiye
    "Two webinars (14 and 15 May)"                -> two records, 14 May and 15 May (the count)

Each record gets a meeting_id (`with_ids`): a short hash that survives unrelated edits of the
text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date

from iscm_extract.facts.attachments import AttachmentReader, Place
from iscm_extract.facts.meeting_dates import DatedMention, spans_for_count
from iscm_extract.facts.mentions import SectionBody
from iscm_extract.facts.owners import Owner
from iscm_extract.meeting_rules import MeetingTypes
from iscm_extract.model import MeetingRecord

_NOWHERE = Place(None, None)


class RecordBuilder:
    def __init__(self, types: MeetingTypes, attach: AttachmentReader):
        self.types = types
        self.attach = attach

    def records(
        self, body: SectionBody, dated: DatedMention, owner: Owner, clause_text: str
    ) -> list[MeetingRecord]:
        """The records of one meeting for one owner: one per date span, or one undated."""
        text, mention, phrases = body.text, dated.mention, dated.phrases
        meeting_type = mention.meeting_type or self.types.generic_default
        name = text[mention.name_start : mention.end]
        tail = dated.shared_tail if dated.shared_tail is not None else text[mention.end : dated.window]
        lead = self.attach.appositive(tail) if not phrases or phrases[0].char_start > mention.end + 2 else ""
        base = self._undated(body, dated, owner, tail, clause_text)
        # The meeting's own words: its name, what stands between the name and its date ("a
        # technical meeting of the IGAD RCP by videoconference on 23 January") and, per date, the
        # list after it. A cue elsewhere in the clause belongs to another meeting or to nothing.
        before_date = (
            text[mention.end : phrases[0].char_start]
            if phrases and phrases[0].char_start > mention.end
            else ""
        )
        own_words = f"{name} {lead} {before_date}"
        place = self._place_before_dates(body, tail, lead, before_date)
        if not phrases:
            return [
                replace(
                    base,
                    format=self.attach.format(own_words, place, meeting_type),
                    city=place.city,
                    country=place.country,
                )
            ]
        return self._dated(body, base, dated, own_words, place)

    def _undated(
        self, body: SectionBody, dated: DatedMention, owner: Owner, tail: str, clause_text: str
    ) -> MeetingRecord:
        """The record without date, place and format."""
        mention, offset = dated.mention, body.offset
        meeting_type = mention.meeting_type or self.types.generic_default
        return MeetingRecord(
            meeting_id="",
            mention_id=f"{body.section.section_id}@{offset + mention.start}",
            doc_id=body.document.doc_id,
            section_id=body.section.section_id,
            iscm_id=owner.iscm_id,
            joint_with=owner.joint_with,
            meeting_type=meeting_type,
            level=self.types.levels[meeting_type],
            name=" ".join(body.text[mention.name_start : mention.end].split()),
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
            evidence=" ".join(clause_text.split()),
            char_start=offset + mention.name_start,
            char_end=offset + max(dated.window, mention.end),
            page=body.document.page_at(offset + mention.name_start),
            warnings=(),
        )

    def _place_before_dates(self, body: SectionBody, tail: str, lead: str, before_date: str) -> Place:
        """The place the meeting's words name before its dates: in the list right after its
        name, "in City, Country", or between the meeting and its date with its country ("Study
        visit to Ankara, Türkiye, 3-5 June", "Conference (Adelaide, Australia, 10 December)")."""
        sdoc = body.sdoc
        place = self.attach.place(
            self.attach.appositive(tail[len(lead) - len(lead.lstrip()) :]) if lead else "", sdoc, 0
        )
        in_place = re.search(r"\bin\s+((?:[A-Z][\w'-]+\s?)+),\s+((?:[A-Z][\w'-]+\s?)+)", tail)
        if in_place and self.attach.countries.country(in_place[2].strip()):
            place = Place(in_place[1].strip(), in_place[2].strip())
        named_before = self.attach.place(before_date.rsplit("(", 1)[-1], sdoc, 0)
        if place == _NOWHERE and named_before.country:
            place = named_before
        return place

    def _dated(
        self, body: SectionBody, base: MeetingRecord, dated: DatedMention, own_words: str, place_before: Place
    ) -> list[MeetingRecord]:
        """One record per date span; each date's place and format from the list after it."""
        text, meeting_type = body.text, base.meeting_type
        phrases, count_warning = spans_for_count(dated.phrases, dated.mention.count)
        records = []
        for k, phrase in enumerate(phrases):
            segment_end = phrases[k + 1].char_start if k + 1 < len(phrases) else len(text)
            segment = self.attach.appositive(text[phrase.char_end : segment_end])
            place = self.attach.place(segment, body.sdoc, phrase.char_end)
            if place == _NOWHERE:
                place = place_before
            meeting_format = self.attach.format(f"{own_words} {segment}", place, meeting_type)
            records += [
                replace(
                    base,
                    start_date=span.start,
                    end_date=span.end,
                    date_precision=span.precision if span.start else None,
                    date_raw=phrase.text,
                    city=place.city,
                    country=place.country,
                    format=meeting_format,
                    warnings=span.warnings + count_warning,
                )
                for span in phrase.spans
            ]
        return records


def with_ids(records: list[MeetingRecord]) -> list[MeetingRecord]:
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
