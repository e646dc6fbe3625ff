"""A PDF page's words: its glyphs (pdf_chars.py) as a reader sees them, grouped into words.

Visible glyphs. A producer prints glyphs that no reader sees: Chromium prints each unused soft
hyphen as a blank glyph mapped to a space, drawn on top of its neighbours. A blank glyph is a
word break only where its neighbours stand apart by at least `min_space_em` of the type size;
zero-width characters are dropped, and a soft hyphen at a line end is the hyphen it prints.

Unmapped glyphs. A glyph with no Unicode mapping inside a word (WeasyPrint leaves its ff and ffi
glyphs unmapped) is given the letters of the ligature that makes the word a word of English,
trying first the ligature as wide as the glyph; any other unmapped glyph reads U+FFFD.

Example: "the matic" printed with a blank glyph overlapping "e" and "m" at a soft hyphen reads
"thematic" (the blank has no room between its neighbours); "e?ective" with an unmapped glyph as
wide as two f reads "effective".

Words are pdfplumber's (`extract_words`, letters at most `word_x_tolerance` apart), each with
its font, type size, colour and whether the font is bold; text that is not upright is left out.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

from iscm_extract.reading.pdf_settings import LayoutSettings
from iscm_extract.reading.words import is_word

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
# pdfminer spells a glyph with no Unicode mapping "(cid:222)"
UNMAPPED = re.compile(r"\(cid:\d+\)")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_SOFT_HYPHEN = "\u00ad"
# The Latin ligatures of Unicode's Alphabetic Presentation Forms (U+FB00-U+FB04), as letters.
LIGATURES = ("ff", "fi", "fl", "ffi", "ffl")
_EDGE_PUNCTUATION = re.compile(r"^[^A-Za-z]+|[^A-Za-z]+$")
_MIN_SIZE = 0.1  # a type size or height floor: no division by zero, no empty line band


@dataclass(frozen=True)
class Word:
    """A word as pdfplumber groups it: its text, box (PDF points, top down), type size, whether its
    font is bold, the font's name without a subset tag, and its fill colour ("0.00,0.00,1.00")."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    font: str = ""
    colour: str = ""


def _same_line(a: dict[str, Any], b: dict[str, Any], settings: LayoutSettings) -> bool:
    return bool(abs(a["top"] - b["top"]) < settings.same_line_em * max(a["size"], b["size"], _MIN_SIZE))


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
        reach = settings.blank_neighbour_glyphs
        before = next((c for c in reversed(chars[max(0, i - reach) : i]) if not c["text"].isspace()), None)
        after = next((c for c in chars[i + 1 : i + 1 + reach] if not c["text"].isspace()), None)
        if (
            before is None
            or after is None
            or not _same_line(before, after, settings)
            or not _same_line(before, char, settings)
        ):
            continue  # a line end: a soft hyphen there is the hyphen printed
        room = after["x0"] - before["x1"]
        if text == _SOFT_HYPHEN or room < settings.min_space_em * char["size"]:
            invisible.add(i)
    return invisible


def _word_around(chars: list[dict[str, Any]], i: int, settings: LayoutSettings) -> tuple[str, str]:
    """The letters touching glyph i on its line, before and after it."""
    before, after = "", ""
    k = i
    while k > 0 and _same_line(chars[k - 1], chars[i], settings) and not chars[k - 1]["text"].isspace():
        if chars[k]["x0"] - chars[k - 1]["x1"] > settings.word_x_tolerance:
            break
        k -= 1
        before = chars[k]["text"] + before
    k = i
    while (
        k + 1 < len(chars)
        and _same_line(chars[k + 1], chars[i], settings)
        and not chars[k + 1]["text"].isspace()
    ):
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
    unmapped = [i for i, c in enumerate(chars) if not c["text"] or UNMAPPED.fullmatch(c["text"])]
    if not unmapped:
        return
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


def visible_page(page: Any, settings: LayoutSettings) -> Any:
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


def page_words(page: Any, settings: LayoutSettings) -> list[Word]:
    # x_tolerance 1: a space in small type is narrower than pdfplumber's default 3 pt.
    words = page.extract_words(
        extra_attrs=["fontname", "size", "non_stroking_color"],
        keep_blank_chars=False,
        use_text_flow=False,
        x_tolerance=settings.word_x_tolerance,
    )
    # U+FFFD marks a glyph with no Unicode mapping honestly.
    return [
        Word(
            UNMAPPED.sub("\ufffd", w["text"]).replace(_SOFT_HYPHEN, "-"),
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
