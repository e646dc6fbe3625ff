"""Publications: eval target on the corpus, and URL and title shapes on new text."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import GOLD
from tests.helpers import HEAD, OPENING, extract_text

from iscm_extract.model import Publication
from iscm_extract.rules import Rules
from iscm_extract.tools import evaluate


def publications_of(tmp_path: Path, rules: Rules, text: str, head: str = HEAD + OPENING) -> list[Publication]:
    return extract_text(tmp_path, rules, head + text, "issue-2031.txt").facts.publications


def test_publications_eval_is_exact_on_title_and_url(corpus_outputs: Path) -> None:
    scores = {s.doc_id: s for s in evaluate.evaluate(GOLD, corpus_outputs, ["publications"])}
    report = evaluate.format_scores(list(scores.values()))
    assert scores["*"].f1 == 1.0, report
    assert "grcp9-summary-report-2021" in scores, report
    assert all(equal == compared for _, equal, compared in scores["*"].fields), report


def test_urls_in_brackets_bare_and_broken_over_lines(tmp_path: Path, rules: Rules) -> None:
    found = publications_of(
        tmp_path,
        rules,
        "2031 PUBLICATIONS\n\n"
        "Guide to labour mobility (Colombo Process)\n\n<https://example.org/colombo/guide.pdf>\n\n"
        "Annual review of the\nMIDSA (MIDSA)\nhttps://www.midsa.example/files/annual-\nreview-2031\n\n"
        "Safe passage at sea (Bali Process)\n\nhttps://www.bali.example/File/Safe%\n20Passage%20at%20Sea.pdf\n\n"
        "Return and reintegration (Prague Process)\n\nhttps://www.prague.example/index.php?\n"
        "option=com_docs&id=12\n\n"
        "More ISCM publications Online Repository\n\n"
        "ISCM events calendar http://www.iom.int/iscm-calendar\n",
    )
    assert [(p.iscm_id, p.title, p.url) for p in found] == [
        ("COLOMBO", "Guide to labour mobility", "https://example.org/colombo/guide.pdf"),
        ("MIDSA", "Annual review of the MIDSA", "https://www.midsa.example/files/annual-review-2031"),
        ("BALI", "Safe passage at sea", "https://www.bali.example/File/Safe%20Passage%20at%20Sea.pdf"),
        ("PRAGUE", "Return and reintegration", "https://www.prague.example/index.php?option=com_docs&id=12"),
    ]


def test_a_title_without_an_iscm_bracket_and_one_that_names_a_body_first(
    tmp_path: Path, rules: Rules
) -> None:
    found = publications_of(
        tmp_path,
        rules,
        "PUBLICATIONS\n\nGRCP 11 Summary Report\nhttps://www.iom.int/grcp\n\n"
        "Regional study of migrant remittances (2030-2031)\n\nwww.remittances.example/study\n",
    )
    assert [(p.iscm_id, p.title, p.url) for p in found] == [
        ("GRCP", "GRCP 11 Summary Report", "https://www.iom.int/grcp"),
        (None, "Regional study of migrant remittances (2030-2031)", "www.remittances.example/study"),
    ]


def test_a_reports_list_of_previous_reports(tmp_path: Path, rules: Rules) -> None:
    report = (
        "Report of the Tenth Global Meeting of Chairs and Secretariats of ISCMs (GRCP 10)\n\n"
        "Summary Report\n\nThe meeting was held in Geneva.\n\n"
    )
    found = publications_of(
        tmp_path,
        rules,
        "List of Previous GRCP Reports\n\n"
        '- IOM, "Migration and climate: the Role of ISCMs. Summary Report of the Ninth Global '
        'Meeting", 2021\n'
        "- IOM, Summary Report of the Third Global Meeting of Chairs (GRCP 3), 2011\n\n"
        "ANNEX IX: Agenda\n\n- Opening session\n",
        head=report,
    )
    assert [(p.iscm_id, p.title, p.url, p.year) for p in found] == [
        (
            "GRCP",
            "Migration and climate: the Role of ISCMs. Summary Report of the Ninth Global Meeting",
            None,
            2021,
        ),
        ("GRCP", "Summary Report of the Third Global Meeting of Chairs", None, 2011),
    ]
    earlier = publications_of(
        tmp_path,
        rules,
        "Earlier GRCP reports\n\n- IOM, Summary Report of the Second Global Meeting (GRCP 2), 2009\n",
        head=report,
    )
    assert [(p.iscm_id, p.title, p.year) for p in earlier] == [
        ("GRCP", "Summary Report of the Second Global Meeting", 2009)
    ]
