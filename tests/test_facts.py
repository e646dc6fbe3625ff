"""Anniversaries and headline figures: exact on the corpus, and phrasing variants on new text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from tests.conftest import GOLD, NEWSLETTERS
from tests.helpers import HEAD, extract_text

from iscm_extract.model import DocumentResult
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate


def extract(tmp_path: Path, rules: Rules, body: str) -> DocumentResult:
    return extract_text(tmp_path, rules, HEAD + body, "issue-2031.txt")


def test_anniversaries_and_headline_figures_are_exact_on_the_corpus(corpus_outputs: Path) -> None:
    scores = {
        (s.table, s.doc_id): s
        for s in evaluate.evaluate(GOLD, corpus_outputs, ["anniversaries", "headline_stats"])
    }
    report = evaluate.format_scores(list(scores.values()))
    for table in ("anniversaries", "headline_stats"):
        assert {doc for t, doc in scores if t == table} >= set(NEWSLETTERS), report
        overall = scores[(table, "*")]
        assert overall.n_matched == overall.n_gold == overall.n_pred, report


def test_anniversary_phrasings(tmp_path: Path, rules: Rules) -> None:
    result = extract(
        tmp_path,
        rules,
        "Almaty Process\n\n20th Anniversary of the Almaty Process\n\nTwo SOMs (3 March and 9 October).\n\n"
        "Migration Dialogue for West Africa (MIDWA)\n\nThirty-fifth anniversary of MIDWA\n\n"
        "Ministerial Conference (4 May) marked the 35th anniversary of MIDWA (4 May).\n\n"
        "Regional Conference on Migration (RCM)\n\nThe RCM's 30th anniversary was celebrated in June. "
        "Plenary Meeting (2 June).\n\n"
        "Pacific Immigration Development Community (PIDC)\n\n30th anniversary of the Community\n\n"
        "Annual Conference (8 August).\n",
    )
    assert [(a.iscm_id, a.years) for a in result.facts.anniversaries] == [
        ("ALMATY", 20),
        ("MIDWA", 35),  # the heading and the sentence name one anniversary
        ("RCM", 30),
        ("PIDC", 30),  # "the Community": the section's body
    ]
    assert result.facts.anniversaries[0].evidence == "20th Anniversary of the Almaty Process"


def test_headline_figures_in_other_words(tmp_path: Path, rules: Rules) -> None:
    result = extract(
        tmp_path,
        rules,
        "MAIN MEETINGS BY ISCMs\n\n"
        "In 2031, 19 ISCMs organised a total of 151 meetings, including 20 at the senior level "
        "(with seven of them at the ministerial level) and 11 steering committee meetings. "
        "74% of meetings were at the technical level. 97 meetings were held in person, "
        "50 meetings were organised online and 4 meetings were held in hybrid format.\n\n"
        "Bali Process\n\nTwo SOMs (3 March and 9 October).\n\n"
        "ELEVENTH GLOBAL MEETING OF ISCMs (GRCP 11)\n\n"
        "The Meeting (4-5 May, Geneva) brought together the Chairs of twenty-two ISCMs; "
        "15 ISCMs took the floor.\n",
    )
    assert {(s.metric, s.value, s.unit) for s in result.facts.headline_stats} == {
        ("iscms_active", 19, "count"),
        ("meetings_total", 151, "count"),
        ("meetings_senior", 20, "count"),
        ("meetings_ministerial", 7, "count"),
        ("meetings_troika_steering", 11, "count"),
        ("meetings_technical_share", 74, "percent"),
        ("meetings_in_person", 97, "count"),
        ("meetings_online", 50, "count"),
        ("meetings_hybrid", 4, "count"),
        ("iscms_participating", 22, "count"),
        ("iscms_speaking", 15, "count"),
    }
    text = result.document.text
    spelled = {7: "seven", 22: "twenty-two"}
    for stat in result.facts.headline_stats:
        assert text[stat.char_start :].startswith(spelled.get(stat.value, str(stat.value)))
        assert stat.evidence in " ".join(text.split()), stat.evidence
        assert not stat.evidence.isupper() and "MAIN MEETINGS" not in stat.evidence


def test_figures_outside_statistics_and_global_meeting_sections_are_not_headlines(
    tmp_path: Path, rules: Rules
) -> None:
    result = extract(
        tmp_path, rules, "Bali Process\n\nThe SOM (3 March) brought together representatives of 12 ISCMs.\n"
    )
    assert result.facts.headline_stats == []


def test_fact_rows_point_at_their_text(
    corpus_outputs: Path, corpus_results: dict[str, DocumentResult]
) -> None:
    """Each row's char_start/char_end cover what it was read from, in the document's text."""

    def spans(table: str) -> list[tuple[str, str, str]]:
        frame = pd.read_parquet(corpus_outputs / f"{table}.parquet")
        return [
            (
                row["doc_id"],
                " ".join(
                    corpus_results[row["doc_id"]].document.text[row["char_start"] : row["char_end"]].split()
                ),
                row.get("member") or row.get("name"),
            )
            for row in frame.to_dict("records")
        ]

    for doc_id, covered, member in spans("themes") + spans("survey_respondents"):
        assert covered == member, doc_id
    expected = {
        "anniversaries": lambda row: str(row["years"]),
        "headline_stats": lambda row: str(row["value"]),
        "publications": lambda row: row["title"][:20],
        "participants": lambda row: row["name"],
        "speakers": lambda row: row["name"],
    }
    for table, part in expected.items():
        frame = pd.read_parquet(corpus_outputs / f"{table}.parquet")
        for row in frame.to_dict("records"):
            text = corpus_results[row["doc_id"]].document.text
            assert part(row) in " ".join(text[row["char_start"] : row["char_end"]].split()), (table, row)


def test_evidence_is_the_whole_sentence_at_the_start_of_a_text() -> None:
    from iscm_extract.facts.facts import _sentence

    text = "30th anniversary of OCAM. Next sentence."
    start, end = _sentence(text, 0, 4)
    assert text[start:end] == "30th anniversary of OCAM"
    start, end = _sentence(text, 26, 30)
    assert text[start:end] == "Next sentence."
