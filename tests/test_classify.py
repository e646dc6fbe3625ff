"""Document kind, issue number, period and year, from the text alone."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import RAW

from iscm_extract.reading.ingest import read
from iscm_extract.rules import Rules
from iscm_extract.structure.classify import classify
from iscm_extract.text import int_to_roman, roman_to_int


@pytest.mark.parametrize(
    ("numeral", "value"), [("VII", 7), ("IX", 9), ("XIX", 19), ("XL", 40), ("MMXXIII", 2023)]
)
def test_roman_numerals(numeral: str, value: int) -> None:
    assert roman_to_int(numeral) == value
    assert int_to_roman(value) == numeral


@pytest.mark.parametrize("bad", ["IIII", "VX", "ABC", ""])
def test_malformed_roman_numerals_are_rejected(bad: str) -> None:
    assert roman_to_int(bad) is None


@pytest.mark.parametrize(
    ("doc_id", "kind", "issue", "year", "period"),
    [
        ("iscm-highlights-2020", "newsletter", None, 2020, (date(2020, 1, 1), date(2020, 12, 31))),
        ("iscm-highlights-2021", "newsletter", 7, 2021, (date(2021, 1, 1), date(2021, 12, 31))),
        ("iscm-highlights-2023", "newsletter", 9, 2023, (date(2023, 1, 1), date(2023, 12, 31))),
        ("grcp9-summary-report-2021", "meeting_report", None, 2021, (None, None)),
        ("iscm-survey-global-initiatives-2023", "survey_summary", None, 2023, (None, None)),
    ],
)
def test_corpus_documents(
    rules: Rules,
    doc_id: str,
    kind: str,
    issue: int | None,
    year: int,
    period: tuple[date | None, date | None],
) -> None:
    document, _ = read(RAW / f"{doc_id}.txt")
    info = classify(document, rules.classify)
    assert (info.kind, info.issue_number, info.year, (info.period_start, info.period_end)) == (
        kind,
        issue,
        year,
        period,
    )


def test_kind_comes_from_the_text_not_the_file_name(rules: Rules, tmp_path: Path) -> None:
    misleading = tmp_path / "summary-report.txt"
    shutil.copy(RAW / "iscm-highlights-2023.txt", misleading)
    document, _ = read(misleading)
    assert classify(document, rules.classify).kind == "newsletter"


def test_a_period_spanning_part_of_a_year(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "July - December 2024\n\nIssue X\n\nISCM 2024 Highlights\n\nAlmaty Process\nSOM (1 July).\n"
    )
    info = classify(read(path)[0], rules.classify)
    assert (info.kind, info.issue_number, info.period_start, info.period_end, info.year) == (
        "newsletter",
        10,
        date(2024, 7, 1),
        date(2024, 12, 31),
        2024,
    )


def test_unrelated_text_is_other(rules: Rules, tmp_path: Path) -> None:
    path = tmp_path / "recipe.txt"
    path.write_text("Pancakes\n\nMix flour, milk and eggs. Fry in butter.\n")
    assert classify(read(path)[0], rules.classify).kind == "other"
