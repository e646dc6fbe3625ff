"""Stage 5: meetings. One record per meeting phrase and date span (SPEC section 7).

For each ISCM section (and each page) the spaCy pipeline (nlp.py) marks meeting phrases; then,
by rules, clause by clause, one meeting goes from phrase to row through these modules in order:

  1. mentions.py:       phrases merged where they name one event ("meeting of the Taskforce",
                        "Senior Officials' Meetings, SOM"), extended to the left over ordinals,
                        counts and name words ("4th Regional Ministerial Meeting");
  2. clause_rules.py:   parts of other events, plans and meetings not held dropped; bare meeting
                        words typed; a count shared by coordinated phrases;
  3. meeting_dates.py:  each mention owns the text up to the next mention in its clause; its
                        dates are read from it (dates.py); coordinated mentions without dates of
                        their own share the next one's ("The SOM and the 4th Ministerial
                        Meeting, 23-24 January");
  4. owners.py:         the ISCM it belongs to, and joint meetings (one record per ISCM);
  5. meeting_records.py: one record per date span, or one undated, with places, formats,
                        outcomes and topics (attachments.py) and a stable meeting_id.

A global meeting section, and a meeting report, is one event (events.py). spaCy's entities are
evidence: a GPE after a date is a city when no country names it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from iscm_extract.facts import nlp
from iscm_extract.facts.attachments import AttachmentReader
from iscm_extract.facts.clause_rules import ClauseRules, shared_counts
from iscm_extract.facts.events import EventReader
from iscm_extract.facts.meeting_dates import DateReader
from iscm_extract.facts.meeting_records import RecordBuilder, with_ids
from iscm_extract.facts.mentions import MentionFinder, SectionBody, clauses, subtitle_lines
from iscm_extract.facts.numbers import NumberReader
from iscm_extract.facts.owners import own_iscm, owners
from iscm_extract.meeting_rules import MeetingRules, PlaceRules
from iscm_extract.model import Document, DocumentInfo, MeetingRecord, Problem, Section, Span
from iscm_extract.structure.normalise import Resolver

_LABEL = re.compile(r"^\s*:\s*$")


class MeetingExtractor:
    def __init__(self, rules: MeetingRules, places: PlaceRules):
        self.nlp = nlp.load_pipeline(rules)
        attach = AttachmentReader(rules.attachments, places)
        self.mentions = MentionFinder(rules.mentions, rules.numbers)
        self.clause_rules = ClauseRules(rules.types, rules.mentions)
        self.dates = DateReader(rules.mentions)
        self.records = RecordBuilder(rules.types, attach)
        self.events = EventReader(self.nlp, rules.types, NumberReader(rules.numbers), attach)

    def extract(
        self, document: Document, info: DocumentInfo, sections: Sequence[Section], resolver: Resolver
    ) -> tuple[list[MeetingRecord], list[Problem]]:
        year = info.year
        records: list[MeetingRecord] = []
        targets = [s for s in sections if s.kind in {"iscm", "global_meeting", "page"}]
        bodies = [(s, _body_start(s)) for s in targets]
        docs = self.nlp.pipe([document.text[start : s.char_end] for s, start in bodies])
        for (section, start), sdoc in zip(bodies, docs, strict=True):
            if section.kind == "global_meeting" and not self.events.names_several(section.heading or ""):
                records += self.events.global_meeting(document, section, start, sdoc, year)
            else:
                # An ISCM's section, a page, or a global-meeting section whose heading names
                # several meetings ("MEETINGS OF ALL ISCMs CONVENED BY IOM"): read meeting by meeting.
                stamps = tuple(
                    Span(a - start, b - start) for a, b in info.stamps if a < section.char_end and b > start
                )
                body = SectionBody(document, section, start, sdoc, year, stamps)
                records += self._section(body, resolver)
        if info.kind == "meeting_report":
            records += self.events.report(document, info, resolver)
        problems = [
            Problem(document.doc_id, "meetings", "warning", f"{record.name}: {w}", record.char_start)
            for record in records
            for w in record.warnings
        ]
        return with_ids(records), problems

    def _section(self, body: SectionBody, resolver: Resolver) -> list[MeetingRecord]:
        """The meetings of an ISCM's section, or of a page (each booked to the ISCM its sentence names)."""
        text = body.text
        subtitles = subtitle_lines(body.document, body.offset, body.offset + len(text))
        mentions = self.mentions.find(body.sdoc, subtitles)
        records: list[MeetingRecord] = []
        for clause in clauses(text, frozenset(line.end for line in subtitles)):
            in_clause = [m for m in mentions if clause.start <= m.start < clause.end]
            in_clause = self.clause_rules.held(text, clause.start, in_clause)
            own_ids = {m.start: own_iscm(body, clause, m, resolver) for m in in_clause}
            in_clause = [self.clause_rules.typed(m, text, own_ids[m.start], resolver) for m in in_clause]
            in_clause = shared_counts(text, in_clause)
            dated = self.dates.dated(body, clause, in_clause)
            for i, meeting in enumerate(dated):
                mention = meeting.mention
                following = dated[i + 1] if i + 1 < len(dated) else None
                if following and _LABEL.match(text[mention.end : following.mention.name_start]):
                    continue  # "Joint RCM and SACM Meetings: Plenary Meeting (...)": a label
                own_id = own_ids[mention.start]
                for owner in owners(body, clause, mention, meeting.window, own_id, resolver):
                    records += self.records.records(body, meeting, owner, text[clause.start : clause.end])
        return records


def _body_start(section: Section) -> int:
    if section.heading and section.text.startswith(section.heading):
        return section.char_start + len(section.heading)
    return section.char_start
