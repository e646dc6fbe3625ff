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
  map points as in pdfplumber.

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

import ctypes
import struct
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pdfplumber
from pdfplumber.page import Page

from iscm_extract.pdf_settings import PDF_READERS

Matrix = tuple[float, float, float, float, float, float]
Linear = tuple[float, float, float, float]
Point = tuple[float, float]

_GENERATED_CANDIDATES = frozenset((0x20, 0x0D, 0x0A))  # what pdfium inserts: spaces, line breaks
_HYPHEN_MARK = 0x02  # pdfium's code for a hyphen it found at a line end ...
_HYPHEN_TEXT = 0xFFFE  # ... and what its page text has there
_BOX_TOLERANCE = 1e-3  # a loose box this close to the font's height is one
_FONT_NAME_BYTES = 256
_TINY = 1e-9
_RECT = struct.Struct("4f")  # pdfium's FS_RECTF: left, top, right, bottom
_SOFT_HYPHEN = "\u00ad"


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
        frame = _Frame.of(page)
        textpage = page.get_textpage()
        chars = _Chars(textpage.raw, frame, index + 1, doctop).read()
        shapes = _shapes(page.raw, frame, index + 1, doctop)
    finally:
        if textpage is not None:
            textpage.close()
        page.close()
    objects: dict[str, list[dict[str, Any]]] = {"char": chars} if chars else {}
    for shape in shapes:
        objects.setdefault(shape["object_type"], []).append(shape)
    return PageContent(index + 1, frame.mediabox, frame.rotation, doctop, objects)


@dataclass(frozen=True)
class _Frame:
    """pdfplumber's page coordinates of a PDF user-space point: pdfminer's page matrix (rotation,
    MediaBox origin), then pdfplumber's flip (y down) and shift (its MediaBox)."""

    rotation: int
    matrix: Matrix  # pdfminer's page matrix
    mediabox: tuple[float, float, float, float]  # pdfplumber's
    height: float

    @staticmethod
    def of(page: Any) -> _Frame:
        box = page.get_mediabox(fallback_ok=False) or page.get_bbox()
        x0, x1 = sorted((float(box[0]), float(box[2])))
        y0, y1 = sorted((float(box[1]), float(box[3])))
        rotation = int(page.get_rotation()) % 360
        matrix: Matrix = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        raw = (y0, x0, y1, x1) if rotation in (90, 270) else (x0, y0, x1, y1)
        height = raw[3] - raw[1]
        mediabox = (raw[0], height - raw[3], raw[2], height - raw[1])
        return _Frame(rotation, matrix, mediabox, height)

    @property
    def shift(self) -> Point:
        """Unrotated pages: x plus the first, and the second less y, are pdfplumber's x and top."""
        return self.matrix[4] + self.mediabox[0], self.height - self.matrix[5] + self.mediabox[1]

    def point(self, x: float, y: float) -> Point:
        """(x, top) of a user-space point."""
        a, b, c, d, e, f = self.matrix
        return a * x + c * y + e + self.mediabox[0], self.height - (b * x + d * y + f) + self.mediabox[1]


def _box(corners: list[Point], frame: _Frame, number: int, doctop: float) -> dict[str, Any]:
    """pdfplumber's position keys of the box around user-space corners."""
    return _box_of_points([frame.point(x, y) for x, y in corners], frame, number, doctop)


def _box_of_points(points: list[Point], frame: _Frame, number: int, doctop: float) -> dict[str, Any]:
    """pdfplumber's position keys of the box around points in its coordinates (x, top)."""
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    top, bottom = min(p[1] for p in points), max(p[1] for p in points)
    return {
        "page_number": number,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "y0": frame.height - bottom,
        "y1": frame.height - top,
        "doctop": doctop + top,
        "width": x1 - x0,
        "height": bottom - top,
    }


# --- characters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Font:
    key: int  # the address of pdfium's font, while the page is open
    handle: Any  # pdfium's font
    name: str
    descent: float  # below the baseline, a share of the type size (negative), as pdfminer reads it


@dataclass(slots=True)
class _Style:
    """What a text object gives all its characters."""

    font: _Font
    size: float  # the type size (Tf)
    linear: Linear  # the text matrix's (times the CTM): text to user space
    upright: bool
    colour: tuple[float, ...]
    height: float  # of every glyph's box, when the text is not slanted (else 0: each its own)
    # Plain text (see _plain): a char whose loose box is `loose_height` high has its top and
    # bottom at these less the box's bottom, its x0 and x1 at the box's sides plus `shift_x`.
    plain: bool
    loose_height: float
    top_above: float = 0.0
    bottom_above: float = 0.0
    shift_x: float = 0.0


def _make_style(font: _Font, size: float, linear: Linear, colour: tuple[float, ...], frame: _Frame) -> _Style:
    a, b, c, d, _, _ = _compose((*linear, 0.0, 0.0), frame.matrix)  # as pdfminer sees it: page rotated
    upright = a * d > 0 and b * c <= 0
    height = abs(d) * size if abs(b) < _TINY else 0.0
    return _Style(font, size, linear, upright, colour, height, False, 0.0)


def _plain(style: _Style, frame: _Frame, loose: tuple[float, float], origin_y: float) -> None:
    """Make `style` plain when its text is neither slanted, rotated nor mirrored on an unrotated
    page: its characters' loose boxes (one seen: its `loose` top and bottom, with its origin's y)
    then all have one height and the origin at the left edge, one distance above the bottom."""
    a, b, c, d = style.linear
    if not (b == c == 0 and a > 0 and d > 0 and frame.rotation == 0):
        return
    top, bottom = loose
    shift_x, shift_top = frame.shift
    low = d * style.font.descent * style.size  # pdfminer's box: its descent to one type size above
    style.plain, style.loose_height, style.shift_x = True, top - bottom, shift_x
    style.top_above = shift_top - (origin_y - bottom) - (low + d * style.size)
    style.bottom_above = shift_top - (origin_y - bottom) - low


def _font(key: int, handle: Any) -> _Font:
    """A font's name (with its subset tag, as pdfminer gives it) and its descent: the standard 14
    fonts' from their AFM metrics (pdfminer reads those, not the descriptor), others' from pdfium
    (the descriptor's Descent)."""
    import pypdfium2.raw as pdfium_c
    from pdfminer.fontmetrics import FONT_METRICS

    buffer = ctypes.create_string_buffer(_FONT_NAME_BYTES)
    length = pdfium_c.FPDFFont_GetBaseFontName(handle, buffer, _FONT_NAME_BYTES)
    name = buffer.value.decode("utf-8", "replace") if 0 < length <= _FONT_NAME_BYTES else "unknown"
    metrics = FONT_METRICS.get(name)
    if metrics is not None:
        descent = metrics[0].get("Descent", 0)
        below = float(descent) if isinstance(descent, int | float) else 0.0
    else:
        descent = ctypes.c_float()
        below = descent.value if pdfium_c.FPDFFont_GetDescent(handle, ctypes.c_float(1000), descent) else 0.0
    return _Font(key, handle, name, -abs(below) / 1000)


class _Chars:
    """A text page's characters as pdfplumber's char dicts. Three calls into pdfium per character
    (its text object, its loose box, and for a space whether pdfium made it up), one call for the
    page's text, a few per text object and one origin per style: the calls are most of the time
    this takes (about 5 us a character, against pdfminer's 80 or so)."""

    def __init__(self, textpage: Any, frame: _Frame, number: int, doctop: float) -> None:
        import pypdfium2.raw as pdfium_c

        self.c = pdfium_c
        self.textpage = textpage
        self.frame = frame
        self.number = number
        self.doctop = doctop
        self.fonts: dict[int, _Font] = {}
        self.styles: dict[int, _Style] = {}  # by text object
        self.distinct: dict[tuple[Any, ...], _Style] = {}  # by font, matrix, size and colour
        self.texts: dict[tuple[int, int], str] = {}  # by font and code: the character's text
        self.box = pdfium_c.FS_RECTF()
        self.matrix = pdfium_c.FS_MATRIX()
        self.rgba = tuple(ctypes.c_uint() for _ in range(4))

    def read(self) -> list[dict[str, Any]]:
        """The page's characters, in pdfium's order (content order, a line's text objects sorted
        left to right). Two letters at one glyph's place are that glyph's (a ligature)."""
        c, textpage, box, styles, texts = self.c, self.textpage, self.box, self.styles, self.texts
        object_of, box_of, address, unpack = (
            c.FPDFText_GetTextObject,
            c.FPDFText_GetLooseCharBox,
            ctypes.addressof,
            _RECT.unpack_from,
        )
        chars: list[dict[str, Any]] = []
        ligatures: list[int] = []  # chars made of the letters pdfium split a ligature glyph into
        last: tuple[int, float, float] = (0, 0.0, 0.0)
        for index, code in enumerate(self._codes()):
            if code in _GENERATED_CANDIDATES and c.FPDFText_IsGenerated(textpage, index) == 1:
                continue  # pdfium's own spaces and line breaks: pdfplumber finds words itself
            handle = object_of(textpage, index)
            if not handle:
                continue
            key = address(handle.contents)
            box_of(textpage, index, box)
            left, top, right, bottom = unpack(box)
            style = styles.get(key) or self._style(index, handle, key)
            text = texts.get((style.font.key, code))
            if text is None:
                text = self._text(code, index, style)
            if style.plain and abs(top - bottom - style.loose_height) < _BOX_TOLERANCE:
                place = (key, left, bottom)
                if chars and place == last:  # two letters for one glyph (its ToUnicode entry)
                    chars[-1]["text"] += text
                else:
                    chars.append(self._plain_char(text, style, (left, right, bottom)))
            else:  # slanted, rotated or mirrored; or a letter of a ligature pdfium split, whose
                # box is its share of the glyph's: placed from the origin pdfium gives
                x, y = self._origin(index)
                place = (key, x, y)
                if chars and place == last:  # pdfium spells Chromium's "ff" as "f", U+00AD, "f"
                    text = chars.pop()["text"] + text.replace(_SOFT_HYPHEN, "")
                    ligatures.append(len(chars))
                chars.append(self._char(text, style, x, y))
            last = place
        _end_ligatures(chars, ligatures)
        return chars

    def _plain_char(self, text: str, style: _Style, loose: tuple[float, float, float]) -> dict[str, Any]:
        """A character of plain text (nearly all text): by hand from its loose box's left, right
        and bottom, whose left is the origin and whose bottom is a style's constant below it."""
        left, right, bottom = loose
        top, below = style.top_above - bottom, style.bottom_above - bottom
        return {
            "object_type": "char",
            "page_number": self.number,
            "text": text,
            "fontname": style.font.name,
            "size": style.height,
            "upright": style.upright,
            "non_stroking_color": style.colour,
            "x0": left + style.shift_x,
            "x1": right + style.shift_x,
            "top": top,
            "bottom": below,
            "doctop": self.doctop + top,
            "width": right - left,
            "height": below - top,
        }

    def _codes(self) -> list[int]:
        """Each character's code, from the page's text in one call; one call per character where
        the text does not line up with the characters (a character pdfium leaves out of it, or one
        beyond U+FFFF, which the text spells with two UTF-16 units)."""
        c, textpage = self.c, self.textpage
        count = c.FPDFText_CountChars(textpage)
        buffer = (ctypes.c_ushort * (count + 1))()
        written = c.FPDFText_GetText(textpage, 0, count, buffer) if count else 0
        codes = list(buffer[: max(written - 1, 0)])
        if len(codes) == count and not any(0xD800 <= code <= 0xDFFF for code in codes):
            return codes
        return [c.FPDFText_GetUnicode(textpage, index) for index in range(count)]

    def _origin(self, index: int) -> Point:
        x, y = ctypes.c_double(), ctypes.c_double()
        self.c.FPDFText_GetCharOrigin(self.textpage, index, x, y)
        return x.value, y.value

    def _text(self, code: int, index: int, style: _Style) -> str:
        """The character's text: "" where its font has no Unicode for it (pdf.py then spells a
        ligature or marks it U+FFFD), "-" for a hyphen pdfium marked at a line end. Kept per font
        and code for the page (a property of the font's code), but for those hyphens."""
        c = self.c
        if code in (_HYPHEN_MARK, _HYPHEN_TEXT) and c.FPDFText_IsHyphen(self.textpage, index) == 1:
            return "-"
        unmapped = c.FPDFText_HasUnicodeMapError(self.textpage, index) == 1
        text = "" if unmapped or not 0 < code < 0x110000 else chr(code)
        if code not in (_HYPHEN_MARK, _HYPHEN_TEXT):
            self.texts[style.font.key, code] = text
        return text

    def _style(self, index: int, handle: Any, key: int) -> _Style:
        """The style of the text object `handle` (at character `index`): one per distinct font,
        matrix, size and colour on the page, however many objects share it."""
        c, textpage, matrix, rgba = self.c, self.textpage, self.matrix, self.rgba
        font_handle = c.FPDFTextObj_GetFont(handle)
        font_key = ctypes.addressof(font_handle.contents) if font_handle else 0
        c.FPDFText_GetMatrix(textpage, index, matrix)
        c.FPDFText_GetFillColor(textpage, index, *rgba)
        size = float(c.FPDFText_GetFontSize(textpage, index))
        linear = (matrix.a, matrix.b, matrix.c, matrix.d)
        seen = (font_key, linear, size, rgba[0].value, rgba[1].value, rgba[2].value)
        style = self.distinct.get(seen)
        if style is None:
            font = self.fonts.get(font_key) or self.fonts.setdefault(font_key, _font(font_key, font_handle))
            colour = tuple(round(v.value / 255, 4) for v in rgba[:3])
            style = self.distinct[seen] = _make_style(font, size, linear, colour, self.frame)
            _plain(style, self.frame, (self.box.top, self.box.bottom), self._origin(index)[1])
        self.styles[key] = style
        return style

    def _char(self, text: str, style: _Style, x: float, y: float) -> dict[str, Any]:
        """pdfminer's box: from the origin along the advance, from the descent up one type size."""
        a, b, c, d = style.linear
        low = style.font.descent * style.size
        high = low + style.size
        advance = self._advance(text, style, x)
        corners = [(x + a * u + c * v, y + b * u + d * v) for u in (0.0, advance) for v in (low, high)]
        char = _box(corners, self.frame, self.number, self.doctop)
        char.update(
            object_type="char",
            text=text,
            fontname=style.font.name,
            size=style.height or char["height"],  # pdfminer's size of a horizontal glyph
            upright=style.upright,
            non_stroking_color=style.colour,
        )
        return char

    def _advance(self, text: str, style: _Style, x: float) -> float:
        """The glyph's advance in text space, from its loose box, which runs from the origin to
        the advance times the matrix's `a` (for a ligature pdfium split into letters, the last
        letter's share of the glyph's ink box ends it: see _end_ligatures); for text turned a
        quarter (`a` is 0), the font's width of the character."""
        a = style.linear[0]
        if abs(a) > _TINY:
            return float(self.box.right - x) / a
        width = ctypes.c_float()
        found = len(text) == 1 and self.c.FPDFFont_GetGlyphWidth(
            style.font.handle, ord(text), ctypes.c_float(style.size), width
        )
        return float(width.value) if found else 0.0


def _end_ligatures(chars: list[dict[str, Any]], ligatures: list[int]) -> None:
    """End a split ligature's box where the next glyph on its line starts, if that is inside it:
    its letters' boxes cover the glyph's ink, which can reach past its advance (DejaVu Serif's
    "ff" by 0.7 pt at 11 pt), while pdfminer's box ends at the advance. A ligature that ends a
    word keeps the ink's edge."""
    for at in ligatures:
        char = chars[at]
        after = chars[at + 1] if at + 1 < len(chars) else None
        on_its_line = after is not None and abs(after["bottom"] - char["bottom"]) < _BOX_TOLERANCE
        if after is not None and on_its_line and char["x0"] < after["x0"] < char["x1"]:
            char["x1"], char["width"] = after["x0"], after["x0"] - char["x0"]


# --- shapes --------------------------------------------------------------------------------------


def _compose(first: Matrix, then: Matrix) -> Matrix:
    """The matrix that applies `first`, then `then` (row vectors, as PDF matrices compose)."""
    a, b, c, d, e, f = first
    pa, pb, pc, pd, pe, pf = then
    return (
        a * pa + b * pc,
        a * pb + b * pd,
        c * pa + d * pc,
        c * pb + d * pd,
        e * pa + f * pc + pe,
        e * pb + f * pd + pf,
    )


def _matrix(c: Any, handle: Any) -> Matrix:
    value = c.FS_MATRIX()
    c.FPDFPageObj_GetMatrix(handle, value)
    return (value.a, value.b, value.c, value.d, value.e, value.f)


def _paths(c: Any, parent: Any, in_form: bool, outer: Matrix) -> Iterator[tuple[Any, Matrix]]:
    """The page's path objects, those inside forms (XObjects) too, each with its matrix to user
    space."""
    count, get = (
        (c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject)
        if in_form
        else (c.FPDFPage_CountObjects, c.FPDFPage_GetObject)
    )
    for index in range(count(parent)):
        handle = get(parent, index)
        kind = c.FPDFPageObj_GetType(handle)
        if kind == c.FPDF_PAGEOBJ_PATH:
            yield handle, _compose(_matrix(c, handle), outer)
        elif kind == c.FPDF_PAGEOBJ_FORM:
            yield from _paths(c, handle, True, _compose(_matrix(c, handle), outer))


def _subpaths(c: Any, handle: Any, matrix: Matrix, frame: _Frame) -> list[list[tuple[str, Point]]]:
    """A path's subpaths as pdfminer's operators with their end points ("m", "l", "c", "h"; a
    curve's control points left out, as pdfminer leaves them), in pdfplumber's coordinates."""
    subpaths: list[list[tuple[str, Point]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    bezier = 0
    for index in range(c.FPDFPath_CountSegments(handle)):
        segment = c.FPDFPath_GetPathSegment(handle, index)
        c.FPDFPathSegment_GetPoint(segment, x, y)
        a, b, cc, d, e, f = matrix
        point = frame.point(a * x.value + cc * y.value + e, b * x.value + d * y.value + f)
        kind = c.FPDFPathSegment_GetType(segment)
        if kind == c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([("m", point)])
        elif kind == c.FPDF_SEGMENT_BEZIERTO:
            bezier = (bezier + 1) % 3
            if bezier:
                continue  # a control point
            subpaths[-1].append(("c", point))
        else:
            subpaths[-1].append(("l", point))
        if c.FPDFPathSegment_GetClose(segment):
            subpaths[-1].append(("h", subpaths[-1][0][1]))
    return subpaths


def _classify(ops: list[tuple[str, Point]]) -> tuple[str, list[Point]] | None:
    """pdfminer's class of one subpath (its `paint_path`): a single segment is a line, a closed
    axis-aligned four-sided one a rect, anything else a curve."""
    shape = "".join(op for op, _ in ops)
    points = [point for _, point in ops]
    if len(shape) > 3 and shape[-2:] == "lh" and points[-2] == points[0]:
        shape = shape[:-2] + "h"  # a redundant line back to the start
        points.pop()
    if shape in ("ml", "mlh"):
        return "line", points[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = points
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if last == points[0] and square:
            return "rect", [(x0, y0), (x2, y0), (x2, y2), (x0, y2)]
    return ("curve", points) if len(points) > 1 else None


def _colour(c: Any, getter: Any, handle: Any) -> tuple[float, ...]:
    channels = [ctypes.c_uint() for _ in range(4)]
    getter(handle, *channels)
    return tuple(round(v.value / 255, 4) for v in channels[:3])


def _shapes(page: Any, frame: _Frame, number: int, doctop: float) -> list[dict[str, Any]]:
    """The page's painted paths as pdfplumber's rect, line and curve dicts (a clipping path, which
    paints nothing, is none)."""
    import pypdfium2.raw as c

    shapes: list[dict[str, Any]] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    width = ctypes.c_float()
    for handle, matrix in _paths(c, page, False, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)):
        c.FPDFPath_GetDrawMode(handle, fill_mode, stroke)
        if not fill_mode.value and not stroke.value:
            continue
        c.FPDFPageObj_GetStrokeWidth(handle, width)
        paint = {
            "fill": bool(fill_mode.value),
            "stroke": bool(stroke.value),
            "evenodd": fill_mode.value == c.FPDF_FILLMODE_ALTERNATE,
            "linewidth": width.value,
            "non_stroking_color": _colour(c, c.FPDFPageObj_GetFillColor, handle),
            "stroking_color": _colour(c, c.FPDFPageObj_GetStrokeColor, handle),
        }
        for ops in _subpaths(c, handle, matrix, frame):
            found = _classify(ops)
            if found is None:
                continue
            kind, points = found
            shape = _box_of_points(points, frame, number, doctop)
            shape.update(paint, object_type=kind, pts=points)
            shapes.append(shape)
    return shapes
