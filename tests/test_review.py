"""The review pages, opened in a real headless browser (Debian's chromium; `make test` installs it)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from iscm_extract import review
from iscm_extract.review import Highlight, render_text

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
    pages = review.write_review(corpus_outputs, tmp_path / "review")
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


def test_problems_link_to_their_place_in_the_text(corpus_outputs: Path, tmp_path: Path) -> None:
    review.write_review(corpus_outputs, tmp_path / "review")
    problems = pd.read_parquet(corpus_outputs / "problems.parquet")
    placed = problems[(problems["doc_id"] == "iscm-highlights-2023") & problems["char_start"].notna()]
    assert len(placed) >= 1
    dom = browser_dom(tmp_path / "review" / review.page_name("iscm-highlights-2023"), tmp_path / "profile")
    assert dom.links and dom.links <= dom.anchors
    assert len(dom.links) == len(placed)


def test_overlapping_rows_share_the_text_they_cover() -> None:
    text = "The SOM (3 May) adopted the Lima Declaration."
    rows = [
        Highlight("m1", "meetings", 4, 15, {}),
        Highlight("a1", "anniversaries", 8, 45, {}),
    ]
    rendered = render_text(text, rows, {0: ["problem-0"]})
    assert rendered.startswith('<span class="anchor" id="problem-0"></span>The ')
    assert '<mark class="t-meetings" data-ids="m1">SOM </mark>' in rendered
    assert '<mark class="t-meetings" data-ids="m1 a1">(3 May)</mark>' in rendered
    assert '<mark class="t-anniversaries" data-ids="a1"> adopted the Lima Declaration.</mark>' in rendered
    assert rendered.endswith("</mark>")
