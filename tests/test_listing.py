"""Run-together themes lists (listing.py): where each entry starts, and the metamorphic check that
a list printed one entry per line and the same list run into one paragraph give the same rows."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from tests.helpers import OPENING, extract_text

from iscm_extract.rules import Rules
from iscm_extract.structure.listing import ListSyntax, entry_starts
from iscm_extract.structure.normalise import Resolver


@pytest.fixture(scope="module")
def cut(rules: Rules) -> object:
    syntax = ListSyntax.from_rules(rules.facts)
    resolver = Resolver(rules.registry, rules.normalise)

    def pieces(line: str) -> list[str]:
        starts = [0, *entry_starts(line, syntax, resolver), len(line)]
        return [line[a:b].strip() for a, b in itertools.pairwise(starts)]

    return pieces


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # After the longest member prefix of the item that is not a member.
        (
            "Data: IGC, MIDWA, Rabat Process Irregular migration: Almaty Process, RCM",
            ["Data: IGC, MIDWA, Rabat Process", "Irregular migration: Almaty Process, RCM"],
        ),
        # A theme name with commas of its own.
        (
            "Gender: ADD, OCAM Return, readmission, reintegration: Bali Process, IGC",
            ["Gender: ADD, OCAM", "Return, readmission, reintegration: Bali Process, IGC"],
        ),
        # "all ISCMs" is a member; a stated count closes the list.
        (
            "Governance: all ISCMs Migration law: RCM, SACM [2 ISCMs] Youth: IGC",
            ["Governance: all ISCMs", "Migration law: RCM, SACM [2 ISCMs]", "Youth: IGC"],
        ),
        # A note after the members, with a bracket of its own: the name opens with a digit.
        (
            "Global Compact for Migration: GFMD, RCM [2 ISCMs]; incorporated in discussions of other "
            "ISCMs (feedback from 14 ISCMs) 2030 Agenda and SDGs: ARCP",
            [
                "Global Compact for Migration: GFMD, RCM [2 ISCMs]; incorporated in discussions of other "
                "ISCMs (feedback from 14 ISCMs)",
                "2030 Agenda and SDGs: ARCP",
            ],
        ),
        # A heading between two entries stays at the start of the next one.
        (
            "Refugees: ARCP Thematic Areas Border management: IGC, RIAM",
            ["Refugees: ARCP", "Thematic Areas Border management: IGC, RIAM"],
        ),
    ],
)
def test_run_together_entries_are_cut_after_their_members(
    cut: object, line: str, expected: list[str]
) -> None:
    assert cut(line) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    "line",
    [
        "Data: IGC, MIDWA, Rabat Process",  # one entry
        # Titles with colons and no members: no list.
        "Social Capital and Smuggling: What is the Impact? (Prague Process) Briefing Paper: Urban migration",
        "Note: the survey ran from March to May. Outcome: a joint statement",
    ],
)
def test_a_line_that_is_no_run_together_list_is_left_whole(cut: object, line: str) -> None:
    assert cut(line) == [line]  # type: ignore[operator]


LIST = """GLOBAL INITIATIVES AND THEMATIC AREAS

Global Initiatives
Global Compact for Migration: Bali Process, GFMD, RCM [3 ISCMs]; also raised in other ISCMs (12 ISCMs)
2030 Agenda and SDGs: ARCP, MIDSA

Thematic Areas
Asylum, IDPs, Refugees: Almaty Process, IGC, Quito Process
Border management: Bali Process, Prague Process, RIAM, SACM
Data: IGC, MIDWA
Migration policy and governance: all ISCMs
Return, readmission, reintegration: Budapest Process, Khartoum Process
Youth and minors: OCAM, RCM

PUBLICATIONS

Annual report of the Bali Process (Bali Process) https://www.baliprocess.net/report
"""


def _rows(tmp_path: Path, rules: Rules, text: str) -> list[tuple[str, str, str | None]]:
    head = "ISCM 2031 Highlights\n\n" + OPENING
    rows = extract_text(tmp_path, rules, head + text, "issue-2031.txt").facts.themes
    return sorted((r.group, r.theme, r.iscm_id) for r in rows)


def test_a_list_run_into_one_paragraph_gives_the_same_rows(tmp_path: Path, rules: Rules) -> None:
    by_line = _rows(tmp_path, rules, LIST)
    assert len(by_line) == 3 + 2 + 3 + 4 + 2 + 1 + 2 + 2  # the members listed above
    assert ("global_initiative", "2030 Agenda and SDGs", "MIDSA") in by_line
    assert ("thematic_area", "Return, readmission, reintegration", "KHARTOUM") in by_line
    assert _rows(tmp_path, rules, " ".join(LIST.split())) == by_line
