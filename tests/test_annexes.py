"""Report and survey annexes: participants, speakers, survey respondents; and the notebook join."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.conftest import GOLD
from tests.helpers import PARTICIPANT_TABLE, REPORT_HEAD, extract_text

from iscm_extract.model import DocumentResult
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate


def extract(tmp_path: Path, rules: Rules, text: str, name: str = "grcp11-report.txt") -> DocumentResult:
    return extract_text(tmp_path, rules, text, name)


def test_participants_of_the_grcp9_report(corpus_outputs: Path) -> None:
    scores = {s.doc_id: s for s in evaluate.evaluate(GOLD, corpus_outputs, ["participants"])}
    report = evaluate.format_scores(list(scores.values()))
    overall = scores["*"]
    assert overall.n_gold == overall.n_pred == overall.n_matched == 67, report  # names exact
    participants = pd.read_parquet(corpus_outputs / "participants.parquet")
    iscm_rows = participants[participants["group"] == "iscm"]
    gold = evaluate.read_gold(GOLD, "participants").set_index("row_no")
    resolved = sum(
        ";".join(row.iscm_ids) == gold.loc[str(row.row_no), "iscm_ids"] for row in iscm_rows.itertuples()
    )
    assert resolved / len(iscm_rows) >= 0.95, report
    assert set(participants["group"]) == {"iscm", "host"}


def test_speakers_and_survey_respondents_match_the_gold(corpus_outputs: Path) -> None:
    scores = {
        (s.table, s.doc_id): s
        for s in evaluate.evaluate(GOLD, corpus_outputs, ["speakers", "survey_respondents"])
    }
    report = evaluate.format_scores(list(scores.values()))
    for table in ("speakers", "survey_respondents"):
        assert scores[(table, "*")].f1 == 1.0, report
    assert all(eq == n for _, eq, n in scores[("speakers", "*")].fields), report


def test_a_participant_table_split_by_pages(tmp_path: Path, rules: Rules) -> None:
    result = extract(tmp_path, rules, REPORT_HEAD + PARTICIPANT_TABLE)
    rows = [(p.row_no, p.group, p.iscm_ids, p.role, p.name, p.position) for p in result.facts.participants]
    assert rows == [
        (
            1,
            "iscm",
            ("MIDCAS",),
            "Chair",
            "Ms Ana Bello",
            "Director of Migration, Ministry of Interior of Chad",
        ),
        (
            2,
            "iscm",
            ("COLOMBO", "ADD"),
            "Secretariat",
            "Mr Li Wei",
            "Head of the joint Secretariat of the Colombo Process and the ADD",
        ),
        (3, "iscm", ("RCM",), "Chair", "Mr Juan Perez", "Vice-Minister, RCM Chair"),
        (4, "iscm", (), None, "Ms Eva Ruiz", "Coordinator"),
        (5, "host", (), None, "Ms Ada Okoro", "Migration Policy Officer"),
    ]
    assert [p.message for p in result.problems if p.stage == "participants"] == [
        "participant row 4: 'Andean Migration Forum' not resolved"
    ]


def test_a_list_of_speakers(tmp_path: Path, rules: Rules) -> None:
    speakers = (
        "List of Speakers (Alphabetical order)\n\n"
        "Ana Bello, Director of Migration, Chad, Chair of the Migration Dialogue for Central African "
        "States\n\n"
        "John K. Mensah, Head of the MIDWA Secretariat and of the Rabat Process Secretariat\n\n"
        "ANNEX VI: List of Participants\n\nMs Eva Ruiz, Coordinator\n"
    )
    result = extract(tmp_path, rules, REPORT_HEAD + speakers)
    assert [(s.row_no, s.name, s.iscm_ids) for s in result.facts.speakers] == [
        (1, "Ana Bello", ("MIDCAS",)),
        (2, "John K. Mensah", ("MIDWA", "RABAT")),
    ]


def test_survey_respondents_with_a_comma_inside_a_name(tmp_path: Path, rules: Rules) -> None:
    survey = (
        "Summary of Survey on Contributions of Inter-State Consultation Mechanisms on Migration (ISCM) to "
        "the 2031 Review\n\nThis document summarizes the feedback received from the following ISCMs: "
        "Organization of African, Caribbean and Pacific States - European Union Dialogue on Migration and "
        "Development (OACPS-EU MD), Bali Process, Andean Migration Forum, and South American Conference on "
        "Migration (SACM). The survey ran in April.\n"
    )
    result = extract(tmp_path, rules, survey, "survey-2031.txt")
    assert [(r.iscm_id, r.name) for r in result.facts.survey_respondents] == [
        (
            "OACPS-EU",
            "Organization of African, Caribbean and Pacific States - European Union Dialogue on "
            "Migration and Development (OACPS-EU MD)",
        ),
        ("BALI", "Bali Process"),
        (None, "Andean Migration Forum"),
        ("SACM", "South American Conference on Migration (SACM)"),
    ]
    text = result.document.text
    assert all(text[r.char_start : r.char_end] == r.name for r in result.facts.survey_respondents)
    assert [p.message for p in result.problems if p.stage == "survey"] == [
        "survey respondent 'Andean Migration Forum' not resolved"
    ]


def test_notebook_style_join_of_themes_to_meetings(corpus_outputs: Path) -> None:
    """What an analyst does first: themes per ISCM and year beside that year's meetings."""
    themes = pd.read_parquet(corpus_outputs / "themes.parquet")
    counts = pd.read_parquet(corpus_outputs / "meeting_counts.parquet")
    documents = pd.read_parquet(corpus_outputs / "documents.parquet")
    # Meetings counted as the README says: meeting_counts.n_meetings, by the meetings' own year.
    per_iscm = counts.groupby(["iscm_id", "year"])["n_meetings"].sum().reset_index()
    joined = themes[themes["iscm_id"] != "*"].merge(per_iscm, on=["iscm_id", "year"], how="left")
    assert joined["year"].dtype == documents["year"].dtype == themes["year"].dtype
    labour_2023 = joined[(joined["theme_id"] == "labour_migration") & (joined["year"] == 2023)]
    assert len(labour_2023) == 16
    assert labour_2023["n_meetings"].notna().sum() >= 12  # most ISCMs with the theme met that year
    assert themes["count_ok"].dtype == "boolean" and str(themes["stated_count"].dtype) == "Int32"
