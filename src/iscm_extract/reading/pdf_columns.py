"""A page's rows in reading order: bands, the gutters between columns, each band column by column.

Bands. A page is a stack of bands, each one full-width block or one run of columns, cut at the
page's ruled tables (pdf_tables.py) and at the full-width shapes it draws (a banner's filled
bar, a rule under the title block): rows inside such a shape are a band of their own, read as a
whole and never joined to the text before or after it. A lone row in large type, alone at its
height, with text in every column just above and below it, is a full-width row too (a banner
without a bar).

Gutters are found in each band from its own word positions: valleys of the coverage profile
(how many rows cover each x), low against the peaks on both sides, with rows of text on each
side and lines starting at the valley's right edge; a band too sparse to show one borrows the
document's. Each band is then read column by column, full-width rows as they come.

Example: a two-column page with a blue bar "2021 PUBLICATIONS" across its middle has three
bands, so its text reads upper-left, upper-right, "2021 PUBLICATIONS", lower-left,
lower-right; the banner stays apart from the bold heading under it (another band).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from typing import Any

from iscm_extract.reading.pdf_glyphs import Word
from iscm_extract.reading.pdf_rows import Row
from iscm_extract.reading.pdf_settings import LayoutSettings


@dataclass(frozen=True)
class Band:
    """Rows of one band of page `page` (from 0); `framed` when they lie inside a full-width shape
    (a banner)."""

    rows: list[Row]
    page: int
    framed: bool = False


@dataclass(frozen=True)
class Block:
    """Rows of a band read as one run: one of its columns, or a full-width block of it."""

    rows: list[Row]
    band: Band

    @property
    def page(self) -> int:
        return self.band.page

    @property
    def framed(self) -> bool:
        return self.band.framed


@dataclass(frozen=True)
class Extent:
    """The vertical extent of a full-width shape on a page, in PDF points from the top."""

    top: float
    bottom: float


def band_shapes(page: Any, words: list[Word], settings: LayoutSettings) -> list[Extent]:
    """Vertical extents (top, bottom) of the full-width shapes a page draws: filled or stroked
    rectangles and rules at least `band_width_share` of the text's width, not page backgrounds.
    Overlapping extents are merged."""
    if not words:
        return []
    left, right = min(w.x0 for w in words), max(w.x1 for w in words)
    wide = settings.band_width_share * (right - left)
    tall = settings.band_max_height_share * float(page.height)
    extents = sorted(
        (float(shape["top"]), float(shape["bottom"]))
        for shape in [*page.rects, *page.lines]
        if shape["x1"] - shape["x0"] >= wide and shape["bottom"] - shape["top"] <= tall
    )
    merged: list[Extent] = []
    for top, bottom in extents:
        if merged and top <= merged[-1].bottom:
            merged[-1] = Extent(merged[-1].top, max(merged[-1].bottom, bottom))
        else:
            merged.append(Extent(top, bottom))
    return merged


def bands(rows: list[Row], shapes: list[Extent], page: int) -> list[Band]:
    """Rows cut at the shapes: rows between two shapes are one band, rows inside one shape
    another (framed), top to bottom."""
    rows_at: dict[int, list[Row]] = {}  # by place: 2 per shape above the row, 1 if inside one
    for row in rows:
        middle = (row.top + row.bottom) / 2
        above = sum(shape.bottom < middle for shape in shapes)  # shapes wholly above the row
        inside = any(shape.top <= middle <= shape.bottom for shape in shapes)
        rows_at.setdefault(2 * above + (1 if inside else 0), []).append(row)
    return [Band(rows_at[key], page, framed=key % 2 == 1) for key in sorted(rows_at)]


# --- columns --------------------------------------------------------------------------------------


def _column_rows(rows: list[Row], settings: LayoutSettings) -> list[Row]:
    """Rows that may belong to columns. A row that runs across most of the page with no gap
    wider than a word space (a title block, one-column prose) is full-width: it neither hides
    a gutter nor invents one."""
    left = min(w.x0 for r in rows for w in r.words)
    right = max(w.x1 for r in rows for w in r.words)

    def full_width(row: Row) -> bool:
        wide_gap = any(b.x0 - a.x1 >= settings.full_width_min_gap for a, b in itertools.pairwise(row.words))
        return not wide_gap and row.words[-1].x1 - row.words[0].x0 > settings.full_width_share * (
            right - left
        )

    return [r for r in rows if not full_width(r)]


def _sides(rows: list[Row], x: float) -> int:
    """How many rows have text on the side of x with fewer rows."""
    on_left = sum(any(w.x1 < x for w in r.words) for r in rows)
    on_right = sum(any(w.x0 > x for w in r.words) for r in rows)
    return min(on_left, on_right)


def _gutters(rows: list[Row], settings: LayoutSettings) -> list[float]:
    """x positions between columns seen in one band: valleys of the coverage profile (how many
    column rows cover each x) at least `gutter_min_width` wide, low against the peaks on both
    sides (a short last column has low peaks; a title block above the columns makes shallow
    valleys), with at least `gutter_min_rows` rows of text on each side and as many lines
    starting at the valley's right edge (a column's left edge, not a gap of a justified line)."""
    if not rows:
        return []
    left = int(min(w.x0 for r in rows for w in r.words))
    coverage = [0] * (int(max(w.x1 for r in rows for w in r.words)) - left + 2)
    for row in rows:
        covered: set[int] = set()
        for word in row.words:
            covered.update(range(int(word.x0) - left, int(word.x1) - left + 1))
        for x in covered:
            coverage[x] += 1
    peak_left = list(itertools.accumulate(coverage, max))
    peak_right = list(itertools.accumulate(reversed(coverage), max))[::-1]
    gutters, start = [], None
    for x in range(len(coverage) + 1):
        if x < len(coverage) and coverage[x] <= settings.gutter_depth_ratio * min(
            peak_left[x], peak_right[x]
        ):
            start = x if start is None else start
            continue
        if start is not None and x - start >= settings.gutter_min_width:
            middle = left + (start + x) / 2
            if _sides(rows, middle) >= settings.gutter_min_rows and (
                _aligned_at(rows, left + x, settings) >= settings.gutter_min_rows
            ):
                gutters.append(middle)
        start = None
    return gutters


def _aligned_at(rows: list[Row], edge: float, settings: LayoutSettings) -> int:
    """How many rows have their first word right of `edge - tolerance` starting at `edge`: the
    lines of a column start at its left edge, while the gaps that justified lines leave between
    words end anywhere."""
    low = edge - settings.gutter_align_tolerance
    starts = (min((w.x0 for w in r.words if w.x0 >= low), default=None) for r in rows)
    return sum(s is not None and s - edge <= settings.gutter_align_tolerance for s in starts)


def layout_gutters(bands: list[list[Row]], settings: LayoutSettings) -> list[list[float]]:
    """Each band's gutters. A band with too little text to show a gutter itself (a last column
    of one line) takes the gutters seen in other bands that none of its column rows crosses."""
    column_rows = [_column_rows(rows, settings) if rows else [] for rows in bands]
    found = [_gutters(rows, settings) for rows in column_rows]
    seen = sorted({round(g) for gutters in found for g in gutters})
    for rows, gutters in zip(column_rows, found, strict=True):
        for g in seen:
            crossed = any(w.x0 < g < w.x1 for r in rows for w in r.words)
            near = any(abs(g - f) <= settings.gutter_match_distance for f in gutters)
            if not crossed and not near and _sides(rows, g) >= 1:
                gutters.append(g)
        gutters.sort()
    return found


def _columns_of(row: Row, gutters: list[float], settings: LayoutSettings) -> list[Row] | None:
    """The row split at the gutters, or None when it runs across one (a full-width row)."""
    parts: list[list[Word]] = [[] for _ in range(len(gutters) + 1)]
    for word in row.words:
        if any(word.x0 < g < word.x1 for g in gutters):
            return None
        parts[sum(word.x0 > g for g in gutters)].append(word)
    for left, right in itertools.pairwise(parts):
        if left and right and right[0].x0 - left[-1].x1 < settings.gutter_run_on_gap:
            return None  # text runs on across the gutter
    return [Row(p) if p else Row([]) for p in parts]


def _lone_banner(
    n: int, rows: list[Row], parts: list[Row], gutters: list[float], settings: LayoutSettings
) -> bool:
    """Whether row n, in one column only, is a banner without a bar: its type at least
    `banner_size_ratio` of the body's, and every column with text just above and just below it
    (a row inside one column leaves the others' lines beside it)."""
    row = rows[n]
    body = statistics.median(w.size for r in rows for w in r.words)
    if sum(bool(p.words) for p in parts) != 1 or row.size < settings.banner_size_ratio * body:
        return False
    reach = settings.banner_context_lines * body * settings.line_pitch_ratio  # from the body's size

    def has_text(column: int, near: list[Row]) -> bool:
        lows = [float("-inf"), *gutters]
        highs = [*gutters, float("inf")]
        return any(lows[column] < w.x0 and w.x1 < highs[column] for r in near for w in r.words)

    above = [r for r in rows[:n] if row.top - r.bottom <= reach]
    below = [r for r in rows[n + 1 :] if r.top - row.bottom <= reach]
    return all(has_text(c, above) and has_text(c, below) for c in range(len(gutters) + 1))


def _reading_order(rows: list[Row], gutters: list[float], settings: LayoutSettings) -> list[list[Row]]:
    """Blocks of rows in reading order: full-width rows as they come, column rows column by column."""
    if not gutters:
        return [rows]
    blocks: list[list[Row]] = []
    pending: list[list[Row]] | None = None
    for n, row in enumerate(rows):
        parts = _columns_of(row, gutters, settings)
        if parts is not None and _lone_banner(n, rows, parts, gutters, settings):
            parts = None
        if parts is None:
            if pending:
                blocks += [column for column in pending if column]
                pending = None
                blocks.append([])
            elif not blocks:
                blocks.append([])
            blocks[-1].append(row)  # consecutive full-width rows are one block
        else:
            pending = pending or [[] for _ in parts]
            for column, part in zip(pending, parts, strict=True):
                if part.words:
                    column.append(part)
    if pending:
        blocks += [column for column in pending if column]
    return blocks


def band_blocks(band: Band, gutters: list[float], settings: LayoutSettings) -> list[Block]:
    """The band's blocks in reading order, split at its gutters."""
    return [Block(rows, band) for rows in _reading_order(band.rows, gutters, settings)]
