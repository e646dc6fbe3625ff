"""A page's words as rows (lines across the page), and the running headers and footers.

Rows. Words of text size form rows by vertical overlap (`row_overlap_ratio` of a word's height
inside the row's first word's); smaller words (a raised footnote mark, below `small_type_ratio`
of the body size) then join the row they overlap most, so that a mark sitting between two
columns' offset lines goes to its own line, not to whichever came first.

Running headers and footers. A row among the `edge_rows` at the top or bottom of a page that
recurs at the same height (`edge_position_step`) with the same text, digits aside, on at least
`edge_page_share` of the pages is a running header or footer: "ISCM Highlights 2021 | Page 3"
at the foot of every page is dropped from each.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from iscm_extract.reading.pdf_glyphs import Word
from iscm_extract.reading.pdf_settings import LayoutSettings

_MIN_HEIGHT = 0.1  # a word's height floor: no division by zero


@dataclass(frozen=True)
class Row:
    """Words on one line, left to right."""

    words: list[Word]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def baseline(self) -> float:
        return statistics.median(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return statistics.median(w.size for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)


@dataclass(frozen=True)
class EdgeKey:
    """Where a row at a page's edge stands and what it says, digits aside: one per running
    header or footer, however many pages print it."""

    position: int  # its top, in steps of `edge_position_step`
    text: str  # its text with each run of digits as "#"


def _overlap(word: Word, line: list[Word]) -> float:
    """How much of the word's height lies within the line's first word's height."""
    anchor = line[0]
    return (min(word.bottom, anchor.bottom) - max(word.top, anchor.top)) / max(
        word.bottom - word.top, _MIN_HEIGHT
    )


def page_rows(words: list[Word], settings: LayoutSettings) -> list[Row]:
    """Words on one line. Text-size words form rows by vertical overlap; smaller words (a raised
    footnote mark) then join the row they overlap most, so that a mark sitting between two
    columns' offset lines goes to its own line, not to whichever came first."""
    if not words:
        return []
    small = settings.small_type_ratio * statistics.median(w.size for w in words)
    lines: list[list[Word]] = []  # each line's words, in the order they joined it
    for word in sorted((w for w in words if w.size >= small), key=lambda w: (w.top, w.x0)):
        if lines and _overlap(word, lines[-1]) >= settings.row_overlap_ratio:
            lines[-1].append(word)
        else:
            lines.append([word])
    for word in sorted((w for w in words if w.size < small), key=lambda w: (w.top, w.x0)):
        best = max(lines, key=lambda line: _overlap(word, line), default=None)
        if best is not None and _overlap(word, best) > 0:
            best.append(word)
        else:
            lines.append([word])
    rows = [Row(sorted(line, key=lambda w: w.x0)) for line in lines]
    return sorted(rows, key=lambda r: r.top)


def repeated_edges(pages: list[list[Row]], settings: LayoutSettings) -> set[EdgeKey]:
    """Rows at the top or bottom of a page that recur, at the same height with the same text
    (digits aside: "Page 3"), on at least half the pages: running headers and footers."""
    if len(pages) < settings.edge_min_pages:
        return set()
    counts: Counter[EdgeKey] = Counter()
    n = settings.edge_rows
    for rows in pages:
        counts.update({edge_key(r, settings) for r in rows[:n] + rows[-n:]})
    least = max(settings.edge_min_pages, len(pages) * settings.edge_page_share)
    return {key for key, count in counts.items() if count >= least}


def edge_key(row: Row, settings: LayoutSettings) -> EdgeKey:
    return EdgeKey(round(row.top / settings.edge_position_step), re.sub(r"\d+", "#", row.text))
