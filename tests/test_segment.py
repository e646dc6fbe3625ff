"""Segmentation of newsletters into sections, on the corpus and on layouts it does not show."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import GOLD, NEWSLETTERS
from tests.helpers import HEAD, extract_text

from iscm_extract.model import DocumentResult
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate


def extract(tmp_path: Path, rules: Rules, text: str, name: str = "issue.txt") -> DocumentResult:
    return extract_text(tmp_path, rules, text, name)


def headings(result: DocumentResult) -> list[tuple[str, str | None]]:
    return [(s.kind, s.iscm_id) for s in result.sections]


def test_sections_f1_is_one_on_every_newsletter(corpus_outputs: Path) -> None:
    scores = evaluate.evaluate(GOLD, corpus_outputs, ["sections"])
    by_doc = {s.doc_id: s for s in scores}
    assert set(NEWSLETTERS) <= set(by_doc)
    for doc_id in [*NEWSLETTERS, "*"]:
        score = by_doc[doc_id]
        assert score.f1 == 1.0, evaluate.format_scores([score])


def test_run_in_headings_of_text_flattened_from_a_pdf(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Almaty Process The 4th SOM, 25-26 September, Astana, discussed mixed movements.\n"
        "Migration Dialogue for West Africa (MIDWA) Ministerial Meeting (3 May) adopted a roadmap.\n"
        "Bali Process Two workshops (June) on biometrics.\n"
    )
    result = extract(tmp_path, rules, text)
    assert headings(result)[1:] == [("iscm", "ALMATY"), ("iscm", "MIDWA"), ("iscm", "BALI")]
    assert [s.heading for s in result.sections[1:]] == [
        "Almaty Process",
        "Migration Dialogue for West Africa (MIDWA)",
        "Bali Process",
    ]
    assert result.sections[1].text.startswith("Almaty Process The 4th SOM")


def test_a_sections_own_name_opening_a_paragraph_is_not_a_new_section(tmp_path: Path, rules: Rules) -> None:
    text = (
        HEAD
        + "Bali Process\nSOM (4 May).\n\nBali Process Ministers met again (5 May).\n\n"
        + "Prague Process\nSOM (1 June).\n"
    )
    assert headings(extract(tmp_path, rules, text))[1:] == [("iscm", "BALI"), ("iscm", "PRAGUE")]


def test_anniversary_and_continued_lines_are_not_sections(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Almaty Process\n\n10th Anniversary of the Almaty Process\n\nSOM (28 March).\n\n"
        "MAIN MEETINGS BY ISCMs (CONTINUED)\n\n"
        "Migration Dialogue for West Africa (MIDWA)\n\n30th anniversary of MIDWA\n\nWorking group (May).\n"
    )
    result = extract(tmp_path, rules, text)
    assert headings(result)[1:] == [("iscm", "ALMATY"), ("iscm", "MIDWA")]
    assert "CONTINUED" not in result.sections[1].text
    assert "30th anniversary of MIDWA" in result.sections[2].text


def test_heading_split_over_two_lines(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Intergovernmental Consultations on Migration, Asylum \nand Refugees (IGC)\n"
        "SOM, 10 December, virtual.\n\n"
        "Central American Commission of Migration Directors \n(OCAM) \n50th Meeting, 30 June.\n"
    )
    assert headings(extract(tmp_path, rules, text))[1:] == [("iscm", "IGC"), ("iscm", "OCAM")]


def test_heading_without_acronym_and_new_acronym_styles(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "GLOBAL FORUM ON MIGRATION AND DEVELOPMENT\nSummit (20 January).\n\n"
        "Migration Dialogue for the East African Community - MIDEAC\nMeeting (2 March).\n\n"
        "Pan-African Forum on Migration (PAFoM)\nForum (9 October).\n"
    )
    assert headings(extract(tmp_path, rules, text))[1:] == [
        ("iscm", "GFMD"),
        ("iscm", "MIDEAC"),
        ("iscm", "PAFOM"),
    ]


def test_unknown_iscm_heading_is_kept_unresolved_with_a_problem(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + "Foo Bar Process\nSOM (4 May).\n\nBali Process\nSOM (5 May).\n"
    result = extract(tmp_path, rules, text)
    assert headings(result)[1:] == [("iscm", None), ("iscm", "BALI")]
    assert any("Foo Bar Process" in p.message and p.stage == "segment" for p in result.problems)


def test_other_section_kinds(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Almaty Process\nSOM (28 March).\n\n"
        "ELEVENTH GLOBAL MEETING OF ISCM CHAIRS AND SECRETARIATS (GRCP 11)\nThe GRCP 11 (3 June, Geneva).\n\n"
        "Global Initiatives\nGlobal Compact for Migration: Almaty Process [1 ISCMs]\n\n"
        "Thematic Areas\nData: Almaty Process [1 ISCMs]\n\n"
        "2031 PUBLICATIONS\nA Report (Almaty Process)\nhttps://example.org/report.pdf\n"
    )
    assert headings(extract(tmp_path, rules, text))[1:] == [
        ("iscm", "ALMATY"),
        ("global_meeting", "GRCP"),
        ("global_initiatives", None),
        ("themes", None),
        ("publications", None),
    ]


@pytest.mark.parametrize(
    "heading",
    ["CALENDAR OF MEETINGS HELD BY REGIONAL CONSULTATIVE PROCESSES", "OVERVIEW OF MEETINGS OF ISCMS IN 2031"],
)
def test_a_list_of_the_mechanisms_meetings_is_no_global_meeting(
    tmp_path: Path, rules: Rules, heading: str
) -> None:
    text = HEAD + f"{heading}\nEach mechanism below lists its meetings.\n\nAlmaty Process\nSOM (28 March).\n"
    assert headings(extract(tmp_path, rules, text))[1:] == [("other", None), ("iscm", "ALMATY")]


def test_publications_without_a_heading_start_at_the_first_title(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Almaty Process\nSOM (28 March).\n\nThematic Areas\nData: Almaty Process\n\n"
        "A Toolkit on Data (Almaty Process)\n\nhttps://example.org/toolkit.pdf\n"
    )
    result = extract(tmp_path, rules, text)
    assert headings(result)[-1] == ("publications", None)
    assert result.sections[-1].text.startswith("A Toolkit on Data")


def test_non_newsletters_are_one_section(corpus_results: dict[str, DocumentResult]) -> None:
    report = corpus_results["grcp9-summary-report-2021"]
    assert [s.kind for s in report.sections] == ["other"]


@pytest.mark.parametrize("doc_id", NEWSLETTERS)
def test_sections_tile_the_text_in_order(corpus_results: dict[str, DocumentResult], doc_id: str) -> None:
    result = corpus_results[doc_id]
    text = result.document.text
    previous_end = 0
    for section in result.sections:
        assert section.char_start >= previous_end
        assert text[section.char_start : section.char_end] == section.text
        # Between sections lie only dropped container headings and "continued" lines, no prose.
        gap = [line for line in text[previous_end : section.char_start].split("\n") if line.strip()]
        assert all(len(line.split()) <= 18 and not line.endswith(".") for line in gap), gap
        previous_end = section.char_end
    assert not text[previous_end:].strip()


def test_a_sentence_wrapped_by_a_narrow_column_is_not_a_heading(tmp_path: Path, rules: Rules) -> None:
    text = HEAD + (
        "Mediterranean Transit Migration Dialogue (MTM)\n\n"
        "The 9th Regional Consultative Forum\n(3-4 March) on return adopted conclusions.\n\n"
        "Colombo Process\n\n"
        "12th Colombo Process Conference\non labour migration, 8 May.\n\n"
        "THEMATIC AREAS\n\n"
        "Data: AU HOAI, IGC, MIDWA, RIAM,\nRabat Process\n"
    )
    result = extract(tmp_path, rules, text)
    assert headings(result)[1:] == [("iscm", "MTM"), ("iscm", "COLOMBO"), ("themes", None)]


def test_a_whole_issue_on_one_line_keeps_its_sections(tmp_path: Path, rules: Rules) -> None:
    """An issue flattened by a converter into one line: the title runs into the first heading,
    headings follow a closing quote or an acronym's full stop, a capitals heading ends in a colon
    or runs into dates, a letter-spaced heading lost its word gaps, and two headings run together."""
    filler = "Delegates compared notes on labour mobility and return. " * 30
    text = (
        "ISCM 2019 Highlights MEETINGS OF THE MECHANISMS: Bali Process The 7th Ministerial "
        'Conference, 6-7 August, Adelaide, Australia, adopted the "Adelaide Declaration". '
        "Prague Process SOM, 12 March, Vienna, Austria, met with the OECD. "
        f"{filler}Rabat Process Steering Committee, 4 June, Rabat, Morocco, reviewed the plan. "
        "S E C O N D G L O B A L W O R K S H O P F O R R C P S A workshop, 9 October, Geneva, "
        "Switzerland, gathered chairs. THEMES AND GLOBAL INITIATIVES ON ISCM AGENDAS Global "
        "Initiatives 2030 Agenda: Bali Process, Prague Process\n"
    )
    result = extract(tmp_path, rules, text)
    found = [(s.kind, s.iscm_id, s.heading) for s in result.sections]
    assert ("iscm", "BALI", "Bali Process") in found
    assert ("iscm", "PRAGUE", "Prague Process") in found
    assert ("iscm", "RABAT", "Rabat Process") in found
    assert ("global_initiatives", None, "Global Initiatives") in found
    assert result.info.title == "ISCM 2019 Highlights"
    assert not any(s.heading and s.heading.startswith("THEMES") for s in result.sections)  # a container
    workshop = [s.heading for s in result.sections if s.kind == "global_meeting"]
    assert workshop == ["SECOND GLOBAL WORKSHOP FOR RCPS"]
    bali = next(m for m in result.meetings if m.iscm_id == "BALI")
    assert (bali.start_date.isoformat(), bali.city) == ("2019-08-06", "Adelaide")


def test_a_capitals_heading_leaves_the_days_that_open_its_text(tmp_path: Path, rules: Rules) -> None:
    filler = "Officials shared practice on consular protection. " * 45
    text = (
        f"ISCM 2021 Highlights\n\nBali Process {filler}"
        "9TH GLOBAL MEETING OF ISCMs (GRCP 9) 10-11 November, online, reviewed the year. "
        "SELECTED 2021 PUBLICATIONS GRCP 9 Summary Report https://www.iom.int/grcp9\n"
    )
    result = extract(tmp_path, rules, text)
    found = [(s.kind, s.heading) for s in result.sections]
    assert ("global_meeting", "9TH GLOBAL MEETING OF ISCMs (GRCP 9)") in found
    assert ("publications", "SELECTED 2021 PUBLICATIONS") in found
    grcp = next(m for m in result.meetings if m.iscm_id == "GRCP")
    assert (grcp.start_date.isoformat(), grcp.end_date.isoformat()) == ("2021-11-10", "2021-11-11")


@pytest.mark.parametrize(
    "closing", ["- COP: Khartoum Process, PIDC [2 ISCMs]", "- COP: Khartoum Process, PIDC [2\nISCMs]"]
)
def test_a_heading_between_two_lists_without_a_blank_line(tmp_path: Path, rules: Rules, closing: str) -> None:
    """As a PDF gives it: the lists and the heading between them on consecutive lines."""
    text = HEAD + (
        f"Almaty Process\nSOM (28 March).\n\nGlobal initiatives\n- GCM: Bali Process, RCM\n{closing}\n"
        "Thematic areas\n- Borders: MIDWA, OCAM\n- Data: RCM\n"
    )
    assert headings(extract(tmp_path, rules, text))[1:] == [
        ("iscm", "ALMATY"),
        ("global_initiatives", None),
        ("themes", None),
    ]


@pytest.mark.parametrize(
    "first_line",
    ["Delegates of the Regional Consultation", "Experts of the Central American Commission"],
)
def test_an_unknown_iscm_like_line_under_an_iscm_heading_is_its_text(
    tmp_path: Path, rules: Rules, first_line: str
) -> None:
    """A narrow column wraps the first sentence under "RCM - Regional Conference on Migration" so
    that its first line ends with an ISCM-like noun: still the RCM's text."""
    text = (
        HEAD + f"RCM - Regional Conference on Migration\n\n{first_line}\nGroup met in March in Guatemala.\n"
    )
    result = extract(tmp_path, rules, text)
    assert headings(result)[1:] == [("iscm", "RCM")]
    assert first_line in result.sections[-1].text
