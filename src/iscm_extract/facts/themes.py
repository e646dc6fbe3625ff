"""Stage 6a: the "Global initiatives" and "Thematic areas" lists, one row per (theme, ISCM).

A list entry is "Theme: member, member; member [N ISCMs]; prose". Entries wrap over lines, and
a line break may split a name ("Prague" / "Process") or fall after the colon. Members resolve
through the registry; "all ISCMs" becomes "*"; prose after the members (a lower-case clause, or
anything after the "[N ISCMs]" count) is not a member. The stated count is checked against the
list, and a mismatch leaves a problems row.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from iscm_extract.facts.numbers import number_value
from iscm_extract.model import Problem, Section, ThemeRow
from iscm_extract.rules import FactRules, ThemeRules
from iscm_extract.structure import listing
from iscm_extract.structure.normalise import Resolver
from iscm_extract.text import name_key

GROUPS = {"global_initiatives": "global_initiative", "themes": "thematic_area"}


class ThemeCatalogue:
    """Maps a theme name as written to its id in rules/themes.yaml."""

    def __init__(self, rules: ThemeRules):
        self._exact = {name_key(f): t.id for t in rules.themes for f in (t.name, *t.variants)}
        self._keys = list(self._exact)
        self._cutoff = rules.fuzzy_cutoff

    def theme_id(self, name: str) -> str | None:
        key = name_key(name)
        if key in self._exact:
            return self._exact[key]
        best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=self._cutoff)
        return self._exact[best[0]] if best else None


@dataclass
class _Entry:
    """One list entry: its theme and the text after the colon, kept with source offsets."""

    theme: str
    start: int
    chars: list[tuple[str, int]] = field(default_factory=list)  # (char, offset in the document)
    head_count: str | None = None  # a stated count printed after the name: "Data (5 ISCMs): ..."
    line_starts: list[int] = field(default_factory=list)  # where each continuation line begins

    @property
    def members_text(self) -> str:
        return "".join(c for c, _ in self.chars)

    def extend(self, text: str, offset: int) -> None:
        if self.chars and text:
            self.chars.append((" ", self.chars[-1][1] + 1))
            self.line_starts.append(len(self.chars))
        self.chars += [(c, offset + i) for i, c in enumerate(text)]

    def continued_after(self, position: int) -> bool:
        """A continuation line begins at `position`, with nothing but spaces before it."""
        text = self.members_text
        return any(start >= position and not text[position:start].strip() for start in self.line_starts)


_TOP_LEVEL_SEPARATOR = re.compile(r"[,;](?![^()]*\))")


# A word broken at a line end with the count between its parts: "Pro-" ... "cess".
_BROKEN = re.compile(r"(?<=[a-z])-\s+(?=[a-z])")


@dataclass(frozen=True)
class _Item:
    """A list item or member as written, and its span in the members text it was cut from."""

    text: str
    start: int
    end: int


def _items(text: str) -> list[_Item]:
    """Comma- or semicolon-separated items outside parentheses, stripped, with their spans."""
    items, start = [], 0
    for match in [*_TOP_LEVEL_SEPARATOR.finditer(text), None]:
        end = match.start() if match else len(text)
        raw = text[start:end]
        stripped = raw.strip().rstrip(".").strip()
        if stripped:
            lead = start + len(raw) - len(raw.lstrip())
            items.append(_Item(stripped, lead, lead + len(stripped)))
        start = match.end() if match else len(text)
    return items


def _with_named_commas(items: list[_Item], text: str, resolver: Resolver) -> list[_Item]:
    """The items, with those that a body's name splits at its commas joined again
    ("Intergovernmental Consultations on Migration" + "Asylum and Refugees")."""
    joined: list[_Item] = []
    i = 0
    while i < len(items):
        item = items[i]
        if resolver.resolve(item.text, record=False).iscm_id is None:
            for j in range(i + 1, min(i + 3, len(items))):
                name = text[item.start : items[j].end]
                if resolver.resolve(name, fuzzy=False, record=False).iscm_id is not None:
                    item, i = _Item(name, item.start, items[j].end), j
                    break
        joined.append(item)
        i += 1
    return joined


_AND = re.compile(r"\s+(?:and|&)\s+")


def _joined_members(item: _Item, resolver: Resolver) -> list[tuple[str, _Item]]:
    """The members of an item that joins them with "and" or "&" ("IGC & RCM"), each with its
    iscm_id; empty unless every part is a member (a body's name may hold an "and":
    "Consultations on Migration, Asylum and Refugees")."""
    found: list[tuple[str, _Item]] = []
    at = 0
    for part in _AND.split(item.text):
        at = item.text.index(part, at)
        iscm_id = resolver.resolve(part, record=False).iscm_id
        if iscm_id is None:
            return []
        found.append((iscm_id, _Item(part, item.start + at, item.start + at + len(part))))
        at += len(part)
    for _, member in found:
        resolver.resolve(member.text)  # recorded in the aliases table
    return found if len(found) > 1 else []


class ThemeExtractor:
    def __init__(self, theme_rules: ThemeRules, rules: FactRules):
        self.catalogue = ThemeCatalogue(theme_rules)
        self.rules = rules
        self.syntax = listing.ListSyntax.from_rules(rules)

    def extract(
        self, doc_id: str, sections: list[Section], resolver: Resolver
    ) -> tuple[list[ThemeRow], list[Problem]]:
        rows: list[ThemeRow] = []
        problems: list[Problem] = []
        for section in sections:
            group = GROUPS.get(section.kind)
            if group is None:
                continue
            for entry in self._entries(section, resolver):
                entry_rows, entry_problems = self._rows(doc_id, group, entry, resolver)
                rows += entry_rows
                problems += entry_problems
        return rows, problems

    def _entries(self, section: Section, resolver: Resolver) -> list[_Entry]:
        entries: list[_Entry] = []
        current: _Entry | None = None
        # A line that may begin a theme name wrapped before its colon, and whether a blank line
        # stood before it.
        pending: tuple[str, int, bool] | None = None
        after_blank = True
        for i, (line, line_start) in enumerate(self._lines(section, resolver)):
            text = line.strip()
            if not text or (i == 0 and text == section.heading):
                pending, after_blank = None, True
                continue
            bullet = self.rules.bullet.match(text)
            text = text[bullet.end() :] if bullet else text
            lead = line_start + len(line) - len(text) - (len(line) - len(line.rstrip()))
            separator = self.rules.theme_separator.search(text)
            head, rest = (text[: separator.start()], text[separator.end() :]) if separator else (text, "")
            # Joined to the line before when that line opened a paragraph or the name goes on in
            # lower case ("Return, readmission," / "reintegration: Bali Process, ...").
            if pending and separator and (pending[2] or head[:1].islower()):
                head, lead = f"{pending[0]} {head}", pending[1]
            head_count = self.rules.stated_count.search(head) if separator else None
            if head_count is not None and not head[head_count.end() :].strip():
                head = head[: head_count.start()]
            else:
                head_count = None
            if separator and 0 < len(head.split()) <= self.rules.max_theme_words and "//" not in rest[:2]:
                current, pending = _Entry(" ".join(head.split()), lead), None
                current.head_count = head_count["n"] if head_count else None
                entries.append(current)
                current.extend(rest.strip(), line_start + len(line.rstrip()) - len(rest.lstrip()))
            elif current is not None and self._continues(current, text, resolver):
                current.extend(text, lead)
            else:
                # A chart label, a note, or the first line of a theme name wrapped before its colon.
                current, pending = None, (text, lead, after_blank)
            after_blank = False
        return entries

    def _lines(self, section: Section, resolver: Resolver) -> list[tuple[str, int]]:
        """The section's lines with their offsets, a run-in heading ("Thematic Areas Data: ...")
        set apart and a run-together list cut into one line per entry (listing.py)."""
        lines = section.lines()
        heading = section.heading or ""
        if lines and heading and lines[0][0].startswith(heading + " "):
            first, start = lines[0]
            lines[0:1] = [(heading, start), (first[len(heading) + 1 :], start + len(heading) + 1)]
        cut: list[tuple[str, int]] = []
        for line, start in lines:
            starts = [0, *listing.entry_starts(line, self.syntax, resolver), len(line)]
            cut += [(line[a:b], start + a) for a, b in itertools.pairwise(starts)]
        return cut

    def _continues(self, entry: _Entry, line: str, resolver: Resolver) -> bool:
        """A line continues an entry whose list is still open: nothing yet after the colon, a
        trailing comma or an open bracket ("[10" / "ISCMs]"), a count alone ("[4 ISCMs]"), or a
        name split by the break ("Prague" + "Process", "Quito" + "Process [7 ISCMs]")."""
        members = entry.members_text.rstrip()
        count = self.rules.stated_count.search(members)
        if count is not None:
            if members[count.end() :].strip():
                return False  # prose after the count on its line
            members = members[: count.start()].rstrip()
            if not members or members.endswith("-"):
                return True  # "Theme: (6 ISCMs)" / "A, B" or "Budapest Pro- (6 ISCMs)" / "cess, C"
        unclosed = members.count("[") > members.count("]") or members.count("(") > members.count(")")
        if not members or members.endswith((",", ";")) or unclosed:
            return True
        if self.rules.stated_count.match(line.strip()):
            return True  # the count itself wrapped onto the next line
        listed, following = _items(members), _items(line)
        if not listed or not following:
            return False
        last, first = listed[-1].text, self.rules.stated_count.sub("", following[0].text).strip()
        joined = resolver.resolve(f"{last} {first}", record=False).iscm_id
        return bool(joined) and resolver.resolve(first, fuzzy=False, record=False).iscm_id is None

    def _rows(
        self, doc_id: str, group: str, entry: _Entry, resolver: Resolver
    ) -> tuple[list[ThemeRow], list[Problem]]:
        text = entry.members_text
        stated_count, listed_part = self._stated_count(entry)
        members, problems = self._members(doc_id, entry, listed_part, resolver)
        if all(key.startswith("?") for key in members):
            return [], []  # names no known body: a note or a sentence with a colon, not a list entry
        theme_id = self.catalogue.theme_id(entry.theme)
        if theme_id is None:
            problems.append(
                _warning(doc_id, f"theme {entry.theme!r} is not in rules/themes.yaml", entry.start)
            )
        listed_count = None if "*" in members else len(members)
        count_ok = None if stated_count is None or listed_count is None else stated_count == listed_count
        if count_ok is False:
            message = f"theme {entry.theme!r}: {stated_count} ISCMs stated, {listed_count} listed"
            problems.append(_warning(doc_id, message, entry.start))
        evidence = f"{entry.theme}: {' '.join(text.split())}"
        return [
            ThemeRow(
                group=group,
                theme=entry.theme,
                theme_id=theme_id,
                iscm_id=None if key.startswith("?") else key,
                member=member.text,
                stated_count=stated_count,
                listed_count=listed_count,
                count_ok=count_ok,
                evidence=evidence,
                char_start=entry.chars[member.start][1],
                char_end=entry.chars[member.end - 1][1] + 1,
            )
            for key, member in members.items()
        ], problems

    def _stated_count(self, entry: _Entry) -> tuple[int | None, str]:
        """The count the entry states ("[6 ISCMs]", or after its name), and the text of its
        members: up to the count, or with the count blanked where the list goes on after it."""
        text = entry.members_text
        counts = list(self.rules.stated_count.finditer(text))
        count_text = entry.head_count or (counts[0]["n"] if counts else None)
        stated_count = number_value(count_text, self.rules) if count_text else None
        listed_part = text
        for count in counts:
            if not entry.continued_after(count.end()):
                listed_part = listed_part[: count.start()]  # the count closes the list
                break
            # A count printed beside the first line of a list that goes on: blanked, not cut,
            # so that offsets stay those of `text`.
            blank = " " * (count.end() - count.start())
            listed_part = listed_part[: count.start()] + blank + text[count.end() :]
        return stated_count, listed_part

    def _members(
        self, doc_id: str, entry: _Entry, listed_part: str, resolver: Resolver
    ) -> tuple[dict[str, _Item], list[Problem]]:
        """The entry's members: iscm_id, "*" (all ISCMs) or "?name" (not in the registry) -> the
        member as written, with its span in `listed_part`; a problem for each unknown member."""
        problems: list[Problem] = []
        members: dict[str, _Item] = {}
        for item in _with_named_commas(_items(listed_part), listed_part, resolver):
            if any(p.search(item.text) for p in self.rules.all_members):
                members.setdefault("*", item)
                continue
            hit = resolver.resolve(item.text)
            if not hit.iscm_id and _BROKEN.search(item.text):  # "Budapest Pro- (6 ISCMs)" / "cess"
                hit = resolver.resolve(_BROKEN.sub("", item.text))
            joined = [] if hit.iscm_id else _joined_members(item, resolver)
            for iscm_id, member in joined:  # "MIDWA and the Rabat Process"
                members.setdefault(iscm_id, member)
            if joined:
                continue
            if hit.iscm_id:
                members.setdefault(hit.iscm_id, item)
            elif item.text[0].islower():
                break  # prose follows the members: "incorporated in thematic area discussions ..."
            else:
                members.setdefault("?" + name_key(item.text), item)
                message = f"theme {entry.theme!r}: member {item.text!r} is not in the registry"
                problems.append(_warning(doc_id, message, entry.chars[item.start][1]))
        return members, problems


def _warning(doc_id: str, message: str, at: int) -> Problem:
    return Problem(doc_id, "themes", "warning", message, at)
