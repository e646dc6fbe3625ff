"""Stage 1: read an input file into a `Document` (the only stage that reads files).

Text input is cleaned in passes. Each pass rewrites a `MappedText`, which carries for every
character its offset in the raw input and whether it was bold, so that every later offset can be
traced back to the source and bold survives as a signal:

  markdown artefacts -> unicode -> layout (letter-spacing, spaces) -> hyphenation
    -> dropped ligatures -> run-together paragraphs -> split headings

Memory is linear with a small constant: the text is a str, the offsets an array of 32-bit
integers and the bold flags a bytearray (about 6 bytes a character, against some 230 bytes for
lists of Python objects). A pass copies the stretches between its matches as slices, never
character by character, and remembers them as (old start, old end, new start) segments, which
is how a link found by an earlier pass finds its new place. For example, removing the `**` of
"a **b** c" copies "a ", "b" and " c": three slices, three segments.

Decoding: a byte-order mark decides UTF-8, UTF-16 or UTF-32; otherwise UTF-8, else Latin-1 with
a warning; a NUL byte anywhere (outside a UTF-16/32 text) means binary. Invisible formatting
characters (Unicode category Cf: zero-width joiners, word joiners, bidi marks and overrides, soft
hyphens) are removed by the unicode pass, the offsets of the other characters kept.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import difflib
import hashlib
import itertools
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from iscm_extract.model import Document, InputFormat, Link, Span
from iscm_extract.text import ENUMERATION, FUNCTION_WORDS


class IngestError(Exception):
    """The input cannot be read as a document; the message says why, in one line."""


# --- a text that remembers where each character came from ------------------------------------


@dataclass
class MappedText:
    text: str
    source: array[int]  # offset in the raw input of each character (32-bit)
    bold: bytearray  # 1 where the character was bold
    links: list[Link] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.source, array):
            self.source = array("I", self.source)
        if not isinstance(self.bold, bytearray):
            self.bold = bytearray(self.bold)

    @classmethod
    def from_raw(cls, raw: str) -> MappedText:
        offsets = array("I", [0]) * len(raw)
        target = memoryview(offsets).cast("B")
        step = 1 << 20  # filled a million at a time: no second full-size copy
        for start in range(0, len(raw), step):
            end = min(start + step, len(raw))
            target[start * 4 : end * 4] = np.arange(start, end, dtype=np.uint32).tobytes()
        return cls(raw, offsets, bytearray(len(raw)))

    def rewrite(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], list[Piece]]
    ) -> MappedText:
        """Replace each match by pieces; kept pieces keep their source offsets and flags."""
        out = _Builder(self)
        position = 0
        for match in pattern.finditer(self.text):
            out.copy(self, position, match.start())
            for piece in replace(match):
                if piece.insert is not None:
                    out.insert(piece.insert, self.source[piece.start] if self.source else 0, piece.bold)
                else:
                    out.copy(self, piece.start, piece.end, force_bold=piece.bold, link=piece.link)
            position = match.end()
        if position == 0 and out.length == 0:
            return self  # no match: nothing to rewrite
        out.copy(self, position, len(self.text))
        links = [*out.links, *(self._remap_link(link, out) for link in self.links)]
        return out.build([lk for lk in links if lk is not None])

    def _remap_link(self, link: Link, out: _Builder) -> Link | None:
        # Links are stored in output coordinates of the pass that found them; later passes move them.
        start = out.new_position(link.start)
        end = out.new_position(link.end - 1)
        return Link(start, end + 1, link.url) if start is not None and end is not None else None


@dataclass
class Piece:
    """Part of a replacement: text kept from the match (start, end) or text inserted."""

    start: int
    end: int = 0
    insert: str | None = None
    bold: bool = False
    link: str | None = None


class _Builder:
    """The output of one pass, recorded as copies of stretches of the input and inserted strings,
    and built at the end into arrays allocated once at their final size (growing a large array
    piece by piece would copy it on every reallocation)."""

    def __init__(self, text: MappedText) -> None:
        self.input = text
        self.links: list[Link] = []
        self.length = 0
        # (old start, old end, new start) of each copied stretch, in three compact arrays
        self._old_starts: array[int] = array("q")
        self._old_ends: array[int] = array("q")
        self._new_starts: array[int] = array("q")
        self._flags: bytearray = bytearray()  # per copy: 1 when forced bold
        self._inserts: list[tuple[int, str, int, bool]] = []  # new start, string, source, bold
        self._order: list[int] | None = None

    def copy(
        self, text: MappedText, start: int, end: int, force_bold: bool = False, link: str | None = None
    ) -> None:
        if end <= start:
            return
        begin = self.length
        n = len(self._old_starts)
        if (
            n
            and not force_bold
            and not self._flags[-1]
            and self._old_ends[-1] == start
            and self._new_starts[-1] + (start - self._old_starts[-1]) == begin
        ):
            # Adjacent plain copies (the text between matches and a match kept as it is) are
            # one stretch, so a pass that changes little records little.
            self._old_ends[-1] = end
        else:
            self._old_starts.append(start)
            self._old_ends.append(end)
            self._new_starts.append(begin)
            self._flags.append(1 if force_bold else 0)
        self.length += end - start
        if link:
            self.links.append(Link(begin, self.length, link))

    def insert(self, string: str, source: int, bold: bool) -> None:
        if string:
            self._inserts.append((self.length, string, source, bold))
            self.length += len(string)

    def build(self, links: list[Link]) -> MappedText:
        old = self.input
        source = array("I", [0]) * self.length
        bold = bytearray(self.length)
        target, origin = memoryview(source).cast("B"), memoryview(old.source).cast("B")
        size = source.itemsize
        parts: list[tuple[int, str]] = []
        for k in range(len(self._old_starts)):
            start, end, new = self._old_starts[k], self._old_ends[k], self._new_starts[k]
            target[new * size : (new + end - start) * size] = origin[start * size : end * size]
            bold[new : new + end - start] = b"\x01" * (end - start) if self._flags[k] else old.bold[start:end]
            parts.append((new, old.text[start:end]))
        for new, string, offset, flag in self._inserts:
            source[new : new + len(string)] = array("I", [offset]) * len(string)
            if flag:
                bold[new : new + len(string)] = b"\x01" * len(string)
            parts.append((new, string))
        parts.sort(key=lambda part: part[0])
        text = "".join(part for _, part in parts)
        del parts
        return MappedText(text, source, bold, links)

    def new_position(self, old: int) -> int | None:
        """Where the character at `old` of the input went, or None when the pass dropped it."""
        if self._order is None:
            self._order = sorted(range(len(self._old_starts)), key=self._old_starts.__getitem__)
        order = self._order
        i = bisect.bisect_right(order, old, key=self._old_starts.__getitem__) - 1
        if i < 0:
            return None
        segment = order[i]
        start, end = self._old_starts[segment], self._old_ends[segment]
        return self._new_starts[segment] + old - start if old < end else None


# --- pass 1: markdown and HTML artefacts of the converter -------------------------------------

_MARKDOWN = re.compile(
    r"\*\*(?P<bold>[^*]+?)\*\*"  # **bold**
    r"|(?<![*\w])\*(?P<italic>[^*\n]+?)\*(?![*\w])"  # *italic*
    r"|\[(?P<label>(?:\\.|[^\]\\])*)\]\((?P<href>[^)\s]*)\)"  # [text](url) and [text](#)
    r"|<(?P<url>(?:https?://|www\.)[^>\s]+)>"  # <url>
    r"|<(?P<block>/?(?:p|ul|ol|li|br|div|tr|td)\b)[^>]*>"  # block-level HTML tags
    r"|</?(?:i|b|em|strong|span|u)\b[^>]*>"  # inline HTML tags
    r"|\\(?P<escaped>[()\[\]*_#.\-])"  # markdown escapes
)


def _strip_markdown(match: re.Match[str]) -> list[Piece]:
    for group in ("bold", "italic", "escaped"):
        if match[group] is not None:
            return [Piece(match.start(group), match.end(group), bold=group == "bold")]
    if match["label"] is not None:
        href = match["href"]
        link = href if href and href != "#" else None
        # Escapes inside the label ("\(IMRF\)") are dropped by the escape rule on a second pass.
        return [Piece(match.start("label"), match.end("label"), link=link)]
    if match["url"] is not None:
        return [Piece(match.start("url"), match.end("url"), link=match["url"])]
    if match["block"] is not None:
        return [Piece(match.start(), insert="\n")]
    return []


_ESCAPE = re.compile(r"\\([()\[\]*_#.\-])")


# --- pass 2: unicode ----------------------------------------------------------------------------

_CHAR_MAP = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\t": "\t",
    "\u00ad": "",
    "\u200b": "",
    "\ufeff": "",
    "\u2026": "...",
}
_UNICODE = re.compile(r"[^\x00-\x7f]")


def _normalise_char(match: re.Match[str]) -> list[Piece]:
    char = match[0]
    if char in _CHAR_MAP:
        return [Piece(match.start(), insert=_CHAR_MAP[char])] if _CHAR_MAP[char] else []
    if unicodedata.category(char) == "Cf":
        return []  # invisible formatting: zero-width (non-)joiners, word joiner, bidi marks and overrides
    # Footnote markers (superscripts) stay as they are: NFKC would glue them to words as digits.
    if unicodedata.decomposition(char).startswith(("<super>", "<sub>")):
        return [Piece(match.start(), match.end())]
    folded = unicodedata.normalize("NFKC", char)
    if folded == char:
        return [Piece(match.start(), match.end())]
    return [Piece(match.start(), insert=folded)]


# --- pass 3: layout: letter-spaced headings, runs of spaces, blank lines ------------------------

_LINE = re.compile(r"^.+$", re.M)
# Single characters separated by single spaces, words separated by two or more.
_LETTER_SPACED = re.compile(r"\S(?: \S)+(?: {2,}\S(?: \S)*)*")


def _collapse_letter_spacing(match: re.Match[str]) -> list[Piece]:
    """'G L O B A L  I N I T I A T I V E S' -> 'GLOBAL INITIATIVES'."""
    line, base = match[0], match.start()
    stripped = line.strip()
    if len(stripped) < 11 or not _LETTER_SPACED.fullmatch(stripped):
        return [Piece(base, match.end())]
    if "  " not in stripped and _SPACED_RUN.fullmatch(stripped):
        return [Piece(base, match.end())]  # no word gaps to keep: `_respace_runs` finds the words
    offset = base + line.index(stripped)
    pieces: list[Piece] = []
    for run in re.finditer(r"\S| {2,}", stripped):
        if run[0].startswith(" "):
            pieces.append(Piece(offset + run.start(), insert=" "))
        else:
            pieces.append(Piece(offset + run.start(), offset + run.end()))
    return pieces


# A letter-spaced heading whose word gaps were lost (the whole issue run into one line with
# single spaces, or a text re-wrapped): ten or more single capitals, digits or hyphens in a row,
# and the lines after it that hold nothing else (the heading wrapped: "F O R\nI S C M S").
_SPACED_CHAR = r"[A-Z0-9&-]"
_SPACED_RUN = re.compile(
    rf"(?<!\S)(?:{_SPACED_CHAR} ){{9,}}{_SPACED_CHAR}"
    rf"(?:\n(?:{_SPACED_CHAR} )*{_SPACED_CHAR}(?=[ \t]*(?:\n|$)))*(?!\S)"
)
# Word costs for re-spacing such a run (wordfreq's Zipf scale is log10 of uses per 10^9 words):
# a word's cost is its log-probability less a charge per word, so "AREAS" is one word, not
# "ARE AS"; a word the document uses twice or more ("ISCMs") counts as a common word.
_WORD_CHARGE = 3.0
_DOCUMENT_WORD_ZIPF = 5.0
_UNKNOWN_LETTER_COST = 4.0


def respace(letters: str, document_words: Counter[str] | None = None) -> list[str]:
    """The words of a run of letters with its spaces lost, by the likeliest split (dynamic
    programming over word frequencies, as word-segmentation tools do).

    >>> respace("GLOBALINITIATIVESANDTHEMATICAREAS")
    ['GLOBAL', 'INITIATIVES', 'AND', 'THEMATIC', 'AREAS']
    """
    zipf = _word_frequency()
    known = document_words or Counter()
    lower = letters.lower()
    best: list[tuple[float, int]] = [(0.0, 0)]  # (score of the best split of lower[:i], last cut)
    for end in range(1, len(lower) + 1):
        options = []
        for start in range(max(0, end - 20), end):
            word = lower[start:end]
            frequency = max(zipf(word, "en"), _DOCUMENT_WORD_ZIPF if known[word] >= 2 else 0.0)
            cost = frequency - 9 if frequency > 0 else -9 - _UNKNOWN_LETTER_COST * len(word)
            options.append((best[start][0] + cost - _WORD_CHARGE, start))
        best.append(max(options))
    words, end = [], len(lower)
    while end > 0:
        start = best[end][1]
        words.append(letters[start:end])
        end = start
    return words[::-1]


def _respace_runs(text: MappedText) -> MappedText:
    """'G L O B A L I N I T I A T I V E S A High-level ...' -> 'GLOBAL INITIATIVES A High-level':
    the letters of a spaced run joined, words found by `respace`; a last "A" or "I" before a
    capitalised word is the next sentence's first word."""
    if not _SPACED_RUN.search(text.text):
        return text
    vocabulary = Counter(m[0].lower() for m in re.finditer(r"[A-Za-z]{2,}", text.text))

    def replace(match: re.Match[str]) -> list[Piece]:
        end = match.end()
        if match[0][-1] in "AI" and re.match(r" [A-Z][a-z]", text.text[end : end + 3]):
            end -= 2  # "... F O R I S C M S A High-level": the "A" opens the sentence
        run = text.text[match.start() : end]
        chars = [(match.start() + i, c) for i, c in enumerate(run) if c not in " \n"]
        groups = [list(g) for _, g in itertools.groupby(chars, key=lambda oc: oc[1].isalpha() or oc[1])]
        pieces: list[Piece] = []
        previous = ""
        for group in groups:
            letters = "".join(c for _, c in group)
            words = respace(letters, vocabulary) if letters.isalpha() else [letters]
            at = 0
            for word in words:
                if pieces and "-" not in (previous, word):
                    pieces.append(Piece(group[at][0], insert=" "))
                pieces.extend(Piece(offset, offset + 1) for offset, _ in group[at : at + len(word)])
                at += len(word)
                previous = word
        if end < match.end():
            pieces.append(Piece(end, match.end()))
        return pieces

    return text.rewrite(_SPACED_RUN, replace)


# Tabs are kept: they separate the columns of acronym lists and participant tables.
_EDGE_SPACES = re.compile(r"^ +| +$", re.M)
_INNER_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


# --- pass 4: words hyphenated across line breaks -----------------------------------------------

_BROKEN_WORD = re.compile(r"(?P<left>[A-Za-z]+)-\n(?:\n)?(?P<right>[A-Za-z]+)")
_LEADING_HYPHEN = re.compile(r"(?<=[A-Za-z])\n-(?=[A-Za-z])")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


@lru_cache(maxsize=1)
def _word_frequency() -> Callable[[str, str], float]:
    from wordfreq import zipf_frequency  # imported late: loading its data takes a moment

    return zipf_frequency


def is_word(word: str) -> bool:
    """A word of English according to wordfreq's lists (any frequency above zero)."""
    return _word_frequency()(word.lower(), "en") > 0


class Dehyphenator:
    """Decides, for a word broken at a line end, whether the hyphen is the printer's or the word's.

    The document's own vocabulary decides first ("ISCMs" elsewhere joins "IS-\\nCMs"; a
    "migration-related" elsewhere keeps its hyphen); then the English word list.
    """

    def __init__(self, text: str):
        # Generators, not lists: a list of every word of a large text costs ~60 bytes a word.
        self._words = Counter(m[0].lower() for m in re.finditer(r"[A-Za-z]+", text))
        self._hyphenated = Counter(m[0].lower() for m in _WORD.finditer(text) if "-" in m[0])

    def join(self, left: str, right: str) -> bool:
        joined, hyphenated = (left + right).lower(), f"{left}-{right}".lower()
        if self._words[joined]:
            return True
        if self._hyphenated[hyphenated]:
            return False
        if left[-1].islower() and right[0].isupper():
            return False  # "Euro-\nAfrican": a capital after the break starts a new word
        # A compound's hyphen joins two words ("migration-related"); when a half is no word
        # ("Interses-sional"), the hyphen is the printer's even if the word list lacks the whole.
        return is_word(joined) or not (is_word(left) and is_word(right))


def _in_url(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    start = max(text.rfind(" ", line_start, position) + 1, line_start)
    token = text[start:position]
    if start == line_start > 0:
        # The first token of a line may carry on a URL broken at the previous line's end.
        previous_line = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
        token = (previous_line.split() or [""])[-1] + token
    return "/" in token or "://" in token or "@" in token or token.startswith("www.")


def _dehyphenate(text: MappedText) -> MappedText:
    decider = Dehyphenator(text.text)

    def replace(match: re.Match[str]) -> list[Piece]:
        if _in_url(match.string, match.end("left")):
            return [Piece(match.start(), match.end())]  # URLs are joined by the publications stage
        left = Piece(match.start("left"), match.end("left"))
        right = Piece(match.start("right"), match.end("right"))
        if decider.join(match["left"], match["right"]):
            return [left, right]
        return [left, Piece(match.end("left"), match.end("left") + 1), right]  # keep the word's hyphen

    return text.rewrite(_BROKEN_WORD, replace)


# --- pass 4b: a paragraph split by a page or column break ------------------------------------

_FUNCTION_WORDS = {
    "and",
    "or",
    "of",
    "the",
    "to",
    "in",
    "on",
    "for",
    "with",
    "a",
    "an",
    "by",
    "from",
    "at",
    "as",
    "its",
    "their",
}
_PARAGRAPH_BREAK = re.compile(r"(?<=\S)\n\n(?=\S)")


def _join_broken_paragraph(match: re.Match[str]) -> list[Piece]:
    """'and 8\n\nwebinars', 'migration and\n\nCOVID-19', '20 ISCMs\n\nto discuss': a blank line
    inside a sentence is a page or column break, not the end of a paragraph."""
    before = match.string[max(0, match.start() - 30) : match.start()]
    after = match.string[match.end() : match.end() + 1]
    last_word = re.findall(r"[\w,]+$", before)
    inside = bool(last_word) and (
        before.endswith(",")
        or last_word[0].lower() in _FUNCTION_WORDS
        or ((before[-1].islower() or before[-1].isdigit()) and after.islower())
    )
    inside = inside and not ENUMERATION.match(match.string, match.end(), match.end() + 8)  # "a) Data: ..."
    return [Piece(match.start(), match.start() + 1)] if inside else [Piece(match.start(), match.end())]


# --- pass 4c: letters of a ligature the PDF's text layer dropped ---------------------------------

# Ligatures whose glyph some PDFs map to nothing, so that "Meeting" reads "Meeng", "migration"
# "migraon", "Officials" "Oicials", "Initiatives" "Iniaves".
_LIGATURES = ("ffi", "ffl", "ff", "fi", "fl", "ft", "ti", "tt")
_LOWER_WORD = re.compile(r"\b[A-Za-z][a-z]{1,}\b")
# A repaired word must be a common English word (wordfreq's Zipf scale: 3 is once per million);
# a long one may be rarer ("reintegration", 2.6), as a chance repair that long is unlikely.
_REPAIR_MIN_ZIPF = 3.0
_REPAIR_LONG_WORD = 8
_REPAIR_ZIPF_PER_LETTER = 0.1
# A rare word is repaired too where the repair is far more common: "cies" (1.6) -> "cities" (4.8).
_RARE_ZIPF = 2.0
_RARE_REPAIR_GAIN = 3.0
# In a document that shows the fault (`_FAULT_SIGN` confident repairs), a word no dictionary
# knows is repaired into any word this common: "combatng" -> "combatting" (2.6).
_FAULT_SIGN = 3
_UNKNOWN_REPAIR_MIN_ZIPF = 2.0


@lru_cache(maxsize=65536)
def restore_ligature(word: str, lossy_document: bool = False) -> str | None:
    """The common English word that `word` is with one dropped ligature put back (or the same
    ligature twice), or None when `word` is a word already or no repair makes one. In a
    `lossy_document` an unknown word may become a less common one.

    >>> restore_ligature("Meeng"), restore_ligature("Iniaves"), restore_ligature("cies")
    ('Meeting', 'Initiatives', 'cities')
    >>> restore_ligature("combatng"), restore_ligature("combatng", lossy_document=True)
    (None, 'combatting')
    """
    zipf = _word_frequency()
    lower = word.lower()
    own = zipf(lower, "en")
    if own >= _RARE_ZIPF:
        return None
    floor = _REPAIR_MIN_ZIPF - _REPAIR_ZIPF_PER_LETTER * max(0, len(lower) - _REPAIR_LONG_WORD)
    if own > 0:
        floor = max(floor, own + _RARE_REPAIR_GAIN)
    elif lossy_document:
        floor = min(floor, _UNKNOWN_REPAIR_MIN_ZIPF)
    best: tuple[float, str] | None = None
    for ligature in _LIGATURES:
        candidates = [lower[:i] + ligature + lower[i:] for i in range(1, len(lower) + 1)]
        if len(lower) >= 5:
            candidates += [
                c[:j] + ligature + c[j:]
                for c in candidates
                for j in range(c.index(ligature) + len(ligature) + 1, len(c) + 1)
            ]
        for candidate in candidates:
            score = zipf(candidate, "en")
            if score >= floor and (best is None or score > best[0]):
                best = (score, candidate)
    if best is None:
        return None
    return word[0] + best[1][1:]


def _restore_ligatures(text: MappedText) -> MappedText:
    """Dropped ligature letters put back where a document's words need them; a document whose
    words are all whole is left as it is (a few repairs are the sign of a lossy text layer)."""

    def replace(match: re.Match[str]) -> list[Piece]:
        word = match[0]
        repaired = restore_ligature(word, lossy_document=True)
        if repaired is None:
            return [Piece(match.start(), match.end())]
        # The inserted letters, one piece per insertion ("Iniaves": "ti" twice): every kept letter
        # keeps its offset.
        pieces = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, word, repaired, autojunk=False).get_opcodes():
            if op == "equal":
                pieces.append(Piece(match.start() + i1, match.start() + i2))
            elif op == "insert":
                pieces.append(Piece(match.start() + i1, insert=repaired[j1:j2]))
            else:  # a repair only adds letters; anything else is left as written
                return [Piece(match.start(), match.end())]
        return pieces

    if sum(1 for m in _LOWER_WORD.finditer(text.text[:200_000]) if restore_ligature(m[0])) < _FAULT_SIGN:
        return text
    return text.rewrite(_LOWER_WORD, replace)


# --- pass 4d: a whole document run together into one paragraph -----------------------------------

# A line this long is no paragraph a layout would print: the converter ran the text together.
_RUN_TOGETHER_LINE = 2000
_CAPITALS_AHEAD = re.compile(r"(?:[A-Z0-9-]{2,} ){2,}[A-Z]")
# A number inside a heading in capitals: a word in capitals, then the number, before the break.
_INSIDE_CAPITALS = re.compile(r"(?<!\S)[A-Z][A-Z-]+ [0-9]+$")
_SENTENCE_BREAK = re.compile(
    # A sentence end: a word of two lower-case letters or digits, an acronym of three capitals
    # ("OECD."), or a bracket before the stop, a closing quote on either side of it (not "H.E. Mr",
    # "Simon K. Chelugui").
    r"(?:(?<=[^\W_A-Z]{2}[.!?])|(?<=[A-Z]{3}[.!?])|(?<=[)\]][.!?])|(?<=\w[\"”’][.!?])|(?<=\w[.!?][\"”’]))"
    r" (?=[A-Z0-9(“\"])"
    # before a run of capitals, unless an article opens it ("The XVI SACM Conference")
    r"|(?<=[a-z0-9.)\]])(?<!\b[Tt]he)(?<!\b[Aa]n)(?<!\b[Aa])(?<![A-Z]{2}s) (?=(?:[A-Z0-9-]{2,} ){2,}[A-Z])"
    r"|(?<=\]) (?=[A-Z])"  # after a bracketed note ("[2 ISCMs] Asylum and Refugees: ...")
)


def _split_run_together(text: MappedText) -> MappedText:
    """In a line of thousands of characters (a whole issue flattened by its converter), each
    sentence, and each run of capitals (a heading run into the text), starts a line of its own:
    "... adopted a declaration. Budapest Process The 5th ..." -> "... declaration.\nBudapest ..."."""
    if all(len(line) < _RUN_TOGETHER_LINE for line in text.text.split("\n")):
        return text
    long_lines = [
        (m.start(), m.end())
        for m in re.finditer(r"[^\n]+", text.text)
        if m.end() - m.start() >= _RUN_TOGETHER_LINE
    ]

    def replace(match: re.Match[str]) -> list[Piece]:
        if not any(a <= match.start() < b for a, b in long_lines):
            return [Piece(match.start(), match.end())]
        # A heading run into the text opens a paragraph; a sentence only a line.
        heading = _CAPITALS_AHEAD.match(text.text, match.end())
        if heading and _INSIDE_CAPITALS.search(text.text, max(0, match.start() - 40), match.start()):
            return [Piece(match.start(), match.end())]  # "SELECTED 2023 PUBLICATIONS": one heading
        return [Piece(match.start(), insert="\n\n" if heading else "\n")]

    return text.rewrite(_SENTENCE_BREAK, replace)


# --- pass 5: a heading split over two lines -----------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def _is_parenthetical_tail(line: str, previous: str) -> bool:
    """'(OCAM)', 'and Refugees (IGC)', 'Process)': the end of a heading or title wrapped early."""
    words = line.split()
    if not 1 <= len(words) <= 8 or not line.endswith(")"):
        return False
    if (previous + " " + line).count("(") != (previous + " " + line).count(")"):
        return False
    if "(" not in line and "(" not in previous:
        return False
    if ";" in line or re.search(r"\(\d[^()]*\)$", line):
        return False  # "...; the Sixth Consultation (26-29 October)": a sentence with a date
    return all(w[0].isupper() or w[0] in "(0123456789" or w.lower() in FUNCTION_WORDS for w in words)


def _join_split_headings(text: MappedText) -> MappedText:
    lines = text.text.split("\n")
    breaks: set[int] = set()
    offset = 0
    for i, line in enumerate(lines[:-1]):
        offset += len(line) + 1
        before = lines[i - 1] if i else ""
        at_heading_position = not before.strip() or bool(_SENTENCE_END.search(before))
        if (
            line.strip()
            and at_heading_position
            and "\t" not in line + lines[i + 1]  # table rows are not headings
            and not re.search(r"[.,;:!?)]$", line.strip())  # ")" closes a whole heading
            and len(line.split()) <= 14
            and _is_parenthetical_tail(lines[i + 1].strip(), line)
        ):
            breaks.add(offset - 1)
    if not breaks:
        return text
    return text.rewrite(
        re.compile(r"\n"),
        lambda m: [Piece(m.start(), insert=" ")] if m.start() in breaks else [Piece(m.start(), m.end())],
    )


# --- the text path ------------------------------------------------------------------------------


def _newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw


def clean_text(raw: str) -> MappedText:
    """All passes of the text path, in order. Pure: raw text in, mapped text out."""
    return _clean_boxed([MappedText.from_raw(_newlines(raw))])


def _clean_boxed(box: list[MappedText]) -> MappedText:
    """clean_text on the text in `box`, taken out of it so that each pass frees its input."""
    text = box.pop()
    text = text.rewrite(_MARKDOWN, _strip_markdown)
    text = text.rewrite(_ESCAPE, lambda m: [Piece(m.start(1), m.end(1))])
    box.append(text)
    del text  # held here, it would keep a whole copy alive through every later pass
    return _layout_boxed(box)


def clean_layout(text: MappedText) -> MappedText:
    """The passes that text from a PDF and text from a converter share."""
    return _layout_boxed([text])


def _layout_boxed(box: list[MappedText]) -> MappedText:
    text = box.pop()
    text = text.rewrite(_UNICODE, _normalise_char)
    text = text.rewrite(_LINE, _collapse_letter_spacing)
    text = _respace_runs(text)
    text = text.rewrite(_EDGE_SPACES, lambda m: [])
    text = text.rewrite(_INNER_SPACES, lambda m: [Piece(m.start(), insert=" ")])
    text = text.rewrite(_BLANK_LINES, lambda m: [Piece(m.start(), insert="\n\n")])
    text = _dehyphenate(text)
    text = text.rewrite(_LEADING_HYPHEN, lambda m: [Piece(m.start() + 1, m.end())])
    text = text.rewrite(_PARAGRAPH_BREAK, _join_broken_paragraph)
    text = _restore_ligatures(text)
    text = _split_run_together(text)
    text = _join_split_headings(text)
    return text.rewrite(re.compile(r"\A\n+|\n+\Z"), lambda m: [])


def _spans(flags: Sequence[int] | bytearray) -> tuple[Span, ...]:
    """Runs of set flags: bytearray(b"\\x00\\x01\\x01\\x00") -> (Span(1, 3),)."""
    flags = flags if isinstance(flags, bytearray) else bytearray(bool(f) for f in flags)
    return tuple(Span(m.start(), m.end()) for m in re.finditer(rb"[^\x00]+", flags))


def _blocks(text: str) -> tuple[Span, ...]:
    return tuple(Span(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text))


# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """By its byte-order mark (UTF-8, UTF-16, UTF-32), else UTF-8, else Latin-1 with a warning;
    binary data (a NUL anywhere) is refused."""
    if not data.strip():
        raise IngestError(f"{source}: file is empty")
    for mark, codec in _BOMS:
        if data.startswith(mark):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{source}: not valid {codec.upper()} ({exc.reason} at byte {exc.start})"
                ) from exc
            if "\x00" in text:
                raise IngestError(f"{source}: binary data, not a text file")
            if not text.strip():
                raise IngestError(f"{source}: file is empty")
            return text, []
    if b"\x00" in data:
        raise IngestError(f"{source}: binary data, not a text file")
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = data.decode("latin-1")
        return text, [f"{source}: not valid UTF-8 ({exc.reason} at byte {exc.start}); decoded as Latin-1"]


def read_text(path: Path) -> tuple[Document, list[str]]:
    """Read a .txt or .md file; returns the document and warnings."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    raw, warnings = decode(data, path.name)
    del data  # the bytes, then the decoded text, are freed as soon as they are used
    box = [MappedText.from_raw(_newlines(raw))]
    del raw
    cleaned = _clean_boxed(box)
    fmt: InputFormat = "md" if path.suffix.lower() == ".md" else "txt"
    return _document(path, sha256, fmt, cleaned), warnings


def _document(
    path: Path, sha256: str, fmt: InputFormat, cleaned: MappedText, page_starts: tuple[int, ...] = ()
) -> Document:
    return Document(
        doc_id=path.stem,
        source_path=display_path(path),
        input_format=fmt,
        sha256=sha256,
        text=cleaned.text,
        source_offsets=cleaned.source,
        bold=_spans(cleaned.bold),
        links=tuple(cleaned.links),
        blocks=_blocks(cleaned.text),
        page_starts=page_starts,
    )


SUPPORTED_SUFFIXES = {".txt", ".md", ".pdf"}
# Where a PDF's characters come from (pdf_chars.py): pdfplumber, the reference, or pdfium, faster.
PDF_READERS = ("pdfplumber", "pdfium")


def display_path(path: Path) -> str:
    """The path relative to the working folder when inside it ("raw/x.txt"), so that tables do not
    depend on where the project was cloned."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read(path: Path, pdf_reader: str = PDF_READERS[0]) -> tuple[Document, list[str]]:
    """Read any supported input (a PDF with `pdf_reader`). Raises IngestError with a one-line
    reason when it cannot."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}")
    try:
        return read_pdf(path, pdf_reader) if suffix == ".pdf" else read_text(path)
    except OSError as exc:
        raise IngestError(f"{path.name}: cannot read ({exc.strerror})") from exc


def read_pdf(path: Path, reader: str = PDF_READERS[0]) -> tuple[Document, list[str]]:
    """Read a PDF's text layer (pdf.py, characters from `reader`) and run the shared layout
    passes on it."""
    from iscm_extract import pdf  # imported here: pdfplumber is needed only for PDF input

    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path.name}: file is empty")
    try:
        layer = pdf.read(path, dataclasses.replace(pdf.DEFAULT_SETTINGS, reader=reader))
    except pdf.PdfError as exc:
        raise IngestError(f"{path.name}: {exc}") from exc
    cleaned = clean_layout(MappedText(layer.text, array("I", range(len(layer.text))), bytearray(layer.bold)))
    # A page starts at the first cleaned character that comes from that page or a later one.
    page_starts = tuple(
        next((i for i, src in enumerate(cleaned.source) if src >= start), len(cleaned.text))
        for start in layer.page_starts
    )
    document = _document(path, hashlib.sha256(data).hexdigest(), "pdf", cleaned, page_starts)
    unmapped = cleaned.text.count("\ufffd")
    warnings = (
        [f"{path.name}: {unmapped} glyphs without a Unicode mapping, read as U+FFFD"] if unmapped else []
    )
    return document, warnings
