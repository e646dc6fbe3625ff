"""Metamorphic tests: each gold newsletter rewritten by each transform of tests/variants.py (the
same facts in another layout, style or wording) must keep its scores (issue 12's targets)."""

from __future__ import annotations

import pytest
from tests.conftest import NEWSLETTERS, ROOT
from tests.variants import TRANSFORMS, Sample, load_sample, score_samples

from iscm_extract.reading import ingest
from iscm_extract.reading.ligatures import domain_repair
from iscm_extract.rules import Rules
from iscm_extract.structure import headings
from iscm_extract.tools.evaluate import Score

TARGETS = {"sections": 0.97, "meetings:dated": 0.95, "themes": 0.95}
# Issue 12 asks 0.95 for a flattened issue on its own (before issue 12 one found a section in
# fourteen: F1 0.07); it now meets the 0.97 of every variant too.
FLATTENED_SECTIONS_FLOOR = 0.95
# Transforms whose scores are still below a target on some newsletter (see the issue 12 note).
# Strict: when a fix lifts one above its target, the test fails until it is moved out of here.
SHORT: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def variant_scores(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> dict[tuple[str, str], Score]:
    samples: list[Sample] = []
    for doc in NEWSLETTERS:
        base = load_sample(doc)
        for transform in TRANSFORMS:
            variant = transform(base)
            samples.append(Sample(f"{doc}--{transform.__name__}", variant.text, variant.gold, variant.year))
    return score_samples(samples, rules, tmp_path_factory.mktemp("variants"))


def _cases() -> list[object]:
    cases: list[object] = []
    for transform in TRANSFORMS:
        for table in TARGETS:
            reason = SHORT.get((transform.__name__, table))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            name = transform.__name__
            cases.append(pytest.param(name, table, marks=marks, id=f"{name}-{table}"))
    return cases


@pytest.mark.parametrize(("transform", "table"), _cases())
def test_a_variant_keeps_its_scores(
    variant_scores: dict[tuple[str, str], Score], transform: str, table: str
) -> None:
    for doc in NEWSLETTERS:
        score = variant_scores[(table, f"{doc}--{transform}")]
        assert score.f1 >= TARGETS[table], (doc, score.missing[:5], score.extra[:5])


def test_a_flattened_issue_finds_its_sections(variant_scores: dict[tuple[str, str], Score]) -> None:
    for doc in NEWSLETTERS:
        assert variant_scores[("sections", f"{doc}--flattened")].f1 >= FLATTENED_SECTIONS_FLOOR


# --- the transforms do what they say ------------------------------------------------------------


def test_transforms_change_the_text_and_keep_the_meetings() -> None:
    base = load_sample("iscm-highlights-2023")
    for transform in TRANSFORMS:
        variant = transform(base)
        assert variant.text != base.text, transform.__name__
        assert variant.gold["meetings"].equals(base.gold["meetings"]), transform.__name__


def test_flattened_is_one_paragraph_and_headings_follow_the_capitals() -> None:
    from tests import variants

    base = load_sample("iscm-highlights-2021")
    assert variants.flattened(base).text.count("\n") == 1
    capitals = variants.headings_in_capitals(base)
    assert "ALMATY PROCESS" in capitals.text.splitlines()
    assert "ALMATY PROCESS" in set(capitals.gold["sections"]["heading"])


# --- the general rules behind the scores ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dropped", "word"),
    [("Meeng", "Meeting"), ("migraon", "migration"), ("Oicials", "Officials"), ("Iniaves", "Initiatives")],
)
def test_dropped_ligature_letters_are_put_back(dropped: str, word: str) -> None:
    assert ingest.restore_ligature(dropped) == word


@pytest.mark.parametrize(
    ("dropped", "word"),
    [("combatng", "combatting"), ("aorestation", "afforestation"), ("counteracng", "counteracting")],
)
def test_a_lossy_document_repairs_rarer_words(dropped: str, word: str) -> None:
    assert ingest.restore_ligature(dropped) is None  # too rare a repair for a single word
    assert ingest.restore_ligature(dropped, lossy_document=True) == word


def test_a_whole_document_is_repaired_only_where_it_shows_the_fault() -> None:
    words = "Combatng migrant smuggling was discussed."
    assert ingest.clean_text(words).text == words
    lossy = "The Meeng on migraon. Oicials met. " + words
    assert (
        ingest.clean_text(lossy).text
        == "The Meeting on migration. Officials met. Combatting migrant smuggling was discussed."
    )


def test_a_lossy_document_puts_a_ligature_back_into_a_word_of_the_rules(rules: Rules) -> None:
    """ "trafficking" without its "ffi" is "tracking", itself a word: in a document that drops
    ligatures it is put back because the rules name trafficking (the registry, the themes) and
    not tracking; a document without the fault keeps "tracking"."""
    assert {"trafficking", "migration"} <= rules.domain_words and "tracking" not in rules.domain_words
    whole = "Tracking of the Global Compact was discussed."
    assert ingest.clean_text(whole, rules.domain_words).text == whole
    lossy = "The Meeng on migraon. Oicials met on Counter-tracking and human tracking. "
    assert (
        ingest.clean_text(lossy, rules.domain_words).text
        == "The Meeting on migration. Officials met on Counter-trafficking and human trafficking."
    )
    assert ingest.clean_text(lossy).text.endswith("Counter-tracking and human tracking.")  # no rules


@pytest.mark.parametrize(
    ("word", "domain", "repaired"),
    [
        ("tracking", {"trafficking"}, "trafficking"),
        ("Tracking", {"trafficking"}, "Trafficking"),
        ("tracking", {"tracking", "trafficking"}, None),  # a word of the rules as read
        ("tracking", {"migration"}, None),  # no repair is a word of the rules
        ("ne", {"fine"}, None),  # too short to tell
    ],
)
def test_domain_repair(word: str, domain: set[str], repaired: str | None) -> None:
    assert domain_repair(word, frozenset(domain)) == repaired


@pytest.mark.parametrize("word", ["Meeting", "Niamey", "Tegucigalpa", "Khartoum", "ISCMs", "Quito"])
def test_whole_words_and_names_are_left_alone(word: str) -> None:
    assert ingest.restore_ligature(word) is None
    assert ingest.restore_ligature(word, lossy_document=True) is None


def test_a_run_together_issue_is_cut_at_sentences_but_not_at_initials() -> None:
    sentence = "The SOM (3 May) met in Rabat. Budapest Process The 5th Ministerial Conference (4 June). "
    text = ingest.clean_text("Speakers: H.E. Mr Simon K. Chelugui, Minister. " + sentence * 40).text
    lines = text.split("\n")
    assert "Budapest Process The 5th Ministerial Conference (4 June)." in lines
    assert lines[0] == "Speakers: H.E. Mr Simon K. Chelugui, Minister."


@pytest.mark.parametrize(
    "line",
    ["3. Bali Process", "IV) Bali Process", "c) Bali Process"],
)
def test_numbered_and_capital_headings_resolve(line: str) -> None:
    assert headings.unnumbered(line) == "Bali Process"


def test_no_rule_file_names_a_sentence_of_a_test_document() -> None:
    """The rules must generalise: none may quote six words in a row of a document written for the
    tests. (The registry, rules/iscms.yaml, holds the bodies' names, which any text may print.)"""
    rules_text = " ".join(
        " ".join(p.read_text(encoding="utf-8").lower().split())
        for p in (ROOT / "rules").glob("*.yaml")
        if p.name != "iscms.yaml"
    )
    for document in sorted((ROOT / "tests" / "documents").glob("*.txt")):
        words = document.read_text(encoding="utf-8").lower().split()
        for i in range(len(words) - 5):
            run = " ".join(words[i : i + 6])
            assert run not in rules_text, (document.name, run)


def test_test_documents_exist_with_gold() -> None:
    for document in sorted((ROOT / "tests" / "documents").glob("*.txt")):
        assert (ROOT / "tests" / "gold" / document.stem / "meetings.csv").exists(), document.name
