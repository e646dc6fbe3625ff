"""Derived tables: meeting_counts (stated counts, each mention once), iscms, reconciliation."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.conftest import ROOT

from iscm_extract.rules import Rules, RulesError, load_rules
from iscm_extract.tables import derived
from iscm_extract.tables.rows import build_rows


def _record(mention: str, n: int | None, day: date | None, year: int, **extra: Any) -> dict[str, Any]:
    return {
        "doc_id": "d",
        "mention_id": mention,
        "iscm_id": "BALI",
        "meeting_type": "senior_officials",
        "level": "senior_officials",
        "stated_count": n,
        "start_date": day,
        "year": year,
        **extra,
    }


def test_each_mention_counts_its_stated_count_once() -> None:
    meetings = [
        # "Two Senior Officials' Meetings, SOM (28 March and 12 October)": 2 records, 2 meetings.
        _record("som", 2, date(2021, 3, 28), 2021),
        _record("som", 2, date(2021, 10, 12), 2021),
        # "4 thematic workshops (December 2020 and January 2021)": 2 records in two years, 4 meetings;
        # the 2 meetings without a date of their own go with the first record (2020).
        _record("ws", 4, date(2020, 12, 1), 2020, meeting_type="workshop", level="technical"),
        _record("ws", 4, date(2021, 1, 1), 2021, meeting_type="workshop", level="technical"),
        # "11 Working Group meetings": 1 undated record, 11 meetings.
        _record("wg", 11, None, 2021, meeting_type="working_group", level="technical"),
        # "the 8th Ministerial Conference (10 February)": 1 record, 1 meeting.
        _record("mc", None, date(2021, 2, 10), 2021, meeting_type="ministerial", level="ministerial"),
    ]
    counts = {
        (row["year"], row["meeting_type"]): (row["n_meetings"], row["n_records"], row["n_dated"])
        for row in derived.meeting_counts_rows(meetings)
    }
    assert counts == {
        (2020, "workshop"): (3, 1, 1),
        (2021, "workshop"): (1, 1, 1),
        (2021, "senior_officials"): (2, 2, 2),
        (2021, "working_group"): (11, 1, 0),
        (2021, "ministerial"): (1, 1, 1),
    }
    assert sum(n for n, _, _ in counts.values()) == 2 + 4 + 11 + 1


def test_quito_process_2023_counts_its_workshops_and_meetings(corpus_outputs: Path) -> None:
    """ "International Conference of Solidarity (16-17 March) ... Plenary Chapter of Santiago
    (22-24 November); 11 thematic workshops and 5 meetings on various issues": 4 records, 18 meetings."""
    counts = pd.read_parquet(corpus_outputs / "meeting_counts.parquet")
    quito = counts[(counts["doc_id"] == "iscm-highlights-2023") & (counts["iscm_id"] == "QUITO")]
    by_type = dict(zip(quito["meeting_type"].astype(str), quito["n_meetings"], strict=True))
    assert by_type == {"conference": 1, "regular_meeting": 1, "workshop": 11, "thematic_meeting": 5}
    assert quito["n_records"].sum() == 4 and quito["n_dated"].sum() == 2
    assert set(quito["year"]) == {2023}


def test_meeting_counts_add_up_to_the_mentions(corpus_outputs: Path) -> None:
    """Summed per document, n_meetings is the sum over mentions of max(stated_count, records)."""
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    counts = pd.read_parquet(corpus_outputs / "meeting_counts.parquet")
    mentions = meetings.groupby(["doc_id", "mention_id"]).agg(
        records=("meeting_id", "size"), stated=("stated_count", "max")
    )
    expected = mentions[["records", "stated"]].fillna(0).max(axis=1).groupby(level="doc_id").sum()
    assert counts.groupby("doc_id")["n_meetings"].sum().to_dict() == expected.to_dict()
    assert counts["n_records"].sum() == len(meetings)
    assert counts["n_dated"].sum() == meetings["start_date"].notna().sum()
    # A stated count beyond its records makes meetings invisible to a count of rows.
    assert counts["n_meetings"].sum() > len(meetings)


def test_iscms_table_lists_the_registry_with_the_years_seen(corpus_outputs: Path, rules: Rules) -> None:
    iscms = pd.read_parquet(corpus_outputs / "iscms.parquet").set_index("iscm_id")
    assert list(iscms.index) == [e.id for e in rules.registry.entries]
    assert iscms.loc["GFMD", "kind"] == "global_process" and iscms.loc["RABAT", "kind"] == "irf"
    assert iscms.loc["IGAD-RCP", "acronym"] == "MID-IGAD"
    assert "Bali Process" in list(iscms.loc["BALI", "other_names"])
    # COMMIT is named only by the 2020 newsletter's theme lists; APC by no document of raw/.
    assert (iscms.loc["COMMIT", "first_year"], iscms.loc["COMMIT", "last_year"]) == (2020, 2020)
    assert iscms.loc["COMMIT", "n_documents"] == 1
    assert pd.isna(iscms.loc["APC", "first_year"]) and iscms.loc["APC", "n_documents"] == 0


# "In 2023, 21 ISEMs held a total of 170 meetings, including 23 at the senior level (with 9 of them
# at the Ministerial level) and 9 Troika or Steering Group Meetings. 81% of the meetings (138
# meetings) were at the technical, expert level. 2 meetings were organized for all ISEMs. 112
# meetings (66%) were organized in person, 54 meetings were held online and 4 meetings in a hybrid
# format." (raw/iscm-highlights-2023.txt)
STATED_2023 = {
    "iscms_active": 21,
    "meetings_total": 170,
    "meetings_senior": 23,
    "meetings_ministerial": 9,
    "meetings_troika_steering": 9,
    "meetings_technical": 138,
    "meetings_for_all_iscms": 2,
    "meetings_in_person": 112,
    "meetings_online": 54,
    "meetings_hybrid": 4,
}


def test_reconciliation_puts_stated_figures_beside_the_counts(corpus_outputs: Path) -> None:
    reconciliation = pd.read_parquet(corpus_outputs / "reconciliation.parquet")
    assert set(reconciliation["doc_id"]) == {"iscm-highlights-2023"}  # the only one stating figures
    rows = reconciliation.set_index("metric")
    assert rows["stated"].to_dict() == STATED_2023
    counts = pd.read_parquet(corpus_outputs / "meeting_counts.parquet")
    counts = counts[counts["doc_id"] == "iscm-highlights-2023"]
    assert rows.loc["meetings_total", "extracted"] == counts["n_meetings"].sum()
    assert (
        rows.loc["meetings_ministerial", "extracted"]
        == counts[counts["level"] == "ministerial"]["n_meetings"].sum()
    )
    assert (
        rows.loc["meetings_for_all_iscms", "extracted"]
        == counts[counts["iscm_id"] == "GRCP"]["n_meetings"].sum()
    )
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    active = meetings[(meetings["doc_id"] == "iscm-highlights-2023") & (meetings["iscm_id"] != "GRCP")]
    assert rows.loc["iscms_active", "extracted"] == active["iscm_id"].nunique()
    # Tolerance max(1, 5% of stated) (rules/reconciliation.yaml): 170 tolerates 8.5.
    assert rows.loc["meetings_total", "tolerance"] == pytest.approx(8.5)
    assert rows.loc["meetings_hybrid", "tolerance"] == 1.0
    # Every figure beyond its tolerance has its warning in problems, at the figure's place.
    problems = pd.read_parquet(corpus_outputs / "problems.parquet")
    warnings = problems[problems["stage"] == "reconcile"]
    beyond = rows[~rows["within_tolerance"].astype(bool)]
    assert sorted(warnings["char_start"]) == sorted(beyond["char_start"])
    assert set(warnings["severity"]) == {"warning"}
    total = f"the text states 170, the tables count {rows.loc['meetings_total', 'extracted']}"
    assert any(total in message for message in warnings["message"]) == (
        not rows.loc["meetings_total", "within_tolerance"]
    )


def test_the_tolerance_comes_from_the_rules(corpus_results: dict, rules: Rules) -> None:
    rows = build_rows(list(corpus_results.values()), [])
    loose = dataclasses.replace(rules.reconciliation, absolute_tolerance=1000)
    found, warnings = derived.reconciliation_rows(loose, rows)
    assert len(found) == len(STATED_2023) and warnings == []
    strict = dataclasses.replace(rules.reconciliation, absolute_tolerance=0, relative_tolerance=0.0)
    found, warnings = derived.reconciliation_rows(strict, rows)
    assert len(warnings) == sum(row["extracted"] != row["stated"] for row in found) > 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("relative_tolerance: 0.05", "relative_tolerance: '5%'", "relative_tolerance: Input should be"),
        ("    levels: [ministerial]\n", "    levels: [minister]\n", "metrics.meetings_ministerial.levels"),
        ("  meetings_hybrid:\n", "  meetings_hybrids:\n", "not a count metric of facts.yaml"),
        ("    measure: iscms\n", "    measure: countries\n", "measure: must be one of"),
        ("absolute_tolerance: 1\n", "absolute_tolerance: 1\nthreshold: 3\n", "threshold: Extra inputs"),
    ],
)
def test_reconciliation_rules_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    path = rules_dir / "reconciliation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=r"reconciliation\.yaml") as error:
        load_rules(rules_dir)
    assert message in str(error.value)
