"""Text ingest: artefacts stripped, their signal kept, offsets traceable to the raw input."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import RAW

from iscm_extract.reading.ingest import IngestError, clean_text, read


def cleaned(raw: str) -> str:
    return clean_text(raw).text


def test_bold_markers_become_bold_spans_on_the_plain_words() -> None:
    mapped = clean_text("Two **Senior Officials Meetings (SOM)** (24-27 May)")
    assert mapped.text == "Two Senior Officials Meetings (SOM) (24-27 May)"
    flagged = [i for i, bold in enumerate(mapped.bold) if bold]
    assert mapped.text[flagged[0] : flagged[-1] + 1] == "Senior Officials Meetings (SOM)"
    assert len(flagged) == len("Senior Officials Meetings (SOM)")


def test_link_stub_keeps_its_text_and_angle_url_becomes_a_link() -> None:
    mapped = clean_text("See [Research on ISCMs](#) and <https://www.iom.int/x>\n")
    assert mapped.text == "See Research on ISCMs and https://www.iom.int/x"
    assert [link.url for link in mapped.links] == ["https://www.iom.int/x"]
    link = mapped.links[0]
    assert mapped.text[link.start : link.end] == "https://www.iom.int/x"


def test_markdown_link_with_real_url_and_escaped_parentheses() -> None:
    mapped = clean_text("the [resolution on the IMRF \\(IMRF\\)](https://example.org/a) as well")
    assert mapped.text == "the resolution on the IMRF (IMRF) as well"
    assert mapped.links[0].url == "https://example.org/a"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("shared responsibility and partner-\nship on migration", "partnership on migration"),
        ("focused on data collec-\ntion, irregular", "collection, irregular"),
        ("realization of migration-\nrelated SDG targets", "migration-related SDG"),
        ("the Euro-\nAfrican Dialogue", "Euro-African Dialogue"),
        ("10 IS-\n\nCMs had a speaking role. 22 ISCMs participated.", "10 ISCMs had"),
        ("migration poli-\n\ncies, data", "migration policies, data"),
        ("Assessment of Anti\n-Trafficking Gaps", "Anti-Trafficking Gaps"),
        # joined word absent from the word list, but "Interses" is no word: the printer's hyphen
        ("17th Interses-\nsional Meeting", "17th Intersessional Meeting"),
        # both halves words, joined form unknown: a compound, hyphen kept
        ("a youth-\nled initiative", "youth-led initiative"),
    ],
)
def test_words_broken_at_line_ends(raw: str, expected: str) -> None:
    assert expected in cleaned(raw)


def test_real_hyphens_within_a_line_are_kept() -> None:
    text = cleaned("whole-of-government approach, Euro-African, AU-HoAI and GFMD-RCM Consultations")
    assert text == "whole-of-government approach, Euro-African, AU-HoAI and GFMD-RCM Consultations"


def test_url_broken_at_a_hyphen_is_not_dehyphenated() -> None:
    text = cleaned(
        "https://www.rabat-process.org/en/activities/publications/publication-\ncollection-diaspora"
    )
    assert "publication-\ncollection" in text


def test_url_broken_twice_keeps_its_hyphen_on_the_continuation_line() -> None:
    text = cleaned("https://www.rabat-process.org/en/publications/impleme\nnting-\nthe-marrakesh-plan")
    assert "nting-\nthe-marrakesh" in text


def test_heading_split_over_two_lines_is_joined() -> None:
    raw = (
        "previous paragraph ends.\n\nMigration Dialogue for the Intergovernmental \n"
        "Authority on Development Region (IGAD-RCP)\nThe 14th Regional Consultative Dialogue"
    )
    text = cleaned(raw)
    assert "Migration Dialogue for the Intergovernmental Authority on Development Region (IGAD-RCP)\n" in text


def test_heading_with_acronym_on_the_next_line_is_joined() -> None:
    text = cleaned(
        "x.\n\nCentral American Commission of Migration Directors \n(OCAM) \n30th anniversary of OCAM"
    )
    assert "Central American Commission of Migration Directors (OCAM)\n30th anniversary" in text


def test_wrapped_body_lines_are_not_joined_as_headings() -> None:
    text = cleaned("SOM, 15-16 June, Cairo, Egypt, \nfocused on GCM regional review")
    assert text == "SOM, 15-16 June, Cairo, Egypt,\nfocused on GCM regional review"


def test_letter_spaced_heading_is_collapsed() -> None:
    text = cleaned("G L O B A L  I N I T I A T I V E S  A N D  T H E M A T I C  A R E A S  \nBody text here.")
    assert text.startswith("GLOBAL INITIATIVES AND THEMATIC AREAS\n")


def test_unicode_quotes_dashes_and_ligatures() -> None:
    text = cleaned("Experts\u2019 Meeting (31 October \u2013 2 November) on \ufb01nance \u201cquoted\u201d")
    assert text == 'Experts\' Meeting (31 October - 2 November) on finance "quoted"'


def test_offsets_map_back_to_the_raw_input() -> None:
    raw = (RAW / "iscm-highlights-2020.txt").read_text(encoding="utf-8")
    mapped = clean_text(raw)
    # Every character that was not rewritten is the raw character at its mapped offset.
    same = sum(raw[src] == char for char, src in zip(mapped.text, mapped.source, strict=True))
    assert same / len(mapped.text) > 0.99
    position = mapped.text.index("Consensual")
    assert raw[mapped.source[position] : mapped.source[position] + 10] == "Consensual"


def test_corpus_bold_spans_cover_meeting_phrases() -> None:
    document, _ = read(RAW / "iscm-highlights-2021.txt")
    bold_words = {document.text[s.start : s.end] for s in document.bold}
    assert "Sixth Ministerial Consultation" in bold_words
    assert "**" not in document.text


def test_latin1_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("ISCM 2022 Highlights\n\nLom\xe9, Togo".encode("latin-1"))
    document, warnings = read(path)
    assert "Lomé, Togo" in document.text
    assert warnings and "Latin-1" in warnings[0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", b"\x00\x01\x02PK", "binary"),
    ],
)
def test_unreadable_inputs_raise_a_one_line_reason(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError, match=message):
        read(path)


@pytest.mark.parametrize(
    ("letters", "words"),
    [
        ("GLOBALINITIATIVESANDTHEMATICAREAS", ["GLOBAL", "INITIATIVES", "AND", "THEMATIC", "AREAS"]),
        ("MAINMEETINGSBYREGION", ["MAIN", "MEETINGS", "BY", "REGION"]),
        ("WEBINARFORISCMS", ["WEBINAR", "FOR", "ISCMS"]),  # "ISCMs" is a word of the document
    ],
)
def test_a_letter_spaced_run_gets_its_word_gaps_back(letters: str, words: list[str]) -> None:
    from collections import Counter

    from iscm_extract.reading.ingest import respace

    assert respace(letters, Counter({"iscms": 3})) == words


def test_a_run_together_issue_is_cut_at_quotes_and_acronyms() -> None:
    sentence = (
        'It adopted the "Rabat Declaration". Bali Process SOM (4 May) met the OECD. Prague Process SOM. '
    )
    lines = clean_text(sentence * 25).text.split("\n")
    assert 'It adopted the "Rabat Declaration".' in lines
    assert "Bali Process SOM (4 May) met the OECD." in lines
