"""Ingest's pass 3: layout spacing: letter-spaced headings, runs of spaces, blank lines.

- `collapse_letter_spacing`: a line of single characters with single spaces between them and
  two or more between words is a letter-spaced heading: "G L O B A L  I N I T I A T I V E S"
  -> "GLOBAL INITIATIVES".
- `respace_runs`: a letter-spaced heading whose word gaps were lost (ten or more single
  capitals in a row, and the lines after it that hold nothing else) has its letters joined and
  its words found again by word frequency (words.respace):
  "G L O B A L I N I T I A T I V E S A High-level ..." -> "GLOBAL INITIATIVES A High-level ...".
- `tidy_spaces`: spaces at line ends go, runs of spaces inside a line become one, runs of blank
  lines one blank line. Tabs are kept: they separate the columns of acronym lists and tables.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from iscm_extract.reading.mapped_text import MappedText, Piece
from iscm_extract.reading.words import respace

_LINE = re.compile(r"^.+$", re.M)
# Single characters separated by single spaces, words separated by two or more.
_LETTER_SPACED = re.compile(r"\S(?: \S)+(?: {2,}\S(?: \S)*)*")
_MIN_LETTER_SPACED_CHARS = 11  # shorter lines ("A B C") are no heading


def _collapse_letter_spacing(match: re.Match[str]) -> list[Piece]:
    """'G L O B A L  I N I T I A T I V E S' -> 'GLOBAL INITIATIVES'."""
    line, base = match[0], match.start()
    stripped = line.strip()
    if len(stripped) < _MIN_LETTER_SPACED_CHARS or not _LETTER_SPACED.fullmatch(stripped):
        return [Piece(base, match.end())]
    if "  " not in stripped and _SPACED_RUN.fullmatch(stripped):
        return [Piece(base, match.end())]  # no word gaps to keep: `respace_runs` finds the words
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


def respace_runs(text: MappedText) -> MappedText:
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


def collapse_letter_spacing(text: MappedText) -> MappedText:
    """Letter-spaced headings with their word gaps kept, each as its words."""
    return text.rewrite(_LINE, _collapse_letter_spacing)


def tidy_spaces(text: MappedText) -> MappedText:
    """Spaces at line ends removed, runs of spaces and of blank lines made single."""
    text = text.rewrite(_EDGE_SPACES, lambda m: [])
    text = text.rewrite(_INNER_SPACES, lambda m: [Piece(m.start(), insert=" ")])
    return text.rewrite(_BLANK_LINES, lambda m: [Piece(m.start(), insert="\n\n")])
