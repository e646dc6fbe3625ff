"""A PDF's text layer in reading order, with bold and pages.

  glyphs (pdf_chars.py: pdfplumber's or pdfium's) -> visible glyphs -> words (with font, size
  and colour) -> rows -> running headers and footers dropped (they repeat across pages at one
  position) -> bands -> gutters found in each band from its own word positions (valleys of the
  coverage profile; a band too sparse to show one borrows the document's) -> each band read
  column by column -> lines, with a blank line where the vertical gap or a short last line says
  a paragraph ends, and a column or page break joined when the line before it fills the column
  mid-sentence.

Visible glyphs. A producer prints glyphs that no reader sees: Chromium prints each unused soft
hyphen as a blank glyph mapped to a space, drawn on top of its neighbours. A blank glyph is a
word break only where its neighbours stand apart by at least `min_space_em` of the type size;
zero-width characters are dropped, and a soft hyphen at a line end is the hyphen it prints.

Bands. A page is a stack of bands, each one full-width block or one run of columns, cut at the
page's ruled tables and at the full-width shapes it draws (a banner's filled bar, a rule under
the title block): rows inside such a shape are a band of their own, read as a whole and never
joined to the text before or after it. A lone row in large type, alone at its height, with text
in every column just above and below it, is a full-width row too (a banner without a bar).

Example: a two-column Chromium page with a blue bar "2021 PUBLICATIONS" across its middle, and
"the matic" printed with a blank glyph overlapping "e" and "m" at a soft hyphen. The blank has no
room between its neighbours, so the word reads "thematic"; the bar cuts the page into three
bands, so the text reads upper-left, upper-right, "2021 PUBLICATIONS", lower-left, lower-right;
and the banner stays apart from the bold heading under it (another band, another colour).

Ruled tables (pdfplumber's table finder on the page's rules: lines and thin rectangles, never
the filled bars of banners and boxes) are read apart when they are real grids: at least two
rows and two columns, no sliver column (a column rule drawn as a thin rectangle), most cells
with text, and no word crossing a cell border. Each row becomes one line of tab-separated
cells, a cell's wrapped lines joined, as a text converter writes them.

Readers. `LayoutSettings.reader` says where the glyphs come from (pdf_chars.py): "pdfplumber"
(pdfminer parses the page in Python; the default and the reference) or "pdfium" (pypdfium2's C++
parser, 4.6 times the pages per second in `make bench`), whose characters and shapes become the
dicts pdfplumber gives. Everything after that is the same code for both: pdfplumber's word
grouping and table finder, then this module's layout. They read the test suite's PDFs to the
same text, but where pdfium decodes a glyph pdfminer cannot (an arrow with no Unicode mapping in
a standard font: pdfminer's reads U+FFFD). Pages are read one at a time and closed after use.

Every threshold is a named field of `LayoutSettings` (frozen, validated): `read(path, settings)`.
The result is plain text with a bold flag per character and each page's start offset; the text
passes of ingest (Unicode, hyphenation, split headings) then run on it as on a text file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iscm_extract import pdf_chars
from iscm_extract.ingest import PDF_READERS

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_UNMAPPED = re.compile(r"\(cid:\d+\)")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_SOFT_HYPHEN = "\u00ad"
_LINE_END_HYPHEN = re.compile(r"[A-Za-z][-\u2010\u00ad]$")
# The Latin ligatures of Unicode's Alphabetic Presentation Forms (U+FB00-U+FB04), as letters.
LIGATURES = ("ff", "fi", "fl", "ffi", "ffl")
_EDGE_PUNCTUATION = re.compile(r"^[^A-Za-z]+|[^A-Za-z]+$")


class PdfError(Exception):
    """The PDF cannot be read as text; the message says why."""


@dataclass(frozen=True)
class LayoutSettings:
    """Every threshold of the reader, in one place. Lengths are in PDF points; `_em` fields are
    shares of the type size; `_ratio` and `_share` fields are shares of what their name says.
    Invalid values raise ValueError when the settings are made."""

    # glyphs and words
    word_x_tolerance: float = 1.0  # letters further apart than this are two words
    min_space_em: float = 0.12  # a blank glyph whose neighbours stand closer is no space
    # rows
    row_overlap_ratio: float = 0.5  # share of a word's height inside a row's height to join it
    small_type_ratio: float = 0.8  # words below this share of the body size are raised marks
    # running headers and footers
    edge_rows: int = 2  # rows at the top and at the bottom of a page looked at
    edge_position_step: float = 4.0  # heights this close are one position
    edge_page_share: float = 0.5  # on at least this share of the pages
    # bands
    band_width_share: float = 0.6  # a shape this wide (share of the page's text width) cuts a band
    band_max_height_share: float = 0.5  # taller shapes (page backgrounds) cut nothing
    banner_size_ratio: float = 1.2  # a lone row this much larger than the body type is a banner
    banner_context_lines: float = 2.5  # columns have text this many line pitches above and below
    # columns
    full_width_min_gap: float = 8.0  # a row with no gap this wide, across the page, is full-width
    full_width_share: float = 0.6  # ... when it spans this share of the text width
    gutter_min_width: float = 6.0  # narrowest gutter
    gutter_depth_ratio: float = 0.2  # a gutter's coverage is at most this share of the peaks beside it
    gutter_min_rows: int = 3  # rows of text on each side of a gutter, and rows starting at its right edge
    gutter_align_tolerance: float = 2.0  # a row starts at a gutter's right edge within this distance
    gutter_match_distance: float = 6.0  # gutters this close are one gutter
    gutter_run_on_gap: float = 5.0  # text this close across a gutter runs on: a full-width row
    # lines and paragraphs
    right_margin_quantile: float = 0.9  # a column's right margin: this quantile of its line ends
    heading_size_tolerance: float = 0.25  # bold rows whose sizes differ less are one heading
    heading_gap_lines: float = 1.5  # a wrapped heading's lines are at most this many pitches apart
    paragraph_gap_lines: float = 1.15  # a larger gap ends a paragraph
    short_line_share: float = 0.15  # a line ending this far short of the margin ends a paragraph
    full_line_share: float = 0.03  # a column's last line this close to the margin runs on
    # tables
    table_rule_max_thickness: float = 2.0  # thicker filled rectangles are areas, not rules
    table_min_rows: int = 2
    table_min_columns: int = 2
    table_min_column_width: float = 4.0  # narrower columns are the two sides of one rule
    table_min_filled_share: float = 0.5  # share of cells with text
    table_cell_tolerance: float = 1.0  # a word crossing a cell border by more than this is cut
    # where the characters come from (pdf_chars.py): "pdfplumber" (the reference) or "pdfium"
    reader: str = PDF_READERS[0]

    def __post_init__(self) -> None:
        if self.reader not in PDF_READERS:
            raise ValueError(f"layout setting reader must be one of {PDF_READERS}, not {self.reader!r}")
        for setting in dataclasses.fields(self):
            if setting.name == "reader":
                continue
            value = getattr(self, setting.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"layout setting {setting.name} must be a number, not {value!r}")
            if value < 0 or (value == 0 and not setting.name.endswith("_tolerance")):
                raise ValueError(f"layout setting {setting.name} must be positive, not {value!r}")
            shares = setting.name.endswith(("_share", "_quantile")) or setting.name in {
                "row_overlap_ratio",
                "small_type_ratio",
                "gutter_depth_ratio",
            }
            if shares and value > 1:
                raise ValueError(f"layout setting {setting.name} is a share: at most 1, not {value!r}")
        if self.banner_size_ratio < 1:
            raise ValueError(f"banner_size_ratio must be at least 1, not {self.banner_size_ratio!r}")


DEFAULT_SETTINGS = LayoutSettings()


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    font: str = ""
    colour: str = ""


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
    def size(self) -> float:
        return statistics.median(w.size for w in self.words)

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


@dataclass
class Band:
    """Rows of one band of a page; `framed` when they lie inside a full-width shape (a banner)."""

    rows: list[Row]
    framed: bool = False


@dataclass
class Block:
    """Rows read as one run: a column of a band, or a full-width block."""

    rows: list[Row]
    framed: bool = False


# --- glyphs and words ------------------------------------------------------------------------------


def _same_line(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(abs(a["top"] - b["top"]) < 0.5 * max(a["size"], b["size"], 0.1))


def _invisible_glyphs(chars: list[dict[str, Any]], settings: LayoutSettings) -> set[int]:
    """Indices of glyphs that print nothing a reader sees as text: zero-width characters, soft
    hyphens inside a line, and blank glyphs whose neighbours on the line stand closer than a
    space (a blank drawn on top of the letters, as Chromium prints an unused soft hyphen)."""
    invisible: set[int] = set()
    for i, char in enumerate(chars):
        text = char["text"]
        if text in _ZERO_WIDTH:
            invisible.add(i)
            continue
        if not text.isspace() and text != _SOFT_HYPHEN:
            continue
        before = next((c for c in reversed(chars[max(0, i - 4) : i]) if not c["text"].isspace()), None)
        after = next((c for c in chars[i + 1 : i + 5] if not c["text"].isspace()), None)
        if before is None or after is None or not _same_line(before, after) or not _same_line(before, char):
            continue  # a line end: a soft hyphen there is the hyphen printed
        room = after["x0"] - before["x1"]
        if text == _SOFT_HYPHEN or room < settings.min_space_em * char["size"]:
            invisible.add(i)
    return invisible


def _word_around(chars: list[dict[str, Any]], i: int, settings: LayoutSettings) -> tuple[str, str]:
    """The letters touching glyph i on its line, before and after it."""
    before, after = "", ""
    k = i
    while k > 0 and _same_line(chars[k - 1], chars[i]) and not chars[k - 1]["text"].isspace():
        if chars[k]["x0"] - chars[k - 1]["x1"] > settings.word_x_tolerance:
            break
        k -= 1
        before = chars[k]["text"] + before
    k = i
    while k + 1 < len(chars) and _same_line(chars[k + 1], chars[i]) and not chars[k + 1]["text"].isspace():
        if chars[k + 1]["x0"] - chars[k]["x1"] > settings.word_x_tolerance:
            break
        k += 1
        after += chars[k]["text"]
    return before, after


def _restore_ligatures(chars: list[dict[str, Any]], settings: LayoutSettings) -> None:
    """Give a glyph with no Unicode mapping inside a word (WeasyPrint leaves its ff and ffi
    glyphs unmapped) the letters of the ligature that makes the word a word of English
    (wordfreq), trying first the ligature whose letters are as wide, in the same font, as the
    glyph: "e?ective" with a glyph as wide as two f reads "effective". A glyph that makes no
    word is U+FFFD, the mark of a character that could not be read."""
    unmapped = [i for i, c in enumerate(chars) if not c["text"] or _UNMAPPED.fullmatch(c["text"])]
    if not unmapped:
        return
    from iscm_extract.ingest import is_word  # ingest imports this module when it reads a PDF

    widths: dict[tuple[str, float, str], list[float]] = {}
    for char in chars:
        if char["text"] in "fil" and char["text"]:
            key = (char["fontname"], round(char["size"], 1), char["text"])
            widths.setdefault(key, []).append(char["x1"] - char["x0"])

    def misfit(char: dict[str, Any], ligature: str) -> float:
        letters = [widths.get((char["fontname"], round(char["size"], 1), letter)) for letter in ligature]
        if any(w is None for w in letters):
            return 0.0
        return float(abs(sum(statistics.median(w) for w in letters if w) - (char["x1"] - char["x0"])))

    for i in unmapped:
        before, after = _word_around(chars, i, settings)
        char = chars[i]
        char["text"] = "\ufffd"
        if not (before[-1:].isalpha() or after[:1].isalpha()):
            continue  # a glyph standing alone (an arrow the font has no code for) is no ligature
        for ligature in sorted(LIGATURES, key=lambda lig: misfit(char, lig)):
            if is_word(_EDGE_PUNCTUATION.sub("", before + ligature + after)):
                char["text"] = ligature
                break


def _visible_page(page: Any, settings: LayoutSettings) -> Any:
    """The page without its invisible glyphs (a pdfplumber FilteredPage), its unmapped ligature
    glyphs spelled out."""
    chars = page.chars
    _restore_ligatures(chars, settings)
    invisible = {id(chars[i]) for i in _invisible_glyphs(chars, settings)}
    if not invisible:
        return page
    return page.filter(lambda obj: id(obj) not in invisible)


def _colour(value: Any) -> str:
    return "" if value is None else ",".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in value)


def _page_words(page: Any, settings: LayoutSettings) -> list[Word]:
    # x_tolerance 1: a space in small type is narrower than pdfplumber's default 3 pt.
    words = page.extract_words(
        extra_attrs=["fontname", "size", "non_stroking_color"],
        keep_blank_chars=False,
        use_text_flow=False,
        x_tolerance=settings.word_x_tolerance,
    )
    # pdfminer spells a glyph with no Unicode mapping "(cid:222)"; U+FFFD marks it honestly.
    return [
        Word(
            _UNMAPPED.sub("\ufffd", w["text"]).replace(_SOFT_HYPHEN, "-"),
            w["x0"],
            w["x1"],
            w["top"],
            w["bottom"],
            w["size"],
            bool(BOLD_FONT.search(w["fontname"])),
            w["fontname"].split("+")[-1],  # a subset font's name without its "ABCDEF+" tag
            _colour(w.get("non_stroking_color")),
        )
        for w in words
        if w.get("upright", True)
    ]


# --- rows, running headers and footers -------------------------------------------------------------


def _overlap(word: Word, row: Row) -> float:
    """How much of the word's height lies within the row's first word's height."""
    anchor = row.words[0]
    return (min(word.bottom, anchor.bottom) - max(word.top, anchor.top)) / max(word.bottom - word.top, 0.1)


def _rows(words: list[Word], settings: LayoutSettings) -> list[Row]:
    """Words on one line. Text-size words form rows by vertical overlap; smaller words (a raised
    footnote mark) then join the row they overlap most, so that a mark sitting between two
    columns' offset lines goes to its own line, not to whichever came first."""
    if not words:
        return []
    small = settings.small_type_ratio * statistics.median(w.size for w in words)
    rows: list[Row] = []
    for word in sorted((w for w in words if w.size >= small), key=lambda w: (w.top, w.x0)):
        if rows and _overlap(word, rows[-1]) >= settings.row_overlap_ratio:
            rows[-1].words.append(word)
        else:
            rows.append(Row([word]))
    for word in sorted((w for w in words if w.size < small), key=lambda w: (w.top, w.x0)):
        best = max(rows, key=lambda r: _overlap(word, r), default=None)
        if best is not None and _overlap(word, best) > 0:
            best.words.append(word)
        else:
            rows.append(Row([word]))
    for row in rows:
        row.words.sort(key=lambda w: w.x0)
    return sorted(rows, key=lambda r: r.top)


def _repeated_edges(pages: list[list[Row]], settings: LayoutSettings) -> set[tuple[int, str]]:
    """Rows at the top or bottom of a page that recur, at the same height with the same text
    (digits aside: "Page 3"), on at least half the pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[tuple[int, str]] = Counter()
    n = settings.edge_rows
    for rows in pages:
        counts.update({_edge_key(r, settings) for r in rows[:n] + rows[-n:]})
    least = max(2, len(pages) * settings.edge_page_share)
    return {key for key, count in counts.items() if count >= least}


def _edge_key(row: Row, settings: LayoutSettings) -> tuple[int, str]:
    return round(row.top / settings.edge_position_step), re.sub(r"\d+", "#", row.text)


# --- bands ----------------------------------------------------------------------------------------


def _band_shapes(page: Any, words: list[Word], settings: LayoutSettings) -> list[tuple[float, float]]:
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
    merged: list[tuple[float, float]] = []
    for top, bottom in extents:
        if merged and top <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
        else:
            merged.append((top, bottom))
    return merged


def _bands(rows: list[Row], shapes: list[tuple[float, float]]) -> list[Band]:
    """Rows cut at the shapes: rows between two shapes are one band, rows inside one shape
    another (framed), top to bottom."""
    bands: dict[int, Band] = {}
    for row in rows:
        middle = (row.top + row.bottom) / 2
        above = sum(bottom < middle for _, bottom in shapes)  # shapes wholly above the row
        inside = any(top <= middle <= bottom for top, bottom in shapes)
        key = 2 * above + (1 if inside else 0)
        bands.setdefault(key, Band([], framed=inside)).rows.append(row)
    return [bands[key] for key in sorted(bands)]


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


def _layout_gutters(bands: list[list[Row]], settings: LayoutSettings) -> list[list[float]]:
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
    reach = settings.banner_context_lines * body * 1.2  # line pitches, from the body's type size

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


# --- lines and paragraphs -------------------------------------------------------------------------


def _edges(block: list[Row], settings: LayoutSettings) -> tuple[float, float]:
    """A block's left edge and its right margin: a high quantile of line ends, so that one
    long URL running past the column does not move the margin."""
    ends = sorted(r.words[-1].x1 for r in block)
    return min(r.words[0].x0 for r in block), ends[int(settings.right_margin_quantile * (len(ends) - 1))]


def _ends_sentence(row: Row) -> bool:
    return re.search(r"[.!?:]\W?$", row.words[-1].text) is not None


def _same_heading(previous: Row, row: Row, settings: LayoutSettings) -> bool:
    """Two bold rows in one font, colour and type size (sizes differ by float noise in some PDFs)."""
    first, other = previous.words[0], row.words[0]
    return (
        previous.bold
        and row.bold
        and abs(first.size - other.size) < settings.heading_size_tolerance
        and (first.font, first.colour) == (other.font, other.colour)
    )


def _block_separator(previous: Block, block: Block, settings: LayoutSettings) -> str:
    """What stands between the end of one column (or page) and the start of the next."""
    if previous.framed or block.framed:
        return "\n\n"  # a banner is a block of its own
    last, first = previous.rows[-1], block.rows[0]
    if _same_heading(last, first, settings):
        return "\n"  # a heading broken by the column end; ingest joins it if the rest is its tail
    left_edge, right_edge = _edges(previous.rows, settings)
    room = right_edge - last.words[-1].x1
    full_line = len(previous.rows) > 1 and room < settings.full_line_share * (right_edge - left_edge)
    # A justified line that fills the column and ends mid-sentence continues in the next column.
    return "\n" if full_line and not _ends_sentence(last) else "\n\n"


def _separator(
    previous: Row, row: Row, pitch: float, left_edge: float, right_edge: float, settings: LayoutSettings
) -> str:
    """What stands between two rows of a block: a blank line where a paragraph ends, a space
    inside a wrapped bold heading, else a newline."""
    gap = row.baseline - previous.baseline
    # A hyphenated line end keeps its newline, so that ingest's dehyphenation decides.
    broken = _LINE_END_HYPHEN.search(previous.words[-1].text) is not None
    if _same_heading(previous, row, settings) and gap <= settings.heading_gap_lines * max(pitch, 1):
        return "\n" if broken else " "  # a wrapped bold heading stays one line
    # Paragraph spacing is often a fraction of a line; baselines make superscripts harmless.
    spaced = gap > settings.paragraph_gap_lines * max(pitch, 1)
    # The last line of a justified paragraph ends short of the column and with a full stop.
    short = right_edge - previous.words[-1].x1 > settings.short_line_share * (right_edge - left_edge)
    return "\n\n" if spaced or (short and _ends_sentence(previous)) else "\n"


# --- ruled tables ---------------------------------------------------------------------------------


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


def _is_rule(shape: dict[str, Any], settings: LayoutSettings) -> bool:
    """A line, a stroked rectangle (a border), or a rectangle thin enough to be drawn as a rule;
    never the filled area of a banner or a shaded box, whose edges are no table's."""
    if shape["object_type"] != "rect" or shape.get("stroke"):
        return True
    thickness = min(shape["x1"] - shape["x0"], shape["bottom"] - shape["top"])
    return bool(thickness <= settings.table_rule_max_thickness)


def _real_grid(table: Any, rows: list[list[str]], words: list[Word], settings: LayoutSettings) -> bool:
    """Whether a table the finder saw is a ruled table: enough rows and columns, no sliver
    column, most cells with text, and no word cut by a cell border (a column rule crossing a
    banner is no cell border)."""
    columns = max((len(r) for r in rows), default=0)
    cells = [cell for row in rows for cell in row]
    if len(rows) < settings.table_min_rows or columns < settings.table_min_columns:
        return False
    if sum(bool(c) for c in cells) < settings.table_min_filled_share * len(cells):
        return False
    tolerance = settings.table_cell_tolerance
    for x0, top, x1, bottom in table.cells:
        if x1 - x0 < settings.table_min_column_width:
            return False
        for word in words:
            if not top <= (word.top + word.bottom) / 2 <= bottom:
                continue
            for border in (x0, x1):
                if word.x0 + tolerance < border < word.x1 - tolerance:
                    return False
    return True


def _page_tables(
    page: Any, words: list[Word], settings: LayoutSettings
) -> list[tuple[tuple[float, float, float, float], Table]]:
    ruled = page.filter(lambda obj: obj["object_type"] != "rect" or _is_rule(obj, settings))
    found = []
    for table in ruled.find_tables():
        rows = [[_cell_text(cell) for cell in row] for row in table.extract(x_tolerance=1)]
        if not _real_grid(table, rows, words, settings):
            continue
        x0, top, x1, bottom = table.bbox
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


# --- the whole document ---------------------------------------------------------------------------


@dataclass
class _Page:
    words: list[Word]
    tables: list[Table]
    shapes: list[tuple[float, float]]


def _read_pages(path: Path, settings: LayoutSettings) -> list[_Page]:
    pages = []
    try:
        with contextlib.closing(pdf_chars.pages(path, settings.reader)) as source:
            for page in source:  # each page is closed when the next is read
                visible = _visible_page(page, settings)
                words = _page_words(visible, settings)
                found = _page_tables(visible, words, settings)
                body = [w for w in words if not any(_inside(w, box) for box, _ in found)]
                shapes = _band_shapes(visible, words, settings)
                pages.append(_Page(body, [table for _, table in found], shapes))
    except Exception as exc:  # pdfminer raises many types; each means the file cannot be read
        # pdfplumber wraps pdfminer's exception (PDFPasswordIncorrect, ...) as its first argument.
        causes = [exc, *exc.args, exc.__context__]
        reason = " ".join(f"{type(c).__name__} {c}" for c in causes if c is not None).lower()
        if "password" in reason or "encrypt" in reason:
            raise PdfError("password-protected PDF: no text can be read without the password") from exc
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        raise PdfError(f"not a readable PDF ({type(cause).__name__}: {str(cause)[:80]})") from exc
    if not any(p.words for p in pages) and not any(p.tables for p in pages):
        raise PdfError("PDF without a text layer (a scanned document?): nothing to extract")
    return pages


def read(path: Path, settings: LayoutSettings = DEFAULT_SETTINGS) -> PdfText:
    """The text layer of a PDF in reading order. Raises PdfError with a one-line reason."""
    pages = _read_pages(path, settings)
    page_rows = [_rows(page.words, settings) for page in pages]
    repeated = _repeated_edges(page_rows, settings)
    chars: list[str] = []
    bold: list[bool] = []
    page_starts: list[int] = []

    def emit(text: str, is_bold: bool) -> None:
        chars.extend(text)
        bold.extend([is_bold] * len(text))

    regions: list[tuple[int, Band | Table]] = []
    for n, (page, rows) in enumerate(zip(pages, page_rows, strict=True)):
        body = [r for r in rows if _edge_key(r, settings) not in repeated]
        for piece in _regions(body, page.tables):
            if isinstance(piece, Table):
                regions.append((n, piece))
            else:
                regions += [(n, band) for band in _bands(piece, page.shapes)]
    bands = [region.rows for _, region in regions if isinstance(region, Band)]
    gutters_of = iter(_layout_gutters(bands, settings))
    blocks: list[tuple[int, Block | Table]] = []
    for page_no, region in regions:
        if isinstance(region, Table):
            blocks.append((page_no, region))
            continue
        gutters = next(gutters_of)
        blocks += [
            (page_no, Block(rows, region.framed)) for rows in _reading_order(region.rows, gutters, settings)
        ]
    for n, (page_no, block) in enumerate(blocks):
        previous = blocks[n - 1][1] if n else None
        if previous is not None:
            if isinstance(previous, Table) or isinstance(block, Table):
                emit("\n\n", False)
            else:
                emit(_block_separator(previous, block, settings), False)
        while len(page_starts) <= page_no:
            page_starts.append(len(chars))
        if isinstance(block, Table):
            emit(block.text, False)
            continue
        rows = block.rows
        pitch = statistics.median([b.baseline - a.baseline for a, b in itertools.pairwise(rows)] or [0])
        left_edge, right_edge = _edges(rows, settings)
        for k, row in enumerate(rows):
            if k:
                separator = _separator(rows[k - 1], row, pitch, left_edge, right_edge, settings)
                emit(separator, separator == " ")  # the space inside a wrapped bold heading is bold
            for i, word in enumerate(row.words):
                if i:
                    emit(" ", word.bold and row.words[i - 1].bold)
                emit(word.text, word.bold)
    page_starts += [len(chars)] * (len(pages) - len(page_starts))
    return PdfText("".join(chars), bold, page_starts)
