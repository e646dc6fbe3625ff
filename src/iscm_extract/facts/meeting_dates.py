"""Meetings, step 3: each mention's own text and its dates.

A mention owns the text up to the next mention of its clause (its window). Its dates are the
date phrases there (dates.py); failing that the nearest date before the first mention of the
clause ("On 19 January, the Steering Committee met"), the page's dateline for "met today", or
spaCy's DATE entities. A publication stamp or dateline dates the page, never a meeting.

A mention that is no meeting of its own is dropped (a group named without a meeting word, date
or count; "the meeting" referring back); dropping one widens its neighbour's window, so the
clause is read again until none is dropped. Coordinated mentions without dates of their own
share the next one's:

    "The SOM and the 4th Ministerial Meeting, 23-24 January"  -> both 23-24 January
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from iscm_extract.facts import dates
from iscm_extract.facts.mentions import Mention, SectionBody
from iscm_extract.meeting_rules import MentionCues
from iscm_extract.model import Span

_COORDINATION = re.compile(r"^\s*(?:,|and|,\s*and|&|;\s*and)?\s*(?:the\s+|a\s+)?$", re.I)


@dataclass(frozen=True)
class DatedMention:
    """A mention with the text it owns (body[mention.end:window]) and its date phrases."""

    mention: Mention
    window: int
    phrases: tuple[dates.DatePhrase, ...]
    # The next mention's own text, for a coordinated mention that shares its place and format
    # but finds no date to share.
    shared_tail: str | None = None


class DateReader:
    def __init__(self, cues: MentionCues):
        self.cues = cues

    def dated(self, body: SectionBody, clause: Span, mentions: Sequence[Mention]) -> list[DatedMention]:
        """The meetings of a clause with their dates: mentions that are no meeting dropped,
        coordinated ones sharing the next one's dates."""
        # Dropping a mention widens its neighbours' windows: repeat until none is dropped.
        while True:
            found = [self._dated(body, clause, mentions, i) for i in range(len(mentions))]
            kept = [d.mention for d in found if not self._dropped(body.text, d, body.section.kind == "page")]
            if len(kept) == len(mentions):
                return _with_shared_dates(body.text, found)
            mentions = kept

    def _dated(self, body: SectionBody, clause: Span, mentions: Sequence[Mention], i: int) -> DatedMention:
        text, year = body.text, body.year

        def meeting_dates(found: list[dates.DatePhrase]) -> list[dates.DatePhrase]:
            # A publication stamp or dateline dates the page, not the meeting.
            return [p for p in found if not any(s.start <= p.char_start < s.end for s in body.stamps)]

        mention = mentions[i]
        window = mentions[i + 1].name_start if i + 1 < len(mentions) else clause.end
        phrases = meeting_dates(dates.find_dates(text[mention.end : window], year, offset=mention.end))
        if not phrases and i == 0:
            # Before the phrase ("On 19 January, the Steering Committee met"): the nearest date.
            before = text[clause.start : mention.name_start]
            phrases = meeting_dates(dates.find_dates(before, year, offset=clause.start))[-1:]
        if not phrases and body.stamps and self._says_same_day(text[clause.start : clause.end]):
            # "DUBAI, 23 January 2024 - Ministers met today": the dateline's own date.
            stamps = [s for s in body.stamps if s.end <= mention.start]
            if stamps:
                stamp = stamps[-1]
                phrases = dates.find_dates(text[stamp.start : stamp.end], year, offset=stamp.start)[-1:]
        if not phrases:
            # spaCy's DATE entities as evidence for a date the rules did not read.
            for ent in body.sdoc.ents:
                if ent.label_ == "DATE" and mention.end <= ent.start_char < window:
                    phrases += meeting_dates(dates.find_dates(ent.text, year, offset=ent.start_char))
        return DatedMention(mention, window, tuple(phrases))

    def _says_same_day(self, clause: str) -> bool:
        return any(re.search(rf"\b{re.escape(w)}\b", clause, re.I) for w in self.cues.same_day_words)

    def _dropped(self, text: str, dated: DatedMention, on_page: bool) -> bool:
        """A mention that is no meeting of its own: a group without a meeting word, date or count,
        a type that needs a date or count, a meeting word that refers back ("the meeting"), or on
        a web page a bare meeting word with nothing of its own (a menu's "Meetings")."""
        mention, window, phrases = dated.mention, dated.window, dated.phrases
        has_date, has_count = bool(phrases), mention.count is not None
        if on_page and mention.generic and not has_date and not has_count and mention.ordinal is None:
            return True
        if not phrases and _COORDINATION.match(text[mention.end : window]) and mention.count is None:
            return False  # shares the date of the mention it is coordinated with
        if mention.body and not has_date and not has_count:
            return True
        if mention.meeting_type in self.cues.need_date_or_count and not has_date and not has_count:
            return True
        before = text[max(0, mention.start - 12) : mention.start].lower().split()
        generic_only = len(mention.tokens) <= 2 and mention.ordinal is None and not has_count
        return bool(
            generic_only
            and not has_date
            and before
            and before[-1] in self.cues.anaphora_determiners
            and mention.name_start == mention.start
        )


def _with_shared_dates(text: str, found: Sequence[DatedMention]) -> list[DatedMention]:
    """A mention without dates, coordinated with the next, takes the first dates of the mentions
    after it; with none to take, it shares the next one's own text (its place and format)."""
    out = []
    for i, dated in enumerate(found):
        later = found[i + 1 :]
        following = [d.mention for d in later[:1]]
        if not dated.phrases and coordinated(text, dated.mention, dated.window, following):
            phrases = next((d.phrases for d in later if d.phrases), ())
            shared_tail = None if phrases else text[later[0].mention.end : later[0].window]
            dated = replace(dated, phrases=phrases, shared_tail=shared_tail)
        out.append(dated)
    return out


def coordinated(text: str, mention: Mention, window: int, following: Sequence[Mention]) -> bool:
    """'The SOM and the 4th Ministerial Meeting, 23-24 January': one date span for both. A counted
    set ('Over 15 trainings and a Regional Conference (June)') does not share one event's date."""
    if not following or not _COORDINATION.match(text[mention.end : window]):
        return False
    return (mention.count is None) == (following[0].count is None)


def spans_for_count(
    phrases: Sequence[dates.DatePhrase], count: int | None
) -> tuple[list[dates.DatePhrase], tuple[str, ...]]:
    """Make the number of date spans agree with a stated count where the text allows: "Two
    webinars (14 and 15 May)" are two one-day webinars, "a meeting on 14 and 15 May" one two-day
    meeting. More spans than the count is a contradiction the text cannot resolve: a warning."""
    joined = sum(len(p.spans) for p in phrases)
    if count is None or joined >= count:
        warning = (
            () if count is None or joined == count else (f"stated count {count}, but {joined} date spans",)
        )
        return list(phrases), warning
    apart = sum(len(p.day_spans) for p in phrases)
    if apart <= count:
        return [replace(p, spans=p.day_spans) for p in phrases], ()
    return list(phrases), ()
