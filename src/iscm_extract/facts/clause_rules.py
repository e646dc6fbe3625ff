"""Meetings, step 2: in each clause, the mentions that are held meetings of their own, typed.

The mentions of one clause (mentions.py) go through three rules, each returning new mentions:

  held:    drops parts of another event ("featured roundtable discussions, a youth forum"),
           plans ("in preparation for a Ministerial meeting"), meetings not yet held ("a
           workshop planned for May"), and folds a possessive meeting into its group ("the
           Working Group ... held its third meeting": one mention, ordinal 3);
  typed:   types a bare meeting word (a regular meeting when it has an ordinal or its sentence
           names its own ISCM, else `generic_default`) and makes a phrase naming the ISCM's own
           body a regular meeting ("Steering Committee of the Rabat Process");
  shared_counts: "Over 20 thematic meetings and workshops": the count applies to both.

A mention is typed against the ISCM it belongs to (owners.py: on a page, the one its sentence
names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from iscm_extract.facts.mentions import Mention
from iscm_extract.meeting_rules import MeetingTypes, MentionCues
from iscm_extract.structure.normalise import Resolver


class ClauseRules:
    def __init__(self, types: MeetingTypes, cues: MentionCues):
        self.types = types
        self.cues = cues

    def held(self, text: str, clause_start: int, mentions: Sequence[Mention]) -> list[Mention]:
        """The mentions of a clause that name a held meeting of their own."""
        kept: list[Mention] = []
        lowered = text.lower()
        part_from = _first_cue(lowered, clause_start, self.cues.part_of_cues, after=True)
        # Once a clause says a meeting is only prepared ("in preparation for a Steering Group
        # Ministerial meeting and 2022 ... Conference"), the meetings after it are plans.
        plan_from = _first_cue(lowered, clause_start, self.cues.not_held_cues_before, after=False)
        for mention in mentions:
            if mention.start >= part_from:
                continue  # "featured roundtable discussions, a youth forum": parts of another event
            if mention.name_start >= plan_from:
                continue
            after = lowered[mention.end : mention.end + 25].lstrip(" ,")
            if any(after.startswith(c) for c in self.cues.not_held_cues_after):
                continue
            if kept and mention.meeting_type is None and self._possessive_before(lowered, mention):
                # "the Working Group ... held its third meeting": the group's own meeting, one record
                kept[-1] = replace(kept[-1], ordinal=kept[-1].ordinal or mention.ordinal, body=False)
                continue
            kept.append(mention)
        return kept

    def _possessive_before(self, lowered: str, mention: Mention) -> bool:
        before = lowered[max(0, mention.name_start - 12) : mention.name_start].split()
        return bool(before) and before[-1] in self.cues.possessive_determiners

    def typed(self, mention: Mention, text: str, own_id: str | None, resolver: Resolver) -> Mention:
        """The mention with its meeting type: a bare meeting word's from its ordinal and whether
        its words name the ISCM `own_id`; a phrase naming the ISCM's own body a regular meeting."""
        found = resolver.find_mentions(text[mention.name_start : mention.end + 80])
        phrase_start, phrase_end = mention.start - mention.name_start, mention.end - mention.name_start
        own = [(s, e) for s, e, i in found if i == own_id and s < phrase_end]
        names_own = bool(own)
        is_own_name = any(s < phrase_end and e > phrase_start for s, e in own)
        if mention.meeting_type is None:
            regular = mention.ordinal is not None or names_own
            meeting_type = self.types.generic_with_ordinal if regular else self.types.generic_default
            return replace(mention, meeting_type=meeting_type)
        if (mention.meeting_type in self.types.own_name_makes_regular and names_own) or (
            mention.meeting_type in self.types.own_full_name_makes_regular and is_own_name
        ):
            return replace(mention, meeting_type=self.types.generic_with_ordinal)
        return mention


def shared_counts(text: str, mentions: Sequence[Mention]) -> list[Mention]:
    """'Over 20 thematic meetings and workshops', 'Eleven workshops and trainings': the count
    before coordinated plural phrases applies to each of them."""
    out: list[Mention] = []
    for mention in mentions:
        previous = out[-1] if out else None
        if previous is not None and mention.count is None and previous.count is not None:
            plural = text[mention.start : mention.end].rstrip().lower().endswith("s")
            joined = re.fullmatch(r"\s*(?:and|,|&)\s*", text[previous.end : mention.name_start])
            if plural and joined:
                mention = replace(mention, count=previous.count, count_qualifier=previous.count_qualifier)
        out.append(mention)
    return out


def _first_cue(lowered: str, clause_start: int, cues: Sequence[str], after: bool) -> int:
    """Where the first of `cues` in the clause starts (or ends, with after=True); the text's end if none."""
    found = [re.search(rf"\b{re.escape(cue)}\b", lowered[clause_start:]) for cue in cues]
    positions = [clause_start + (m.end() if after else m.start()) for m in found if m]
    return min(positions, default=len(lowered))
