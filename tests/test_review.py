"""The review pages, opened in a real headless browser (Debian's chromium; `make test` installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import ROOT

from iscm_extract import cli
from iscm_extract.tools import review
from iscm_extract.tools.review import Highlight, render_text

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _Dom(HTMLParser):
    """What the test reads back from the browser's DOM: marks, anchors, links, the summary."""

    def __init__(self) -> None:
        super().__init__()
        self.panel: dict[str, str] = {}  # field -> value shown in the side panel
        self.panel_tables: list[str] = []
        self._field: str | None = None
        self._cell = 0
        self._in_title = False
        self.mark_ids: set[str] = set()
        self.anchors: set[str] = set()
        self.links: set[str] = set()
        self.summary: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "mark":
            self.mark_ids |= set((values.get("data-ids") or "").split())
        if values.get("id") == "summary":
            self.summary = values
        if tag == "span" and values.get("class") == "anchor":
            self.anchors.add(values.get("id") or "")
        if tag == "a" and (values.get("href") or "").startswith("#"):
            self.links.add((values.get("href") or "")[1:])
        if tag == "tr" and values.get("data-field"):
            self._field, self._cell = values["data-field"], 0
        if tag == "td" and self._field:
            self._cell += 1
        self._in_title = tag == "h3" and values.get("class") == "panel-table"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.panel_tables.append(data)
            self._in_title = False
        if self._field and self._cell == 2:
            self.panel[self._field] = self.panel.get(self._field, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._field = None


def browser_dom(page: Path, profile: Path) -> _Dom:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Debian's chromium is needed for this test: `make test` installs it (make browser)")
    done = subprocess.run(
        [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = _Dom()
    dom.feed(done.stdout)
    return dom


def test_every_meeting_of_a_document_is_highlighted_in_the_browser(
    corpus_outputs: Path, tmp_path: Path
) -> None:
    pages, missing = review.write_review(corpus_outputs, tmp_path / "review")
    assert missing == []
    assert {p.name for p in pages} >= {"index.html", review.page_name("iscm-highlights-2023")}
    dom = browser_dom(tmp_path / "review" / review.page_name("iscm-highlights-2023"), tmp_path / "profile")
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    meeting_ids = set(meetings[meetings["doc_id"] == "iscm-highlights-2023"]["meeting_id"])
    assert len(meeting_ids) > 50
    assert meeting_ids <= dom.mark_ids
    n_rows = sum(
        int((pd.read_parquet(corpus_outputs / f"{t}.parquet")["doc_id"] == "iscm-highlights-2023").sum())
        for t in review.HIGHLIGHTED
    )
    # The page's script ran in the browser and found a highlight for every row.
    assert dom.summary.get("data-highlighted") == str(n_rows)


def _with_actions(page: Path, actions: str) -> Path:
    """A copy of the page whose last script does what a user does (the page's own script has run)."""
    acted = page.with_name("acted-" + page.name)
    acted.write_text(
        page.read_text(encoding="utf-8").replace("</body>", f"<script>{actions}</script></body>")
    )
    return acted


def test_a_click_and_a_hover_show_the_rows_fields_in_the_panel(corpus_outputs: Path, tmp_path: Path) -> None:
    """Quito Process, 2023: "Plenary Chapter of Santiago (22-24 November)"; the panel shows its
    dates, and pointing at a theme member then shows the theme's row."""
    review.write_review(corpus_outputs, tmp_path / "review")
    meetings = pd.read_parquet(corpus_outputs / "meetings.parquet")
    plenary = meetings[
        (meetings["doc_id"] == "iscm-highlights-2023")
        & (meetings["iscm_id"] == "QUITO")
        & (meetings["date_raw"].str.contains("22-24 November", na=False))
    ]
    assert len(plenary) == 1
    meeting_id = plenary["meeting_id"].iloc[0]
    page = tmp_path / "review" / review.page_name("iscm-highlights-2023")
    click = f"document.querySelector('mark[data-ids~=\"{meeting_id}\"]').click();"
    dom = browser_dom(_with_actions(page, click), tmp_path / "profile")
    assert dom.panel_tables[0] == "meetings"
    assert dom.panel["meeting_id"] == f'"{meeting_id}"'
    assert (dom.panel["start_date"], dom.panel["end_date"]) == ('"2023-11-22"', '"2023-11-24"')
    assert dom.panel["iscm_id"] == '"QUITO"'
    hover = click + ("document.querySelector('mark.t-themes').dispatchEvent(new MouseEvent('mouseenter'));")
    dom = browser_dom(_with_actions(page, hover), tmp_path / "profile")
    assert dom.panel_tables[0] == "themes" and "meeting_id" not in dom.panel
    assert "theme" in dom.panel and "member" in dom.panel


def test_the_filter_keeps_one_tables_highlights(corpus_outputs: Path, tmp_path: Path) -> None:
    review.write_review(corpus_outputs, tmp_path / "review")
    page = tmp_path / "review" / review.page_name("iscm-highlights-2023")
    choose = (
        "const f = document.getElementById('filter'); f.value = 'publications';"
        "f.dispatchEvent(new Event('change'));"
    )
    dumped = _with_actions(page, choose)
    chromium = shutil.which("chromium") or pytest.fail("chromium is needed (make browser)")
    done = subprocess.run(
        [chromium, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'p'}", "--dump-dom", dumped.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    marks = re.findall(r'<mark class="([^"]*)" data-ids="[^"]*" data-tables="([^"]*)"', done.stdout)
    assert marks
    for classes, tables in marks:
        assert ("dim" in classes.split()) == ("publications" not in tables.split())
    hidden = re.findall(r'<section class="rows" data-table="(\w+)"( hidden="")?', done.stdout)
    assert {t for t, h in hidden if not h} == {"publications"}


def test_pages_build_from_another_folder_and_list_rows_by_table(
    corpus_outputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    shutil.copytree(corpus_outputs, project / "outputs")
    shutil.copytree(ROOT / "raw", project / "raw")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert cli.main(["review", str(project / "outputs"), "--out", "pages"]) == 0
    page = (elsewhere / "pages" / review.page_name("iscm-highlights-2021")).read_text(encoding="utf-8")
    dom = _Dom()
    dom.feed(page)
    for table in review.HIGHLIGHTED:
        frame = pd.read_parquet(project / "outputs" / f"{table}.parquet")
        n = int((frame["doc_id"] == "iscm-highlights-2021").sum())
        if table == "meetings":
            ids = set(frame[frame["doc_id"] == "iscm-highlights-2021"]["meeting_id"])
        else:
            ids = {i for i in dom.mark_ids if i.startswith(f"{table}-")}
        assert len(ids & dom.mark_ids) == n, table
        if n:
            assert f'data-table="{table}"><details><summary>{table} ({n})</summary>' in page
    # Every row of the list links to an anchor in the text.
    row_links = {link for link in dom.links if link.startswith("row-")}
    assert row_links and row_links <= dom.anchors


def test_a_missing_source_is_an_error(
    corpus_outputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(corpus_outputs, tmp_path / "outputs")
    monkeypatch.chdir(tmp_path)  # no raw/ anywhere near
    assert cli.main(["review", "outputs", "--out", "pages"]) == 1
    assert (
        "error: iscm-highlights-2023: source raw/iscm-highlights-2023.txt not found"
        in capsys.readouterr().err
    )


def test_problems_link_to_their_place_in_the_text(corpus_outputs: Path, tmp_path: Path) -> None:
    review.write_review(corpus_outputs, tmp_path / "review")
    problems = pd.read_parquet(corpus_outputs / "problems.parquet")
    placed = problems[(problems["doc_id"] == "iscm-highlights-2023") & problems["char_start"].notna()]
    assert len(placed) >= 1
    dom = browser_dom(tmp_path / "review" / review.page_name("iscm-highlights-2023"), tmp_path / "profile")
    problem_links = {link for link in dom.links if link.startswith("problem-")}
    assert problem_links and problem_links <= dom.anchors
    assert len(problem_links) == len(placed)


def test_overlapping_rows_share_the_text_they_cover() -> None:
    text = "The SOM (3 May) adopted the Lima Declaration."
    rows = [
        Highlight("m1", "meetings", 4, 15, {}),
        Highlight("a1", "anniversaries", 8, 45, {}),
    ]
    rendered = render_text(text, rows, {0: ["problem-0"]})
    assert rendered.startswith('<span class="anchor" id="problem-0"></span>The ')
    assert '<mark class="t-meetings" data-ids="m1" data-tables="meetings">SOM </mark>' in rendered
    assert (
        '<mark class="t-meetings" data-ids="m1 a1" data-tables="meetings anniversaries">(3 May)</mark>'
        in rendered
    )
    assert (
        '<mark class="t-anniversaries" data-ids="a1" data-tables="anniversaries"> adopted the Lima '
        "Declaration.</mark>" in rendered
    )
    assert rendered.endswith("</mark>")
