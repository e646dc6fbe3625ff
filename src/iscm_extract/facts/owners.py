"""Meetings, step 4: the ISCMs a meeting belongs to.

A meeting in an ISCM's section is that ISCM's. On a page (a web page, a news item) it is the
ISCM its sentence names (`sentence_iscm`), else the page's. A meeting held with other ISCMs
names them in its name, after "between"/"with", or in a clause opening with "Joint":

    "Joint RCM and SACM Meeting (Panama, 5 May)"   in its own paragraph, in the RCM's section
        -> two records: RCM joint with SACM, and SACM joint with RCM
    "a meeting with the SACM" (in a longer paragraph)
        -> one record: RCM joint with SACM
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iscm_extract.facts.mentions import Mention, SectionBody
from iscm_extract.model import Span
from iscm_extract.structure.normalise import Resolver


@dataclass(frozen=True)
class Owner:
    """An ISCM a meeting record is booked to, and the others it was held with."""

    iscm_id: str | None
    joint_with: tuple[str, ...]


def own_iscm(body: SectionBody, clause: Span, mention: Mention, resolver: Resolver) -> str | None:
    """The ISCM whose meeting the mention is, before joint meetings are read."""
    section = body.section
    if section.kind != "page":
        return section.iscm_id
    return sentence_iscm(body.text, clause, mention, resolver) or section.iscm_id


def owners(
    body: SectionBody, clause: Span, mention: Mention, window: int, own_id: str | None, resolver: Resolver
) -> list[Owner]:
    """One owner, or, for a joint meeting in a paragraph of its own that opens with "Joint",
    one per ISCM that held it."""
    text = body.text
    context = text[clause.start : clause.end]
    joint = joint_ids(text, mention, window, clause.start, own_id, resolver)
    paragraph = next((p for p in body.paragraphs if p.start <= mention.start < p.end), Span(0, len(text)))
    own_paragraph = text[paragraph.start : paragraph.end].strip() == context.strip()
    ids = [own_id]
    if joint and own_paragraph and context.lstrip().lower().startswith("joint"):
        ids = [own_id, *joint]  # a joint meeting in its own paragraph: one record per ISCM
    return [
        Owner(iscm_id, tuple(sorted(i for i in {own_id, *joint} if i is not None and i != iscm_id)))
        for iscm_id in ids
    ]


def joint_ids(
    text: str, mention: Mention, window: int, clause_start: int, own_id: str | None, resolver: Resolver
) -> list[str]:
    """The other ISCMs a meeting names: in its name, in its own text after "between" or "with",
    and in its clause before it when the clause opens with "Joint"."""
    ids = [i for _, _, i in resolver.find_mentions(text[mention.name_start : mention.end])]
    tail = text[mention.end : window]
    cue = re.search(r"\b(between|with)\b", tail)
    if cue:
        ids += [i for _, _, i in resolver.find_mentions(tail[cue.end() :])]
    head = text[clause_start : mention.name_start]
    if head.lstrip().lower().startswith("joint"):
        ids += [i for _, _, i in resolver.find_mentions(head)]
    return sorted({i for i in ids if i != own_id})


_NAME_TAIL = re.compile(r"^(?:\s+(?:of|by|under)\s+(?:the\s+)?)?$", re.I)


def sentence_iscm(text: str, clause: Span, mention: Mention, resolver: Resolver) -> str | None:
    """On a page, the ISCM a meeting belongs to is the one its sentence names: in or right after
    its name ("the Steering Committee of the Rabat Process"), else the nearest before it ("The
    Khartoum Process held a thematic meeting"), else the first after it ("a workshop organised
    under the IGAD RCP"); None when the sentence names none (the page's own ISCM then)."""
    named = [
        (clause.start + s, clause.start + e, i)
        for s, e, i in resolver.find_mentions(text[clause.start : clause.end])
    ]
    for start, _, iscm_id in named:
        if mention.name_start <= start and _NAME_TAIL.match(text[mention.end : start]):
            return iscm_id
    before = [iscm_id for _, end, iscm_id in named if end <= mention.name_start]
    after = [iscm_id for start, _, iscm_id in named if start >= mention.end]
    if before:
        return before[-1]
    return after[0] if after else None
