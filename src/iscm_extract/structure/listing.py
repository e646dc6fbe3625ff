"""Entries of a themes list run together on one line (an issue whose PDF text came out as one
paragraph): where each entry's theme name starts.

A list entry is "Theme: member, member, ..."; run together, the members of one entry and the
name of the next share the stretch between two separators:

    "Data: IGC, MIDWA, Rabat Process Irregular migration: IGC, RCM"
                      members ^^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^^^ next theme

The cut falls after the last member, read item by item (commas and semicolons outside brackets):
an item that is a member (a registry body, "all ISCMs", a stated count "[4 ISCMs]") is skipped;
in the first item that is not, the cut falls after its longest prefix that is a member ("Rabat
Process" | "Irregular migration"), else at the first word after the members, a stated count or a
note that opens with a capital or a digit and has no bracket after it ("RCM [4 ISCMs];
incorporated in other ISCMs (14 ISCMs)" | "2030 Agenda and SDGs"). Headings that run into the
next entry ("Thematic Areas Asylum and refugees: ...") stay at the start of its piece, where the
segmenter reads run-in headings.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from iscm_extract.rules import FactRules
from iscm_extract.structure.normalise import Resolver

_ITEM = re.compile(r"[^,;]+(?:\([^()]*\)[^,;]*)*")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class ListSyntax:
    """What marks a themes list entry (rules/facts.yaml, `themes`)."""

    separator: re.Pattern[str]
    count: re.Pattern[str]
    all_members: tuple[re.Pattern[str], ...]
    bullet: re.Pattern[str]  # a bullet mark or a number opening an item

    @classmethod
    def from_rules(cls, rules: FactRules) -> ListSyntax:
        return cls(rules.theme_separator, rules.stated_count, rules.all_members, rules.bullet)


def entry_starts(line: str, syntax: ListSyntax, resolver: Resolver) -> list[int]:
    """Offsets in `line` where the second and later run-together entries start (empty for a line
    that holds one entry or none)."""
    separators = list(syntax.separator.finditer(line))
    starts = []
    for before, this in itertools.pairwise(separators):
        cut = _after_members(line, before.end(), this.start(), syntax, resolver)
        if cut is not None:
            starts.append(cut)
    return starts


def first_entry(line: str, syntax: ListSyntax, resolver: Resolver) -> int | None:
    """Where the separator of the line's first entry stands, when a member follows it ("...
    Thematic Areas Data: IGC, MIDWA"); None for a line that opens no list entry."""
    separator = syntax.separator.search(line)
    if separator is None:
        return None
    item = _ITEM.match(line, separator.end())
    return separator.start() if item and _is_member(item[0].strip(), syntax, resolver) else None


def _after_members(line: str, start: int, end: int, syntax: ListSyntax, resolver: Resolver) -> int | None:
    """Where the members in line[start:end] end and the next theme name begins; None where no
    member comes first (a title with a colon is no list entry)."""
    members = 0
    for item in _ITEM.finditer(line, start, end):
        text = item[0].strip()
        if not text or _is_member(text, syntax, resolver):
            members += bool(text)
            continue
        lead = item.start() + len(item[0]) - len(item[0].lstrip())
        count = syntax.count.search(text)
        if count is not None:
            return _name_start(line, lead + count.end(), end, resolver)
        words = list(_WORD.finditer(text))
        for k in range(len(words) - 1, 0, -1):
            if _is_member(text[: words[k - 1].end()], syntax, resolver):
                return lead + words[k].start()
        return _name_start(line, lead, end, resolver) if members else None
    return None


def _name_start(line: str, start: int, end: int, resolver: Resolver) -> int | None:
    """Where a theme name starts in line[start:end], after any note ("; incorporated in other
    ISCMs (feedback from 14 ISCMs) 2030 Agenda and SDGs"): the first word outside brackets that
    opens with a capital or a digit, is no family word, and has no bracket after it."""
    depth = 0
    for word in _WORD.finditer(line, start, end):
        token = word[0].lstrip(";,")
        opens = token[:1].isupper() or token[:1].isdigit()
        if (
            depth == 0
            and opens
            and not resolver.family_term(token)
            and not re.search(r"[()\[\]]", line[word.start() : end])
        ):
            return word.start() + len(word[0]) - len(token)
        depth += word[0].count("(") + word[0].count("[") - word[0].count(")") - word[0].count("]")
    return None


def _is_member(text: str, syntax: ListSyntax, resolver: Resolver) -> bool:
    if syntax.count.fullmatch(text) or any(p.search(text) for p in syntax.all_members):
        return True
    return resolver.resolve(text, fuzzy=False, record=False).iscm_id is not None
