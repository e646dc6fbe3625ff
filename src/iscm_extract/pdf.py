"""A PDF's text layer in reading order, with bold and pages (pdfplumber).

  words (with font names) -> rows -> running headers and footers dropped (they repeat across
  pages at one position) -> gutters found from the page's own word positions (valleys of the
  coverage profile; a page too sparse to show one borrows the document's) -> regions read top
  to bottom, each column of a region left to right -> lines, with a blank line where the
  vertical gap or a short last line says a paragraph ends, and a column or page break joined
  when the line before it fills the column mid-sentence.

Ruled tables (pdfplumber's table finder, on the page's lines) are read apart: each row becomes
one line of tab-separated cells, a cell's wrapped lines joined, as a text converter writes them,
and the text above and below a table is read as a region of its own.

The result is plain text with a bold flag per character and each page's start offset; the text
passes of ingest (Unicode, hyphenation, split headings) then run on it as on a text file.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_UNMAPPED = re.compile(r"\(cid:\d+\)")


class PdfError(Exception):
    """The PDF cannot be read as text; the message says why."""


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass
class Row:
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
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)


@dataclass(frozen=True)
class PdfText:
    text: str
    bold: list[bool]
    page_starts: list[int]


def _overlap(word: Word, row: Row) -> float:
    """How much of the word's height lies within the row's first word's height."""
    anchor = row.words[0]
    return (min(word.bottom, anchor.bottom) - max(word.top, anchor.top)) / max(word.bottom - word.top, 0.1)


def _rows(words: list[Word]) -> list[Row]:
    """Words on one line. Text-size words form rows by vertical overlap; smaller words (a raised
    footnote mark) then join the row they overlap most, so that a mark sitting between two
    columns' offset lines goes to its own line, not to whichever came first."""
    if not words:
        return []
    body_size = statistics.median(w.size for w in words)
    rows: list[Row] = []
    for word in sorted((w for w in words if w.size >= 0.8 * body_size), key=lambda w: (w.top, w.x0)):
        if rows and _overlap(word, rows[-1]) >= 0.5:
            rows[-1].words.append(word)
        else:
            rows.append(Row([word]))
    for word in sorted((w for w in words if w.size < 0.8 * body_size), key=lambda w: (w.top, w.x0)):
        best = max(rows, key=lambda r: _overlap(word, r), default=None)
        if best is not None and _overlap(word, best) > 0:
            best.words.append(word)
        else:
            rows.append(Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: w.x0)
    return sorted(rows, key=lambda r: r.top)


def _repeated_edges(pages: list[list[Row]], edge_rows: int = 2) -> set[tuple[int, str]]:
    """Rows at the top or bottom of a page that recur, at the same height with the same text
    (digits aside: "Page 3"), on at least half the pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[tuple[int, str]] = Counter()
    for rows in pages:
        edges = {_edge_key(r) for r in rows[:edge_rows] + rows[-edge_rows:]}
        counts.update(edges)
    return {key for key, n in counts.items() if n >= max(2, len(pages) / 2)}


def _edge_key(row: Row) -> tuple[int, str]:
    return round(row.top / 4), re.sub(r"\d+", "#", row.text)


def _column_rows(rows: list[Row], min_gap: float = 8.0) -> list[Row]:
    """Rows that may belong to columns. A row that runs across most of the page with no gap
    wider than a word space (a title block, one-column prose) is full-width: it neither hides
    a gutter nor invents one."""
    left = min(w.x0 for r in rows for w in r.words)
    right = max(w.x1 for r in rows for w in r.words)

    def full_width(row: Row) -> bool:
        wide_gap = any(b.x0 - a.x1 >= min_gap for a, b in itertools.pairwise(row.words))
        return not wide_gap and row.words[-1].x1 - row.words[0].x0 > 0.6 * (right - left)

    return [r for r in rows if not full_width(r)]


def _sides(rows: list[Row], x: float) -> int:
    """How many rows have text on the side of x with fewer rows."""
    on_left = sum(any(w.x1 < x for w in r.words) for r in rows)
    on_right = sum(any(w.x0 > x for w in r.words) for r in rows)
    return min(on_left, on_right)


def _gutters(rows: list[Row]) -> list[float]:
    """x positions between columns seen on one page: valleys of the coverage profile (how many
    column rows cover each x) at least 6 pt wide, low against the peaks on both sides (a short
    last column has low peaks; a title block above the columns makes shallow valleys), with at
    least three rows of text on each side."""
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
        if x < len(coverage) and coverage[x] <= 0.2 * min(peak_left[x], peak_right[x]):
            start = x if start is None else start
            continue
        if start is not None and x - start >= 6 and _sides(rows, left + (start + x) / 2) >= 3:
            gutters.append(left + (start + x) / 2)
        start = None
    return gutters


def _layout_gutters(pages: list[list[Row]]) -> list[list[float]]:
    """Each page's gutters. A page with too little text to show a gutter itself (a last column
    of one line) takes the gutters seen on other pages that none of its column rows crosses."""
    column_rows = [_column_rows(rows) if rows else [] for rows in pages]
    found = [_gutters(rows) for rows in column_rows]
    seen = sorted({round(g) for gutters in found for g in gutters})
    for rows, gutters in zip(column_rows, found, strict=True):
        for g in seen:
            crossed = any(w.x0 < g < w.x1 for r in rows for w in r.words)
            if not crossed and all(abs(g - f) > 6 for f in gutters) and _sides(rows, g) >= 1:
                gutters.append(g)
        gutters.sort()
    return found


def _columns_of(row: Row, gutters: list[float]) -> list[Row] | None:
    """The row split at the gutters, or None when it runs across one (a full-width row)."""
    parts: list[list[Word]] = [[] for _ in range(len(gutters) + 1)]
    for word in row.words:
        if any(word.x0 < g < word.x1 for g in gutters):
            return None
        parts[sum(word.x0 > g for g in gutters)].append(word)
    for left, right in itertools.pairwise(parts):
        if left and right and right[0].x0 - left[-1].x1 < 5:
            return None  # text runs on across the gutter
    return [Row(p) if p else Row([]) for p in parts]


def _reading_order(rows: list[Row], gutters: list[float]) -> list[list[Row]]:
    """Blocks of rows in reading order: full-width rows as they come, column rows column by column."""
    if not gutters:
        return [rows]
    blocks: list[list[Row]] = []
    pending: list[list[Row]] | None = None
    for row in rows:
        parts = _columns_of(row, gutters)
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


def _edges(block: list[Row]) -> tuple[float, float]:
    """A block's left edge and its right margin: the 90th percentile of line ends, so that one
    long URL running past the column does not move the margin."""
    ends = sorted(r.words[-1].x1 for r in block)
    return min(r.words[0].x0 for r in block), ends[int(0.9 * (len(ends) - 1))]


def _ends_sentence(row: Row) -> bool:
    return re.search(r"[.!?:]\W?$", row.words[-1].text) is not None


def _same_heading(previous: Row, row: Row) -> bool:
    """Two bold rows in one type size (sizes differ by float noise in some PDFs)."""
    return previous.bold and row.bold and abs(previous.words[0].size - row.words[0].size) < 0.25


def _block_separator(previous: list[Row], block: list[Row]) -> str:
    """What stands between the end of one column (or page) and the start of the next."""
    last, first = previous[-1], block[0]
    if _same_heading(last, first):
        return "\n"  # a heading broken by the column end; ingest joins it if the rest is its tail
    left_edge, right_edge = _edges(previous)
    full_line = len(previous) > 1 and right_edge - last.words[-1].x1 < 0.03 * (right_edge - left_edge)
    # A justified line that fills the column and ends mid-sentence continues in the next column.
    return "\n" if full_line and not _ends_sentence(last) else "\n\n"


def _separator(previous: Row, row: Row, pitch: float, left_edge: float, right_edge: float) -> str:
    """What stands between two rows of a block: a blank line where a paragraph ends, a space
    inside a wrapped bold heading, else a newline."""
    gap = row.baseline - previous.baseline
    # A hyphenated line end keeps its newline, so that ingest's dehyphenation decides.
    broken = re.search(r"[A-Za-z]-$", previous.words[-1].text) is not None
    if _same_heading(previous, row) and gap <= 1.5 * max(pitch, 1):
        return "\n" if broken else " "  # a wrapped bold heading stays one line
    # Paragraph spacing is often a fraction of a line; baselines make superscripts harmless.
    spaced = gap > 1.15 * max(pitch, 1)
    # The last line of a justified paragraph ends short of the column and with a full stop.
    short_end = right_edge - previous.words[-1].x1 > 0.15 * (right_edge - left_edge) and _ends_sentence(
        previous
    )
    return "\n\n" if spaced or short_end else "\n"


@dataclass(frozen=True)
class Table:
    top: float
    bottom: float
    rows: list[list[str]]  # cells, each with its wrapped lines joined

    @property
    def text(self) -> str:
        return "\n".join("\t".join(row) for row in self.rows)


def _cell_text(cell: str | None) -> str:
    """A cell's lines as one line: a line that ends in a hyphen runs on without a space."""
    lines = [line.strip() for line in (cell or "").split("\n") if line.strip()]
    text = ""
    for line in lines:
        text += line if not text or text.endswith("-") else f" {line}"
    return _UNMAPPED.sub("\ufffd", text)


def _page_tables(page: Any) -> list[tuple[tuple[float, float, float, float], Table]]:
    found = []
    for table in page.find_tables():
        x0, top, x1, bottom = table.bbox
        rows = [[_cell_text(cell) for cell in row] for row in table.extract(x_tolerance=1)]
        found.append(((x0, top, x1, bottom), Table(top, bottom, rows)))
    return sorted(found, key=lambda item: item[0][1])


def _inside(word: Word, box: tuple[float, float, float, float]) -> bool:
    middle_x, middle_y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return box[0] <= middle_x <= box[2] and box[1] <= middle_y <= box[3]


def _regions(rows: list[Row], tables: list[Table]) -> list[list[Row] | Table]:
    """A page's rows cut at its tables: the rows above the first table, the table, and so on."""
    regions: list[list[Row] | Table] = []
    for table in tables:
        regions.append([r for r in rows if r.top < table.top])
        regions.append(table)
        rows = [r for r in rows if r.top >= table.top]
    return [*regions, rows]


def _page_words(page: Any) -> list[Word]:
    # x_tolerance 1: a space in small type is narrower than pdfplumber's default 3 pt.
    words = page.extract_words(
        extra_attrs=["fontname", "size"], keep_blank_chars=False, use_text_flow=False, x_tolerance=1
    )
    # pdfminer spells a glyph with no Unicode mapping "(cid:222)"; U+FFFD marks it honestly.
    return [
        Word(
            _UNMAPPED.sub("\ufffd", w["text"]),
            w["x0"],
            w["x1"],
            w["top"],
            w["bottom"],
            w["size"],
            bool(BOLD_FONT.search(w["fontname"])),
        )
        for w in words
        if w.get("upright", True)
    ]


def read(path: Path) -> PdfText:
    """The text layer of a PDF in reading order. Raises PdfError with a one-line reason."""
    try:
        with pdfplumber.open(path) as pdf:
            pages, tables = [], []
            for page in pdf.pages:
                found = _page_tables(page)
                pages.append([w for w in _page_words(page) if not any(_inside(w, box) for box, _ in found)])
                tables.append([table for _, table in found])
    except Exception as exc:  # pdfminer raises many types; each means the file cannot be read
        # pdfplumber wraps pdfminer's exception (PDFPasswordIncorrect, ...) as its first argument.
        causes = [exc, *exc.args, exc.__context__]
        reason = " ".join(f"{type(c).__name__} {c}" for c in causes if c is not None).lower()
        if "password" in reason or "encrypt" in reason:
            raise PdfError("password-protected PDF: no text can be read without the password") from exc
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        raise PdfError(f"not a readable PDF ({type(cause).__name__}: {str(cause)[:80]})") from exc
    if not any(pages) and not any(tables):
        raise PdfError("PDF without a text layer (a scanned document?): nothing to extract")
    page_rows = [_rows(words) for words in pages]
    repeated = _repeated_edges(page_rows)
    chars: list[str] = []
    bold: list[bool] = []
    page_starts: list[int] = []

    def emit(text: str, is_bold: bool) -> None:
        chars.extend(text)
        bold.extend([is_bold] * len(text))

    blocks: list[tuple[int, list[Row] | Table]] = []
    bodies = [[r for r in rows if _edge_key(r) not in repeated] for rows in page_rows]
    regions = [(n, region) for n, body in enumerate(bodies) for region in _regions(body, tables[n])]
    text_regions = [region for _, region in regions if isinstance(region, list)]
    gutters_of = iter(_layout_gutters(text_regions))
    for page_no, region in regions:
        if isinstance(region, Table):
            blocks.append((page_no, region))
        else:
            blocks += [(page_no, block) for block in _reading_order(region, next(gutters_of)) if block]
    for n, (page_no, block) in enumerate(blocks):
        previous = blocks[n - 1][1] if n else None
        if previous is not None:
            tabular = isinstance(previous, Table) or isinstance(block, Table)
            emit("\n\n" if tabular else _block_separator(previous, block), False)  # type: ignore[arg-type]
        while len(page_starts) <= page_no:
            page_starts.append(len(chars))
        if isinstance(block, Table):
            emit(block.text, False)
            continue
        pitch = statistics.median([b.baseline - a.baseline for a, b in itertools.pairwise(block)] or [0])
        left_edge, right_edge = _edges(block)
        for k, row in enumerate(block):
            if k:
                separator = _separator(block[k - 1], row, pitch, left_edge, right_edge)
                emit(separator, separator == " ")  # the space inside a wrapped bold heading is bold
            for i, word in enumerate(row.words):
                if i:
                    emit(" ", word.bold and row.words[i - 1].bold)
                emit(word.text, word.bold)
    page_starts += [len(chars)] * (len(pages) - len(page_starts))
    return PdfText("".join(chars), bold, page_starts)
