# ruff: noqa: E501  (the pages below keep a paragraph on one line, as text taken from HTML does)
"""SPEC section 7 on texts written for these tests: documents that are not newsletters (web pages,
news items, press releases, meeting lists, reports), one mention per phrase, consecutive days and
stated counts, and a meeting's format read from its own words only.

Expected rows are written from reading the texts here, before running the extractor on them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import GOLD, ROOT
from tests.helpers import extract_text

from iscm_extract import pipeline
from iscm_extract.model import MeetingRecord
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate

# --- one set of facts in three page layouts (metamorphic) ------------------------------------------

MEETING_LIST = """Events | Almaty Process

Home   About   Events   Contact

Senior Officials' Meeting
Date: 11-12 September 2019
Location: Tashkent, Uzbekistan

Regional Workshop on Migration Data
Date: 30 November - 2 December 2018
Location: Bishkek, Kyrgyzstan

Webinar on Return and Reintegration
Dates: 14 and 15 May 2020
Location: online
"""

NEWS_LIST = """Latest news | Almaty Process

Officials meet in Tashkent
Posted 20/09/2019
Senior officials of the Almaty Process met in Tashkent, Uzbekistan, on 11-12 September 2019 for their Senior Officials' Meeting. Read more

Data experts gather in Bishkek
December 5, 2018
From 30 November to 2 December 2018, a regional workshop on migration data took place in Bishkek, Kyrgyzstan. Read more

Return and reintegration
A webinar on return and reintegration was held online on May 14 and 15, 2020. Read more
"""

PRESS_RELEASE = """PRESS RELEASE

Almaty Process takes stock of its work

Tashkent, 12 September 2019 - The Senior Officials' Meeting of the Almaty Process, held on 11-12 September 2019, closed today in Tashkent with a call for closer cooperation on data.

Notes to editors
- A regional workshop on migration data was held in Bishkek, Kyrgyzstan, from 30 November to 2 December 2018.
- A webinar on return and reintegration followed online on 14 and 15 May 2020.
"""

CALENDAR = """Calendar | Almaty Process

Senior Officials' Meeting
When: 11-12 September 2019
Where: Tashkent, Uzbekistan

Regional Workshop on Migration Data
When: 30 November - 2 December 2018
Venue: Bishkek, Kyrgyzstan

Webinar on Return and Reintegration
When: 14 and 15 May 2020
Venue: online
"""

SAME_FACTS = {
    ("ALMATY", date(2019, 9, 11), date(2019, 9, 12)),
    ("ALMATY", date(2018, 11, 30), date(2018, 12, 2)),
    ("ALMATY", date(2020, 5, 14), date(2020, 5, 15)),
}


def _extract(tmp_path: Path, rules: Rules, text: str, name: str = "page.txt") -> pipeline.DocumentResult:
    return extract_text(tmp_path, rules, text, name)


def _dated(records: list[MeetingRecord]) -> set[tuple[str | None, date | None, date | None]]:
    return {(r.iscm_id, r.start_date, r.end_date) for r in records if r.start_date}


@pytest.mark.parametrize(
    "text", [MEETING_LIST, NEWS_LIST, PRESS_RELEASE, CALENDAR], ids=["list", "news", "press", "calendar"]
)
def test_the_same_meetings_in_four_page_layouts(tmp_path: Path, rules: Rules, text: str) -> None:
    result = _extract(tmp_path, rules, text)
    assert result.info.kind == "web_page"
    # Exactly these: no record from a publication stamp ("Posted 20/09/2019", "December 5, 2018")
    # or from the dateline ("Tashkent, 12 September 2019 -").
    assert _dated(result.meetings) == SAME_FACTS
    assert len(result.meetings) == 3


@pytest.mark.parametrize("text", [MEETING_LIST, CALENDAR], ids=["list", "calendar"])
def test_a_label_before_a_place_is_no_part_of_it(tmp_path: Path, rules: Rules, text: str) -> None:
    places = {(r.city, r.country, r.format) for r in _extract(tmp_path, rules, text).meetings}
    assert places == {
        ("Tashkent", "Uzbekistan", "in_person"),
        ("Bishkek", "Kyrgyzstan", "in_person"),
        (None, None, "virtual"),
    }


@pytest.mark.parametrize(
    "sentence",
    [
        "Ministers of the Bali Process met today for the Eighth Ministerial Conference.",
        "The Eighth Ministerial Conference of the Bali Process opened this morning.",
        "The Eighth Ministerial Conference of the Bali Process was held on 6 August 2019.",
    ],
)
def test_a_meeting_held_today_takes_the_date_of_the_dateline(
    tmp_path: Path, rules: Rules, sentence: str
) -> None:
    page = f"Press release\n\nMinisters gather in Nusa Dua\n\nNUSA DUA, 6 August 2019 - {sentence}\n"
    result = _extract(tmp_path, rules, page)
    assert [(r.iscm_id, r.meeting_type, r.ordinal) for r in result.meetings] == [("BALI", "ministerial", 8)]
    assert _dated(result.meetings) == {("BALI", date(2019, 8, 6), date(2019, 8, 6))}


def test_a_menu_or_heading_word_of_a_page_is_no_meeting(tmp_path: Path, rules: Rules) -> None:
    title, _, entries = MEETING_LIST.split("\n\n", 2)
    page = f"{title}\n\nHome | About | Meetings | Library\n\nMeetings\n\n{entries}"
    result = _extract(tmp_path, rules, page)
    assert _dated(result.meetings) == SAME_FACTS
    assert len(result.meetings) == 3


def test_a_page_is_dated_by_its_stamp_and_read_with_its_year(tmp_path: Path, rules: Rules) -> None:
    page = (
        "Skip to main content\n\nNews\n\nPosted on 2 March 2015\n\n"
        "The Prague Process held its Senior Officials' Meeting in Warsaw, Poland, on 24 February.\n"
    )
    result = _extract(tmp_path, rules, page)
    assert result.info.year == 2015
    assert _dated(result.meetings) == {("PRAGUE", date(2015, 2, 24), date(2015, 2, 24))}


def test_a_meeting_is_booked_to_the_iscm_its_sentence_names(tmp_path: Path, rules: Rules) -> None:
    page = (
        "News | Colombo Process\n\n"
        "Colombo Process members meet in Kathmandu\n"
        "Ministers of the Colombo Process met for their 6th Ministerial Consultation in Kathmandu, Nepal, "
        "on 23-24 November 2018.\n\n"
        "Colombo Process at a partner dialogue\n"
        "The Abu Dhabi Dialogue held a Senior Officials' Meeting in Dubai, United Arab Emirates, on "
        "16 January 2019, where the Colombo Process chair spoke on skills.\n"
    )
    result = _extract(tmp_path, rules, page)
    assert _dated(result.meetings) == {
        ("COLOMBO", date(2018, 11, 23), date(2018, 11, 24)),
        ("ADD", date(2019, 1, 16), date(2019, 1, 16)),
    }


def test_an_unrecognised_document_is_still_read_as_a_page(tmp_path: Path, rules: Rules) -> None:
    text = "Minutes\n\nThe Rabat Process Steering Committee met in Madrid, Spain, on 8 October 2019.\n"
    result = _extract(tmp_path, rules, text)
    assert result.info.kind == "other"
    assert _dated(result.meetings) == {("RABAT", date(2019, 10, 8), date(2019, 10, 8))}
    assert [p.message for p in result.problems if p.stage == "classify"] == [pipeline.READ_AS_PAGE]
    assert [s.kind for s in result.sections] == ["page"]


def test_a_page_has_no_newsletter_tables(tmp_path: Path, rules: Rules) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text(NEWS_LIST, encoding="utf-8")
    pipeline.run([tmp_path / "in"], tmp_path / "out", rules)
    assert pd.read_parquet(tmp_path / "out" / "themes.parquet").empty
    assert len(pd.read_parquet(tmp_path / "out" / "meetings.parquet")) == 3


# --- one phrase, one mention ------------------------------------------------------------------------

NEWSLETTER_HEAD = "January - December 2031\n\nIssue XIV\n\nISCM 2031 Highlights\n\n"


def _newsletter(tmp_path: Path, rules: Rules, body: str) -> list[MeetingRecord]:
    return _extract(tmp_path, rules, NEWSLETTER_HEAD + body, "issue-2031.txt").meetings


def d(month: int, day: int) -> date:
    return date(2031, month, day)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Friends of the Forum met on 7 March.",
        "A regional training course ran on 7 March.",
        "The Bureau of the Conference met on 7 March.",
    ],
)
def test_a_nested_phrase_is_one_mention(tmp_path: Path, rules: Rules, sentence: str) -> None:
    records = _newsletter(tmp_path, rules, f"Global Forum on Migration and Development (GFMD)\n{sentence}\n")
    assert [(r.start_date, r.end_date) for r in records] == [(d(3, 7), d(3, 7))]


def test_a_bulleted_entry_does_not_take_words_of_the_line_before(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Migration Dialogue for West Africa (MIDWA)\n"
        "- Working group meeting on borders, 9 May, Banjul, The Gambia\n"
        "- Ministerial Meeting on free movement, 30 July, Abuja, Nigeria\n"
    )
    records = _newsletter(tmp_path, rules, body)
    assert [(r.name, r.start_date) for r in records] == [
        ("Working group meeting", d(5, 9)),
        ("Ministerial Meeting", d(7, 30)),
    ]


# --- consecutive days and stated counts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "spans"),
    [
        ("A Steering Committee meeting took place on 14 and 15 May.", [(d(5, 14), d(5, 15))]),
        ("Two webinars (14 and 15 May) were held.", [(d(5, 14), d(5, 14)), (d(5, 15), d(5, 15))]),
        (
            "Three meetings (2 February, 9 April; 5 and 6 October) were held.",
            [(d(2, 2), d(2, 2)), (d(4, 9), d(4, 9)), (d(10, 5), d(10, 6))],
        ),
        ("Two workshops (28 and 30 September) were held.", [(d(9, 28), d(9, 28)), (d(9, 30), d(9, 30))]),
    ],
)
def test_consecutive_days_and_stated_counts(
    tmp_path: Path, rules: Rules, sentence: str, spans: list[tuple[date, date]]
) -> None:
    records = _newsletter(tmp_path, rules, f"Rabat Process\n{sentence}\n")
    assert [(r.start_date, r.end_date) for r in records] == spans
    assert not any(r.warnings for r in records)


def test_more_spans_than_the_stated_count_is_kept_with_a_warning(tmp_path: Path, rules: Rules) -> None:
    records = _newsletter(
        tmp_path, rules, "Rabat Process\nTwo webinars (3 May, 9 June and 4 July) were held.\n"
    )
    assert len(records) == 3
    assert all("stated count 2, but 3 date spans" in r.warnings for r in records)


# --- format from the meeting's own words ---------------------------------------------------------


def test_format_comes_from_the_meetings_own_words(tmp_path: Path, rules: Rules) -> None:
    body = (
        "Rabat Process\n"
        "The Steering Committee met in Vienna, Austria (3 May). Its conclusions are available online.\n"
        "Experts held a technical meeting by videoconference on 9 June.\n"
    )
    records = _newsletter(tmp_path, rules, body)
    assert [(r.start_date, r.format) for r in records] == [(d(5, 3), "in_person"), (d(6, 9), "virtual")]


def test_a_reports_format_comes_from_its_dated_lines(tmp_path: Path, rules: Rules) -> None:
    report = (
        "Summary report of the Fifth Meeting of the Prague Process Senior Officials\n"
        "3-4 June 2019, Prague, Czech Republic\n\n"
        "The Secretariat presented the online course it launched in 2018 and the e-learning platform.\n"
    )
    result = _extract(tmp_path, rules, report)
    assert result.info.kind == "meeting_report"
    (record,) = result.meetings
    assert (record.start_date, record.end_date, record.format) == (
        date(2019, 6, 3),
        date(2019, 6, 4),
        "in_person",
    )


# --- the test documents (tests/documents) against their gold ------------------------------------------

# Cells still short of issue 12's targets, each with its reason; strict, so a fix that lifts one
# fails the test until the cell is taken out of this list.
DOCUMENT_SHORT: dict[tuple[str, str], str] = {}  # (doc, table) -> why it is still short
TARGETS = {"sections": 0.97, "meetings:dated": 0.95, "themes": 0.95}
DOCUMENTS = sorted(p.stem for p in (ROOT / "tests" / "documents").glob("*.txt"))


@pytest.fixture(scope="module")
def document_scores(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> dict[tuple[str, str], float]:
    out = tmp_path_factory.mktemp("documents")
    pipeline.run([ROOT / "tests" / "documents"], out, rules)
    scores = evaluate.evaluate(GOLD, out, ["sections", "meetings", "themes"])
    return {(s.doc_id, s.table): s.f1 for s in scores if s.doc_id != "*"}


@pytest.mark.parametrize(
    ("doc_id", "table"),
    [
        pytest.param(doc, table, marks=pytest.mark.xfail(strict=True, reason=DOCUMENT_SHORT[(doc, table)]))
        if (doc, table) in DOCUMENT_SHORT
        else (doc, table)
        for doc in DOCUMENTS
        for table in TARGETS
        if (GOLD / doc / f"{table.split(':')[0]}.csv").exists()
    ],
)
def test_a_test_document_meets_the_targets(
    document_scores: dict[tuple[str, str], float], doc_id: str, table: str
) -> None:
    assert document_scores[(doc_id, table)] >= TARGETS[table]
