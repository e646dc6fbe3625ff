"""Ingest's passes 4, 4b, 4d and 5: line and paragraph breaks that a layout put in or took out.

- `dehyphenate` (4): a word broken at a line end with a hyphen is joined, or keeps its hyphen
  when it is a compound; the document's own vocabulary decides first, then the English word
  list ("Interses-\\nsional" -> "Intersessional", "migration-\\nrelated" -> "migration-related").
  URLs are left to the publications stage.
- `join_broken_paragraphs` (4b): a blank line inside a sentence is a page or column break, not
  a paragraph's end: "migration and\\n\\nCOVID-19" -> "migration and\\nCOVID-19".
- `split_run_together` (4d): in a line of thousands of characters (a whole issue flattened by
  its converter), each sentence, and each run of capitals (a heading run into the text), starts
  a line of its own.
- `join_split_headings` (5): a heading wrapped before its parenthetical tail is one line again:
  "Intergovernmental Consultations on Migration, Asylum\\nand Refugees (IGC)" -> one line.
"""

from __future__ import annotations

import re
from collections import Counter

from iscm_extract.reading.mapped_text import MappedText, Piece
from iscm_extract.reading.words import is_word
from iscm_extract.text import ENUMERATION, FUNCTION_WORDS

# --- pass 4: words hyphenated across line breaks -----------------------------------------------

_BROKEN_WORD = re.compile(r"(?P<left>[A-Za-z]+)-\n(?:\n)?(?P<right>[A-Za-z]+)")
_LEADING_HYPHEN = re.compile(r"(?<=[A-Za-z])\n-(?=[A-Za-z])")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


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
_BEFORE_BREAK_CHARS = 30  # the text before a blank line looked at for its last word
_ENUMERATION_CHARS = 8  # the text after it looked at for a list item ("a) ")


def _join_broken_paragraph(match: re.Match[str]) -> list[Piece]:
    """'and 8\n\nwebinars', 'migration and\n\nCOVID-19', '20 ISCMs\n\nto discuss': a blank line
    inside a sentence is a page or column break, not the end of a paragraph."""
    before = match.string[max(0, match.start() - _BEFORE_BREAK_CHARS) : match.start()]
    after = match.string[match.end() : match.end() + 1]
    last_word = re.findall(r"[\w,]+$", before)
    inside = bool(last_word) and (
        before.endswith(",")
        or last_word[0].lower() in _FUNCTION_WORDS
        or ((before[-1].islower() or before[-1].isdigit()) and after.islower())
    )
    inside = inside and not ENUMERATION.match(
        match.string, match.end(), match.end() + _ENUMERATION_CHARS
    )  # "a) Data: ..."
    return [Piece(match.start(), match.start() + 1)] if inside else [Piece(match.start(), match.end())]


# --- pass 4d: a whole document run together into one paragraph -----------------------------------

# A line this long is no paragraph a layout would print: the converter ran the text together.
_RUN_TOGETHER_LINE = 2000
_CAPITALS_AHEAD = re.compile(r"(?:[A-Z0-9-]{2,} ){2,}[A-Z]")
# A number inside a heading in capitals: a word in capitals, then the number, before the break.
_INSIDE_CAPITALS = re.compile(r"(?<!\S)[A-Z][A-Z-]+ [0-9]+$")
_INSIDE_CAPITALS_CHARS = 40  # how far back such a heading is looked for
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


def split_run_together(text: MappedText) -> MappedText:
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
        if heading and _INSIDE_CAPITALS.search(
            text.text, max(0, match.start() - _INSIDE_CAPITALS_CHARS), match.start()
        ):
            return [Piece(match.start(), match.end())]  # "SELECTED 2023 PUBLICATIONS": one heading
        return [Piece(match.start(), insert="\n\n" if heading else "\n")]

    return text.rewrite(_SENTENCE_BREAK, replace)


# --- pass 5: a heading split over two lines -----------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?:;]\s*$")
_TAIL_MAX_WORDS = 8  # a parenthetical tail of a heading: "and Refugees (IGC)"
_HEADING_MAX_WORDS = 14  # a longer line is a sentence, not a heading


def _is_parenthetical_tail(line: str, previous: str) -> bool:
    """'(OCAM)', 'and Refugees (IGC)', 'Process)': the end of a heading or title wrapped early."""
    words = line.split()
    if not 1 <= len(words) <= _TAIL_MAX_WORDS or not line.endswith(")"):
        return False
    if (previous + " " + line).count("(") != (previous + " " + line).count(")"):
        return False
    if "(" not in line and "(" not in previous:
        return False
    if ";" in line or re.search(r"\(\d[^()]*\)$", line):
        return False  # "...; the Sixth Consultation (26-29 October)": a sentence with a date
    return all(w[0].isupper() or w[0] in "(0123456789" or w.lower() in FUNCTION_WORDS for w in words)


def join_split_headings(text: MappedText) -> MappedText:
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
            and len(line.split()) <= _HEADING_MAX_WORDS
            and _is_parenthetical_tail(lines[i + 1].strip(), line)
        ):
            breaks.add(offset - 1)
    if not breaks:
        return text
    return text.rewrite(
        re.compile(r"\n"),
        lambda m: [Piece(m.start(), insert=" ")] if m.start() in breaks else [Piece(m.start(), m.end())],
    )


def dehyphenate(text: MappedText) -> MappedText:
    """Pass 4: words broken at a line end joined or kept hyphenated, then a hyphen that opens a
    line ("migration\\n-related") moved back onto the line before."""
    text = _dehyphenate(text)
    return text.rewrite(_LEADING_HYPHEN, lambda m: [Piece(m.start() + 1, m.end())])


def join_broken_paragraphs(text: MappedText) -> MappedText:
    """Pass 4b: a blank line inside a sentence made a line break."""
    return text.rewrite(_PARAGRAPH_BREAK, _join_broken_paragraph)
