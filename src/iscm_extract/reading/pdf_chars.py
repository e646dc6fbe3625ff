"""Where a PDF's characters and shapes come from: pdfplumber (pdfminer) or pdfium (pypdfium2).

`pages(path, reader)` yields the document's pages one at a time, each a pdfplumber `Page`, and
closes each page once the next one is asked for, so that memory does not grow with the page
count. Whatever the reader, pdf.py gets the same things: pdfplumber's char dicts (text, box,
font name, size, fill colour, upright), its rect, line and curve dicts and the page's size, and
runs pdfplumber's word grouping, filters and table finder, then its own layout code, on them.

- "pdfplumber": pdfplumber's own pages (pdfminer parses the content streams in Python).
- "pdfium": pdfium parses the page (C++, through pypdfium2's raw API) and its characters and
  paths become the dicts pdfminer would give: a char's box runs from its origin along its
  advance, and from the font's descent (pdfminer's: the AFM's for the standard 14 fonts) to one
  type size above it, not pdfium's "loose" box; its size is the type size times the text
  matrix's scale; a path is split at each move and classed as pdfminer classes it (one segment
  a line, a closed axis-aligned four-sided one a rect, else a curve). Page rotation and MediaBox
  map points as in pdfplumber. The pdfium side is in pdfium_geometry.py (coordinates),
  pdfium_text.py (characters) and pdfium_shapes.py (paths).

Example: reportlab's `drawString(72, 700, "Migration")` in 12 pt Helvetica on A4 gives, in both
readers, a char "M" with x0 72, x1 81.996 (its advance, 0.833 em), bottom 144.374 (841.89 - 700
+ 0.207 em of descent), top 132.374, size 12, fontname "Helvetica", upright.

What pdfium does its own way, and is kept: it drops zero-width text objects (Chromium prints
each space, and each soft hyphen it did not use, as one: the gap between the words breaks them),
decodes glyphs through the font's own tables where pdfminer cannot (an arrow in a standard font
with no ToUnicode entry), spells a U+FB00-U+FB06 ligature as its letters (one char here, from
the glyph's origin to the next glyph's, or to its ink's edge at a word's end), marks a hyphen it
finds at a line end (read as "-"), and drops a glyph drawn twice at one place (fake bold). A
glyph neither can decode has an empty text here, as pdfminer's "(cid:N)" has in pdf.py.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pdfplumber
from pdfplumber.page import Page

from iscm_extract.reading.pdf_settings import PDF_READERS
from iscm_extract.reading.pdfium_geometry import Frame
from iscm_extract.reading.pdfium_shapes import page_shapes
from iscm_extract.reading.pdfium_text import PageChars


def pages(path: Path, reader: str) -> Generator[Page, None, None]:
    """The PDF's pages in order, each closed when the next is asked for (and the document when
    the iteration ends). Raises what the reader raises for a file it cannot open."""
    if reader not in PDF_READERS:
        raise ValueError(f"unknown PDF reader {reader!r}: one of {', '.join(PDF_READERS)}")
    if reader == "pdfplumber":
        with pdfplumber.open(path) as document:
            for page in document.pages:
                yield page
                page.close()  # pdfminer's layout and the object dicts go with it
        return
    yield from _pdfium_pages(path)


# --- pdfium -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageContent:
    """One page as pdfplumber's code reads it: its objects by kind and its geometry."""

    number: int  # from 1
    mediabox: tuple[float, float, float, float]  # pdfplumber's: top-down, after the rotation
    rotation: int
    initial_doctop: float  # heights of the pages before it (pdfplumber's "doctop")
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class PdfiumPage(Page):
    """A pdfplumber page whose objects pdfium read: pdfplumber's filter, word and table code
    run on it unchanged. There is no pdfminer page behind it (no `layout`, no `pdf`)."""

    def __init__(self, content: PageContent) -> None:  # no super().__init__: it needs pdfminer's page
        self.pdf = None  # type: ignore[assignment]
        self.root_page = self
        self.page_obj = None  # type: ignore[assignment]
        self.page_number = content.number
        self.initial_doctop = content.initial_doctop
        self.rotation = content.rotation
        self.mediabox = self.cropbox = self.bbox = content.mediabox
        self.get_textmap = lru_cache()(self._get_textmap)
        self._objects: dict[str, list[dict[str, Any]]] = content.objects


def _pdfium_pages(path: Path) -> Generator[Page, None, None]:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        doctop = 0.0
        for index in range(len(document)):
            content = _read_page(document, index, doctop)
            doctop += content.mediabox[3] - content.mediabox[1]
            yield PdfiumPage(content)
    finally:
        document.close()


def _read_page(document: Any, index: int, doctop: float) -> PageContent:
    """One page's chars and shapes; the pdfium page and text page are closed before returning."""
    page = document[index]
    textpage = None
    try:
        frame = Frame.of(page)
        textpage = page.get_textpage()
        chars = PageChars(textpage.raw, frame, index + 1, doctop).read()
        shapes = page_shapes(page.raw, frame, index + 1, doctop)
    finally:
        if textpage is not None:
            textpage.close()
        page.close()
    objects: dict[str, list[dict[str, Any]]] = {"char": chars} if chars else {}
    for shape in shapes:
        objects.setdefault(shape["object_type"], []).append(shape)
    return PageContent(index + 1, frame.mediabox, frame.rotation, doctop, objects)
