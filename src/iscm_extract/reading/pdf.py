"""A PDF's text layer in reading order, with bold and pages.

  glyphs (pdf_chars.py: pdfplumber's or pdfium's) -> visible glyphs -> words (with font, size
  and colour; pdf_glyphs.py) -> rows -> running headers and footers dropped (they repeat across
  pages at one position; pdf_rows.py) -> ruled tables read apart (pdf_tables.py) -> bands ->
  gutters found in each band from its own word positions (valleys of the coverage profile; a
  band too sparse to show one borrows the document's) -> each band read column by column
  (pdf_columns.py) -> lines, with a blank line where the vertical gap or a short last line says
  a paragraph ends, and a column or page break joined when the line before it fills the column
  mid-sentence (pdf_lines.py).

Example: a two-column Chromium page with a blue bar "2021 PUBLICATIONS" across its middle, and
"the matic" printed with a blank glyph overlapping "e" and "m" at a soft hyphen. The blank has no
room between its neighbours, so the word reads "thematic"; the bar cuts the page into three
bands, so the text reads upper-left, upper-right, "2021 PUBLICATIONS", lower-left, lower-right;
and the banner stays apart from the bold heading under it (another band, another colour).

Readers. `LayoutSettings.reader` says where the glyphs come from (pdf_chars.py): "pdfplumber"
(pdfminer parses the page in Python; the default and the reference) or "pdfium" (pypdfium2's C++
parser, 4.6 times the pages per second in `make bench`), whose characters and shapes become the
dicts pdfplumber gives. Everything after that is the same code for both: pdfplumber's word
grouping and table finder, then this package's layout. They read the test suite's PDFs to the
same text, but where pdfium decodes a glyph pdfminer cannot (an arrow with no Unicode mapping in
a standard font: pdfminer's reads U+FFFD). Pages are read one at a time and closed after use.

Every threshold is a named field of `LayoutSettings` (pdf_settings.py; frozen, validated):
`read(path, settings)`. The result is plain text with a bold flag per character and each page's
start offset; the text passes of ingest (Unicode, hyphenation, split headings) then run on it as
on a text file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iscm_extract.reading import pdf_chars
from iscm_extract.reading.pdf_columns import (
    Band,
    Block,
    Extent,
    band_blocks,
    band_shapes,
    bands,
    layout_gutters,
)
from iscm_extract.reading.pdf_glyphs import BOLD_FONT as BOLD_FONT
from iscm_extract.reading.pdf_glyphs import LIGATURES as LIGATURES
from iscm_extract.reading.pdf_glyphs import Word, page_words, visible_page
from iscm_extract.reading.pdf_lines import PdfText as PdfText
from iscm_extract.reading.pdf_lines import write_text
from iscm_extract.reading.pdf_rows import edge_key, page_rows, repeated_edges
from iscm_extract.reading.pdf_settings import DEFAULT_SETTINGS as DEFAULT_SETTINGS
from iscm_extract.reading.pdf_settings import LayoutSettings as LayoutSettings
from iscm_extract.reading.pdf_tables import Table, inside, page_tables, regions


class PdfError(Exception):
    """The PDF cannot be read as text; the message says why."""


@dataclass(frozen=True)
class _Page:
    """What the layout needs of a page: its words outside tables, its tables, its bars."""

    words: list[Word]
    tables: list[Table]
    shapes: list[Extent]


def _read_page(page: Any, number: int, settings: LayoutSettings) -> _Page:
    visible = visible_page(page, settings)
    words = page_words(visible, settings)
    tables = page_tables(visible, words, number, settings)
    body = [w for w in words if not any(inside(w, table) for table in tables)]
    return _Page(body, tables, band_shapes(visible, words, settings))


def _unreadable(exc: Exception) -> PdfError:
    """The PdfError that says why pdfminer or pdfium could not read the file."""
    # pdfplumber wraps pdfminer's exception (PDFPasswordIncorrect, ...) as its first argument.
    causes = [exc, *exc.args, exc.__context__]
    reason = " ".join(f"{type(c).__name__} {c}" for c in causes if c is not None).lower()
    if "password" in reason or "encrypt" in reason:
        return PdfError("password-protected PDF: no text can be read without the password")
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    return PdfError(f"not a readable PDF ({type(cause).__name__}: {str(cause)[:80]})")


def _read_pages(path: Path, settings: LayoutSettings) -> list[_Page]:
    try:
        with contextlib.closing(pdf_chars.pages(path, settings.reader)) as source:
            # each page is closed when the next is read
            pages = [_read_page(page, number, settings) for number, page in enumerate(source)]
    except Exception as exc:  # pdfminer raises many types; each means the file cannot be read
        raise _unreadable(exc) from exc
    if not any(p.words for p in pages) and not any(p.tables for p in pages):
        raise PdfError("PDF without a text layer (a scanned document?): nothing to extract")
    return pages


def _page_regions(pages: list[_Page], settings: LayoutSettings) -> list[Band | Table]:
    """Every page's bands and tables, top to bottom, running headers and footers left out."""
    rows_by_page = [page_rows(page.words, settings) for page in pages]
    repeated = repeated_edges(rows_by_page, settings)
    found: list[Band | Table] = []
    for number, (page, rows) in enumerate(zip(pages, rows_by_page, strict=True)):
        body = [r for r in rows if edge_key(r, settings) not in repeated]
        for piece in regions(body, page.tables):
            if isinstance(piece, Table):
                found.append(piece)
            else:
                found += bands(piece, page.shapes, number)
    return found


def _reading_blocks(found: list[Band | Table], settings: LayoutSettings) -> list[Block | Table]:
    """Each band split at its gutters into blocks in reading order; tables as they are."""
    gutters_of = iter(layout_gutters([r.rows for r in found if isinstance(r, Band)], settings))
    blocks: list[Block | Table] = []
    for region in found:
        if isinstance(region, Table):
            blocks.append(region)
        else:
            blocks += band_blocks(region, next(gutters_of), settings)
    return blocks


def read(path: Path, settings: LayoutSettings = DEFAULT_SETTINGS) -> PdfText:
    """The text layer of a PDF in reading order. Raises PdfError with a one-line reason."""
    pages = _read_pages(path, settings)
    blocks = _reading_blocks(_page_regions(pages, settings), settings)
    return write_text(blocks, len(pages), settings)
