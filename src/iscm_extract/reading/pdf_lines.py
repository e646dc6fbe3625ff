"""Blocks in reading order written out as text: lines, paragraph breaks, bold and page starts.

Within a block, rows become lines, with a blank line where a paragraph ends: the vertical gap
is over `paragraph_gap_lines` line pitches, or a line ends a sentence well short of the right
margin (`short_line_share` of the column's width). A wrapped bold heading stays one line. Between
blocks (a column or page break) a paragraph runs on when the line before the break fills the
column (`full_line_share`) mid-sentence:

  "...the Member States"  | column break |  "agreed on a plan."  -> one paragraph
  "...adopted the plan."  | column break |  "The next meeting"   -> two paragraphs

Tables are paragraphs of their own; banners (framed blocks) too. Each character carries a bold
flag (a space between two bold words is bold), and each page's first character its offset.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field

from iscm_extract.reading.pdf_columns import Block
from iscm_extract.reading.pdf_rows import Row
from iscm_extract.reading.pdf_settings import LayoutSettings
from iscm_extract.reading.pdf_tables import Table

_LINE_END_HYPHEN = re.compile(r"[A-Za-z][-\u2010\u00ad]$")


@dataclass(frozen=True)
class PdfText:
    """A PDF's text layer: the text, a bold flag per character, and each page's start offset."""

    text: str
    bold: list[bool]
    page_starts: list[int]


@dataclass(frozen=True)
class _Measure:
    """A block's line pitch (the median gap between baselines), left edge and right margin."""

    pitch: float
    left_edge: float
    right_edge: float

    @staticmethod
    def of(rows: list[Row], settings: LayoutSettings) -> _Measure:
        pitch = statistics.median([b.baseline - a.baseline for a, b in itertools.pairwise(rows)] or [0])
        left_edge, right_edge = _edges(rows, settings)
        return _Measure(pitch, left_edge, right_edge)


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


def _separator(previous: Row, row: Row, measure: _Measure, settings: LayoutSettings) -> str:
    """What stands between two rows of a block: a blank line where a paragraph ends, a space
    inside a wrapped bold heading, else a newline."""
    gap = row.baseline - previous.baseline
    # A hyphenated line end keeps its newline, so that ingest's dehyphenation decides.
    broken = _LINE_END_HYPHEN.search(previous.words[-1].text) is not None
    pitch = max(measure.pitch, settings.min_line_pitch)
    if _same_heading(previous, row, settings) and gap <= settings.heading_gap_lines * pitch:
        return "\n" if broken else " "  # a wrapped bold heading stays one line
    # Paragraph spacing is often a fraction of a line; baselines make superscripts harmless.
    spaced = gap > settings.paragraph_gap_lines * pitch
    # The last line of a justified paragraph ends short of the column and with a full stop.
    room = measure.right_edge - previous.words[-1].x1
    short = room > settings.short_line_share * (measure.right_edge - measure.left_edge)
    return "\n\n" if spaced or (short and _ends_sentence(previous)) else "\n"


@dataclass
class _TextWriter:
    """The text as it is written: its characters, their bold flags and each page's start."""

    chars: list[str] = field(default_factory=list)
    bold: list[bool] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)

    def emit(self, text: str, is_bold: bool) -> None:
        self.chars.extend(text)
        self.bold.extend([is_bold] * len(text))

    def start_page(self, page: int) -> None:
        """Pages up to `page` (from 0) start here, unless they started before."""
        while len(self.page_starts) <= page:
            self.page_starts.append(len(self.chars))

    def write_block(self, block: Block, settings: LayoutSettings) -> None:
        rows = block.rows
        measure = _Measure.of(rows, settings)
        for k, row in enumerate(rows):
            if k:
                separator = _separator(rows[k - 1], row, measure, settings)
                self.emit(separator, separator == " ")  # the space inside a wrapped bold heading is bold
            for i, word in enumerate(row.words):
                if i:
                    self.emit(" ", word.bold and row.words[i - 1].bold)
                self.emit(word.text, word.bold)


def write_text(blocks: list[Block | Table], page_count: int, settings: LayoutSettings) -> PdfText:
    """The blocks, in order, as one text with its bold flags and page starts."""
    writer = _TextWriter()
    previous: Block | Table | None = None
    for block in blocks:
        if previous is not None:
            if isinstance(previous, Table) or isinstance(block, Table):
                writer.emit("\n\n", False)
            else:
                writer.emit(_block_separator(previous, block, settings), False)
        writer.start_page(block.page)
        if isinstance(block, Table):
            writer.emit(block.text, False)
        else:
            writer.write_block(block, settings)
        previous = block
    writer.start_page(page_count - 1)  # pages with no text start where the text ends
    return PdfText("".join(writer.chars), writer.bold, writer.page_starts)
