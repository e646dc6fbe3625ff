"""A pdfium text page's characters as pdfplumber's char dicts (`PageChars(...).read()`).

A char's box runs from its origin along its advance, and from the font's descent (pdfminer's:
the AFM's for the standard 14 fonts) to one type size above it, not pdfium's "loose" box; its
size is the type size times the text matrix's scale. Nearly all text is plain (neither slanted,
rotated nor mirrored, on an unrotated page): its boxes are found by hand from pdfium's loose
box and a constant per style, which is most of the reader's speed.

Example: reportlab's `drawString(72, 700, "Migration")` in 12 pt Helvetica on A4 gives a char
"M" with x0 72, x1 81.996 (its advance, 0.833 em), bottom 144.374 (841.89 - 700 + 0.207 em of
descent), top 132.374, size 12, fontname "Helvetica", upright.

What pdfium does its own way, and is kept: it drops zero-width text objects, decodes glyphs
through the font's own tables where pdfminer cannot, spells a ligature as its letters (one char
here), marks a hyphen it finds at a line end (read as "-"), and drops a glyph drawn twice at one
place (fake bold). A glyph it cannot decode has an empty text.
"""

from __future__ import annotations

import ctypes
import dataclasses
import struct
from dataclasses import dataclass
from typing import Any

from iscm_extract.reading.pdfium_geometry import Frame, Linear, Point, box_of_corners, compose

_GENERATED_CANDIDATES = frozenset((0x20, 0x0D, 0x0A))  # what pdfium inserts: spaces, line breaks
_HYPHEN_MARK = 0x02  # pdfium's code for a hyphen it found at a line end ...
_HYPHEN_TEXT = 0xFFFE  # ... and what its page text has there
_BOX_TOLERANCE = 1e-3  # a loose box this close to the font's height is one
_FONT_NAME_BYTES = 256
_TINY = 1e-9
_RECT = struct.Struct("4f")  # pdfium's FS_RECTF: left, top, right, bottom
_SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class _Font:
    key: int  # the address of pdfium's font, while the page is open
    handle: Any  # pdfium's font
    name: str
    descent: float  # below the baseline, a share of the type size (negative), as pdfminer reads it


@dataclass(frozen=True, slots=True)
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


def _make_style(font: _Font, size: float, linear: Linear, colour: tuple[float, ...], frame: Frame) -> _Style:
    a, b, c, d, _, _ = compose((*linear, 0.0, 0.0), frame.matrix)  # as pdfminer sees it: page rotated
    upright = a * d > 0 and b * c <= 0
    height = abs(d) * size if abs(b) < _TINY else 0.0
    return _Style(font, size, linear, upright, colour, height, False, 0.0)


def _plain(style: _Style, frame: Frame, loose: tuple[float, float], origin_y: float) -> _Style:
    """`style` made plain when its text is neither slanted, rotated nor mirrored on an unrotated
    page: its characters' loose boxes (one seen: its `loose` top and bottom, with its origin's y)
    then all have one height and the origin at the left edge, one distance above the bottom."""
    a, b, c, d = style.linear
    if not (b == c == 0 and a > 0 and d > 0 and frame.rotation == 0):
        return style
    top, bottom = loose
    shift_x, shift_top = frame.shift
    low = d * style.font.descent * style.size  # pdfminer's box: its descent to one type size above
    return dataclasses.replace(
        style,
        plain=True,
        loose_height=top - bottom,
        shift_x=shift_x,
        top_above=shift_top - (origin_y - bottom) - (low + d * style.size),
        bottom_above=shift_top - (origin_y - bottom) - low,
    )


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


class PageChars:
    """A text page's characters as pdfplumber's char dicts. Three calls into pdfium per character
    (its text object, its loose box, and for a space whether pdfium made it up), one call for the
    page's text, a few per text object and one origin per style: the calls are most of the time
    this takes (about 5 us a character, against pdfminer's 80 or so)."""

    def __init__(self, textpage: Any, frame: Frame, number: int, doctop: float) -> None:
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
            style = _make_style(font, size, linear, colour, self.frame)
            loose = (self.box.top, self.box.bottom)  # the loose box of character `index`
            style = self.distinct[seen] = _plain(style, self.frame, loose, self._origin(index)[1])
        self.styles[key] = style
        return style

    def _char(self, text: str, style: _Style, x: float, y: float) -> dict[str, Any]:
        """pdfminer's box: from the origin along the advance, from the descent up one type size."""
        a, b, c, d = style.linear
        low = style.font.descent * style.size
        high = low + style.size
        advance = self._advance(text, style, x)
        corners = [(x + a * u + c * v, y + b * u + d * v) for u in (0.0, advance) for v in (low, high)]
        char = box_of_corners(corners, self.frame, self.number, self.doctop)
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
