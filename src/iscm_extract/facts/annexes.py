"""Stage 6d: the annexes of reports and surveys: the participant table, the list of speakers, and
the ISCMs that answered a survey.

The participant table comes as tab-separated rows ("1.<tab>ISCM and role<tab>Name<tab>Position")
under a header row ("#<tab>ISCM<tab>Name<tab>Position") that repeats on every page; a row cut by
a page break goes on in a line whose first cells are empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from iscm_extract.model import Participant, Problem, Span, Speaker, SurveyRespondent, lines_with_offsets
from iscm_extract.rules import FactRules
from iscm_extract.structure.normalise import Resolver

_ROW = re.compile(r"^(?P<no>\d{1,3})\.\s*\t(?P<cells>.*)$")


def _role_at_end(text: str, rules: FactRules) -> str | None:
    return next((r for r in rules.roles if text.casefold().endswith(" " + r.casefold())), None)


def _role_in(text: str, rules: FactRules) -> str | None:
    found = [(m.start(), r) for r in rules.roles if (m := re.search(rf"(?<![\w-]){re.escape(r)}\b", text))]
    return min(found)[1] if found else None


@dataclass(frozen=True)
class _BodyRole:
    """A body named in the ISCM column, and the role written after its name."""

    body: str
    role: str | None


def _split_roles(cell: str, rules: FactRules) -> list[_BodyRole]:
    """'AU HoAI (AU HoAI) Co-Secretariat and PAFOM Secretariat' -> [(body, role), ...]: the
    column joins bodies with "and" after a role, and a role follows its body's name."""
    parts, start = [], 0
    for joint in re.finditer(r"\s+and\s+(?=[A-Z])", cell):
        if _role_at_end(cell[: joint.start()], rules):
            parts.append(cell[start : joint.start()])
            start = joint.end()
    parts.append(cell[start:])
    result = []
    for part in parts:
        role = _role_at_end(part, rules)
        name = part[: len(part) - len(role)].strip() if role else part.strip()
        result.append(_BodyRole(name, role))
    return result


@dataclass(frozen=True)
class _TableRow:
    no: int
    group: str
    cells: tuple[str, str, str]  # organisation, name, position
    start: int
    end: int


def _table_rows(text: str, rules: FactRules) -> list[_TableRow]:
    """The participant table's rows, continuation lines joined, each with the group of its header."""
    rows: list[_TableRow] = []
    group: str | None = None
    for line, start in lines_with_offsets(text):
        cells = line.split("\t")
        if cells[0].strip() == "#" and len(cells) >= 3:
            group = rules.header_groups.get(cells[1].strip().casefold(), group)
        elif group is None:
            continue
        elif row := _ROW.match(line):
            values = [c.strip() for c in row["cells"].split("\t")] + ["", "", ""]
            columns = (values[0], values[1], values[2])
            rows.append(_TableRow(int(row["no"]), group, columns, start, start + len(line)))
        elif rows and line.startswith("\t") and line.strip():
            # A row cut by a page break: its remaining text sits in the same columns.
            rows[-1] = _continued(rows[-1], cells[1:4], start + len(line))
        elif line.strip() and not re.match(r"^[IVX]+\.\s", line):
            group = None  # the table ended; a part heading ("II. Host and Organizers") does not end it
    return rows


def _continued(row: _TableRow, more: list[str], end: int) -> _TableRow:
    """The row with the text of its continuation line's columns added."""
    organisation, name, position = (
        f"{cell} {value.strip()}".strip() if value.strip() else cell
        for cell, value in zip(row.cells, [*more, "", "", ""][:3], strict=True)
    )
    return replace(row, cells=(organisation, name, position), end=end)


def participants(
    doc_id: str, text: str, resolver: Resolver, rules: FactRules
) -> tuple[list[Participant], list[Problem]]:
    found: list[Participant] = []
    problems: list[Problem] = []
    for row in _table_rows(text, rules):
        organisation, name, position = row.cells
        ids: list[str] = []
        roles: list[str | None] = []
        for named in _split_roles(organisation, rules) if row.group == "iscm" else []:
            body, role = named.body, named.role
            hit = resolver.resolve_heading(body)
            if hit is None or hit.iscm_id is None:
                message = f"participant row {row.no}: {body!r} not resolved"
                problems.append(Problem(doc_id, "participants", "warning", message, row.start))
                continue
            ids.append(hit.iscm_id)
            # No role in the ISCM column: the position may say it ("... MIDWA Chair").
            roles.append(role or _role_in(position, rules))
        found.append(
            Participant(
                row.no, row.group, organisation, tuple(ids), tuple(roles), name, position, row.start, row.end
            )
        )
    return found, problems


_SPEAKER = re.compile(r"^(?P<name>[^,]{3,60}),(?: [A-Z].*)?$")  # the position may start on the next line


PersonTest = Callable[[str, int], bool]  # (line, length of the name at its start) -> a person's name?


def _is_speaker_start(line: str, previous: str | None, is_person: PersonTest) -> bool:
    """'Name Surname, Position': two to six capitalised words before the first comma and a
    position that starts with a capital ("Union Commission, for the ..." is a wrapped position).
    Inside a paragraph (where a column break may have joined two entries) the line must also
    follow a finished line (not a comma or a lower-case word) and its name be a PERSON to NER."""
    match = _SPEAKER.match(line)
    if not match:
        return False
    words = match["name"].split()
    if not 2 <= len(words) <= 6 or not all(w[0].isupper() for w in words if w[0].isalpha()):
        return False
    if previous is None:
        return True
    last = previous.split()[-1] if previous.split() else ""
    return not (last.endswith((",", ";")) or last[:1].islower()) and is_person(line, len(match["name"]))


@dataclass(frozen=True)
class _Entry:
    """A speaker's entry: its lines joined, from the start of its first to the end of its last."""

    text: str
    start: int
    end: int


def speakers(text: str, resolver: Resolver, rules: FactRules, is_person: PersonTest) -> list[Speaker]:
    """'Name, position, role of the Body' entries after a "List of Speakers" heading, each from a
    paragraph start or a line that starts a new name, up to the first paragraph of another shape."""
    entries: list[_Entry] = []
    lines = lines_with_offsets(text)
    first = next(
        (i for i, (line, _) in enumerate(lines) if rules.speakers_heading.search(line.strip())), None
    )
    previous: str | None = None  # the line before, None after a blank line
    for line, start in lines[first + 1 :] if first is not None else []:
        stripped = line.strip()
        if not stripped:
            previous = None
            continue
        if _is_speaker_start(stripped, previous, is_person):
            entries.append(_Entry(stripped, start, start + len(line)))
        elif previous is not None and entries:
            entries[-1] = _Entry(f"{entries[-1].text} {stripped}", entries[-1].start, start + len(line))
        else:
            break  # a paragraph of another shape ends the list
        previous = stripped
    found = []
    for number, entry in enumerate(entries, 1):
        name, _, position = entry.text.partition(", ")
        ids = tuple(dict.fromkeys(i for _, _, i in resolver.find_mentions(position)))
        found.append(Speaker(number, name, position, ids, entry.start, entry.end))
    return found


_TOP_LEVEL_COMMA = re.compile(r",(?![^()]*\))")


def _items(text: str, start: int, end: int) -> list[Span]:
    """Spans of the comma-separated items of text[start:end], stripped."""
    spans, position = [], start
    for piece in [*_TOP_LEVEL_COMMA.finditer(text, start, end), None]:
        stop = piece.start() if piece else end
        chunk = text[position:stop]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append(Span(position + lead, position + len(chunk.rstrip())))
        position = piece.end() if piece else end
    return spans


_AND = re.compile(r"^(?:and|&)\s+")


def _longest_name(text: str, items: list[Span], i: int, resolver: Resolver) -> tuple[int, str | None]:
    """How many items from i make one name, and its id. A name may hold a comma ("Organization of
    African, Caribbean and Pacific States ..."): the next items join while that makes an unresolved
    name resolve; ", and X" is always the list's last item, never the end of another name."""
    for span in range(1, min(3, len(items) - i) + 1):
        if span > 1 and _AND.match(text[items[i + span - 1].start :]):
            break
        hit = resolver.resolve_heading(
            " ".join(_AND.sub("", text[items[i].start : items[i + span - 1].end]).split())
        )
        if hit is not None and hit.iscm_id is not None:
            return span, hit.iscm_id
    return 1, None


def survey_respondents(
    doc_id: str, text: str, resolver: Resolver, rules: FactRules
) -> tuple[list[SurveyRespondent], list[Problem]]:
    """The ISCMs a survey summary names as having answered: 'feedback received from the
    following ISCMs: A (X), B, ..., and C.'"""
    found: list[SurveyRespondent] = []
    problems: list[Problem] = []
    flat = text.replace("\n", " ")  # the intro may wrap over lines; offsets stay the same
    for pattern in rules.respondents_intro:
        intro = pattern.search(flat)
        if intro is None:
            continue
        end = text.find("\n\n", intro.end())
        end = len(text) if end < 0 else end
        sentence_end = re.search(r"\.(?:\s|$)", text[intro.end() : end])
        end = intro.end() + sentence_end.start() if sentence_end else end
        items = _items(text, intro.end(), end)
        i = 0
        while i < len(items):
            span, iscm_id = _longest_name(text, items, i, resolver)
            start, stop = items[i].start, items[i + span - 1].end
            start += len(text[start:stop]) - len(_AND.sub("", text[start:stop]))
            if iscm_id is None:
                problems.append(
                    Problem(
                        doc_id,
                        "survey",
                        "warning",
                        f"survey respondent {text[start:stop]!r} not resolved",
                        start,
                    )
                )
            found.append(SurveyRespondent(iscm_id, " ".join(text[start:stop].split()), start, stop))
            i += span
        break
    return found, problems
