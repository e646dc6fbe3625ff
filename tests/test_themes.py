"""Themes and global initiatives: eval targets on the corpus, and each line shape on new text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.conftest import GOLD, NEWSLETTERS
from tests.helpers import HEAD, OPENING, extract_text

from iscm_extract.facts.themes import ThemeCatalogue
from iscm_extract.model import Problem, ThemeRow
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate


def themes_of(tmp_path: Path, rules: Rules, lists: str) -> tuple[list[ThemeRow], list[Problem]]:
    result = extract_text(tmp_path, rules, HEAD + OPENING + lists, "issue-2031.txt")
    return result.facts.themes, [p for p in result.problems if p.stage == "themes"]


def members(rows: list[ThemeRow], theme: str) -> list[str | None]:
    return [r.iscm_id for r in rows if r.theme == theme]


# --- targets on the corpus ------------------------------------------------------------------------


def test_themes_eval_meets_the_target(corpus_outputs: Path) -> None:
    scores = {s.doc_id: s for s in evaluate.evaluate(GOLD, corpus_outputs, ["themes"])}
    report = evaluate.format_scores(list(scores.values()))
    assert set(NEWSLETTERS) <= set(scores), report
    assert scores["*"].f1 >= 0.98, report
    for field, equal, compared in scores["*"].fields:
        assert equal == compared, (field, report)


def test_every_corpus_theme_has_a_theme_id(corpus_outputs: Path) -> None:
    themes = pd.read_parquet(corpus_outputs / "themes.parquet")
    assert themes["theme_id"].notna().all(), themes[themes["theme_id"].isna()]["theme"].unique()


def test_each_mismatched_stated_count_is_a_problem(corpus_outputs: Path) -> None:
    """The gold's count_ok (counted by hand) and the problems table agree theme by theme."""
    gold = evaluate.read_gold(GOLD, "themes")
    mismatched_gold = {(r.doc_id, r.theme) for r in gold.itertuples() if r.count_ok == "false"}
    problems = pd.read_parquet(corpus_outputs / "problems.parquet")
    counted = problems[(problems["stage"] == "themes") & problems["message"].str.contains("stated")]
    themes = pd.read_parquet(corpus_outputs / "themes.parquet")
    mismatched_extracted = {(r.doc_id, r.theme) for r in themes.itertuples() if r.count_ok is False}
    assert mismatched_extracted == mismatched_gold
    assert len(counted) == len(mismatched_gold)


# --- line shapes ----------------------------------------------------------------------------------


def test_a_list_wrapping_over_lines_and_a_name_split_by_a_break(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\nBorder management: Bali Process, IGC, Khartoum\n\nProcess, MIDSA,\n"
        "OCAM, Rabat Process\n\nData: RCM, SACM\n\n[2 ISCMs]\n\nYouth: IGC, Quito\nProcess [2 ISCMs]\n",
    )
    assert members(rows, "Border management") == ["BALI", "IGC", "KHARTOUM", "MIDSA", "OCAM", "RABAT"]
    assert [(r.iscm_id, r.stated_count) for r in rows if r.theme == "Data"] == [("RCM", 2), ("SACM", 2)]
    assert [(r.iscm_id, r.stated_count) for r in rows if r.theme == "Youth"] == [("IGC", 2), ("QUITO", 2)]
    assert not problems


def test_a_theme_name_that_wraps_before_its_colon(tmp_path: Path, rules: Rules) -> None:
    rows, _ = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\nFinancing for migration, cooperation with MDBs and private sector:\n\n"
        "PIDC, Colombo Process [2 ISCMs]\n",
    )
    assert [(r.theme_id, r.iscm_id, r.stated_count, r.count_ok) for r in rows] == [
        ("financing", "PIDC", 2, True),
        ("financing", "COLOMBO", 2, True),
    ]


def test_prose_after_the_members_is_not_a_member(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path,
        rules,
        "Global Initiatives\n\nGlobal Compact for Migration: MIDWA, Budapest Process; "
        "taken up in thematic discussions of other ISCMs\n\n"
        "2030 Agenda and SDGs: RCM, MIDSA [2 ISCMs], addressed at the GRCP 11 (19 ISCMs) and "
        "through the survey (12 ISCMs)\n",
    )
    assert members(rows, "Global Compact for Migration") == ["MIDWA", "BUDAPEST"]
    assert members(rows, "2030 Agenda and SDGs") == ["RCM", "MIDSA"]
    assert {r.group for r in rows} == {"global_initiative"}
    assert not problems


def test_all_iscms_is_a_star_and_its_count_is_not_checked(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path, rules, "Thematic Areas\n\nPartnership and cooperation on migration: all ISEMs [24 ISCMs]\n"
    )
    assert [(r.iscm_id, r.stated_count, r.listed_count, r.count_ok) for r in rows] == [("*", 24, None, None)]
    assert not problems


def test_a_stated_count_that_does_not_add_up_is_reported(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\nDiaspora: GFMD, MIDSA, Rabat Process [4 ISCMs]\n\nEducation: RCM [1 ISCM]\n",
    )
    assert {(r.theme, r.stated_count, r.listed_count, r.count_ok) for r in rows} == {
        ("Diaspora", 4, 3, False),
        ("Education", 1, 1, True),
    }
    assert [p.message for p in problems] == ["theme 'Diaspora': 4 ISCMs stated, 3 listed"]
    assert problems[0].char_start is not None


def test_typos_resolve_and_unknown_members_are_reported_not_dropped(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\nLabour migration: Migration Dialogue for Southern Afrika, AU HOAI, "
        "Andean Migration Forum [3 ISCMs]\n",
    )
    assert [(r.member, r.iscm_id) for r in rows] == [
        ("Migration Dialogue for Southern Afrika", "MIDSA"),
        ("AU HOAI", "AU-HOAI"),
        ("Andean Migration Forum", None),
    ]
    assert rows[0].count_ok is True
    assert [p.message for p in problems] == [
        "theme 'Labour migration': member 'Andean Migration Forum' is not in the registry"
    ]


def test_an_unknown_theme_keeps_its_rows_and_is_reported(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(tmp_path, rules, "Thematic Areas\n\nSpace migration: IGC, RCM\n")
    assert [(r.theme_id, r.iscm_id) for r in rows] == [(None, "IGC"), (None, "RCM")]
    assert [p.message for p in problems] == ["theme 'Space migration' is not in rules/themes.yaml"]


def test_chart_labels_and_notes_after_a_list_are_not_members(tmp_path: Path, rules: Rules) -> None:
    rows, _ = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\nGender: OCAM, RCM\n\nMost popular thematic areas addressed by ISCMs\n\n"
        "Irregular migration\n\nCollective ISCM submissions\n\n- Joint ISCM note to the HLPF\n",
    )
    assert [(r.theme, r.iscm_id) for r in rows] == [("Gender", "OCAM"), ("Gender", "RCM")]


def test_one_theme_id_across_years_and_spellings(rules: Rules) -> None:
    catalogue = ThemeCatalogue(rules.themes)
    assert {
        catalogue.theme_id(name)
        for name in ("Combating human trafficking", "Combatting human trafficking", "Counter-trafficking")
    } == {"counter_trafficking"}
    assert catalogue.theme_id("Asylum, IDPs, Refugees") == catalogue.theme_id("Asylum and Refugees")
    # Near names of different themes stay apart.
    assert catalogue.theme_id("Migrant health") != catalogue.theme_id("Migrant protection")
    assert catalogue.theme_id("Migration law") != catalogue.theme_id("Migration and development")


def test_dash_separators_and_bullets(tmp_path: Path, rules: Rules) -> None:
    rows, problems = themes_of(
        tmp_path,
        rules,
        "Thematic Areas\n\n• Labour migration – ADD, Colombo Process [2 ISCMs]\n\n"
        "- Counter-trafficking - Bali Process, COMMIT\n\n"
        "- Joint ISCM note to the SDG Summit - Collective submission\n",
    )
    assert [(r.theme, r.theme_id, r.iscm_id) for r in rows] == [
        ("Labour migration", "labour_migration", "ADD"),
        ("Labour migration", "labour_migration", "COLOMBO"),
        ("Counter-trafficking", "counter_trafficking", "BALI"),
        ("Counter-trafficking", "counter_trafficking", "COMMIT"),
    ]
    assert not problems  # the last line names no body: a note, not a list entry


def test_a_count_beside_the_first_line_of_a_wrapped_list(tmp_path: Path, rules: Rules) -> None:
    """The count printed in a column beside the first line ("(6 ISCMs)") does not close a list
    that goes on, even through a name or a word broken by it; after a closed list, prose is no member."""
    lines = [
        "Border management: Bali Process, Budapest Process, (4 ISCMs)",
        "Prague Process, RCM",
        "Labour migration: Colombo Process, Prague (3 ISCMs)",
        "Process, IGC",
        "Data: Almaty Process, Buda- (2 ISCMs)",
        "pest Process",
        "Health (including Covid): (1 ISCMs)",
        "",
        "Quito Process [1 ISCMs]",
        "Return, readmission,",
        "reintegration: Bali Process, RCM (2 ISCMs); discussed at length in the survey",
    ]
    rows, _ = themes_of(tmp_path, rules, "Thematic Areas\n\n" + "\n".join(lines) + "\n")
    found = {theme: members(rows, theme) for theme in dict.fromkeys(r.theme for r in rows)}
    assert found == {
        "Border management": ["BALI", "BUDAPEST", "PRAGUE", "RCM"],
        "Labour migration": ["COLOMBO", "PRAGUE", "IGC"],
        "Data": ["ALMATY", "BUDAPEST"],
        "Health (including Covid)": ["QUITO"],
        "Return, readmission, reintegration": ["BALI", "RCM"],
    }


def test_numbered_entries_members_joined_by_and_and_counts_before_the_colon(
    tmp_path: Path, rules: Rules
) -> None:
    """Numbers ("1.", "b)") open entries as bullets do, the last members may be joined by "and" or
    "&", a count may follow the theme name or be a bare number ("[3]")."""
    lines = [
        "Thematic Areas",
        "",
        "a) Data: IGC, MIDWA and the Rabat Process",
        "",
        "b) Labour migration (4 ISCMs): ADD, Colombo Process, GFMD, IGC",
        "",
        "c) Migrant health: IGC & RCM [2]",
        "",
        "d) Asylum: Intergovernmental Consultations on Migration, Asylum and Refugees, SACM",
    ]
    rows, problems = themes_of(tmp_path, rules, "\n".join(lines) + "\n")
    found = {(r.theme, r.stated_count): members(rows, r.theme) for r in rows}
    assert found == {
        ("Data", None): ["IGC", "MIDWA", "RABAT"],
        ("Labour migration", 4): ["ADD", "COLOMBO", "GFMD", "IGC"],
        ("Migrant health", 2): ["IGC", "RCM"],
        ("Asylum", None): ["IGC", "SACM"],  # "and" inside a body's name is no joiner
    }
    assert all(r.count_ok is not False for r in rows)
    assert not [p for p in problems if "not in the registry" in p.message]
