"""Ingest's pass 4c: letters of a ligature that a PDF's text layer dropped, put back.

Some PDFs map the glyph of a ligature ("ti", "ff", ...) to nothing, so that "Meeting" reads
"Meeng" and "Initiatives" "Iniaves". `restore_ligature(word)` tries each ligature at each place
(twice for longer words) and keeps the commonest English word that results, when it is common
enough (wordfreq, words.py); the pass `restore_dropped_ligatures` repairs a document's words only
when a few confident repairs show that its text layer has the fault. In such a document a word
that is a word may still have lost a ligature ("trafficking" reads "tracking"): `domain_repair`
puts it back where the repair is one of the rules' own words (the registry's and the themes'
names) and the word as read is not. The inserted letters take
the source offset of the letter after them, every kept letter keeps its own:

  "the Iniaves of the Meeng" -> "the Initiatives of the Meeting"
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from iscm_extract.reading.mapped_text import MappedText, Piece
from iscm_extract.reading.words import word_frequency

# Ligatures whose glyph some PDFs map to nothing, so that "Meeting" reads "Meeng", "migration"
# "migraon", "Officials" "Oicials", "Initiatives" "Iniaves".
_LIGATURES = ("ffi", "ffl", "ff", "fi", "fl", "ft", "ti", "tt")
_LOWER_WORD = re.compile(r"\b[A-Za-z][a-z]{1,}\b")
# A repaired word must be a common English word (wordfreq's Zipf scale: 3 is once per million);
# a long one may be rarer ("reintegration", 2.6), as a chance repair that long is unlikely.
_REPAIR_MIN_ZIPF = 3.0
_REPAIR_LONG_WORD = 8
_REPAIR_ZIPF_PER_LETTER = 0.1
_TWICE_MIN_LETTERS = 5  # words this long are tried with the ligature twice ("Iniaves")
# A rare word is repaired too where the repair is far more common: "cies" (1.6) -> "cities" (4.8).
_RARE_ZIPF = 2.0
_RARE_REPAIR_GAIN = 3.0
# In a document that shows the fault (`_FAULT_SIGN` confident repairs), a word no dictionary
# knows is repaired into any word this common: "combatng" -> "combatting" (2.6).
_FAULT_SIGN = 3
_UNKNOWN_REPAIR_MIN_ZIPF = 2.0
_FAULT_SAMPLE_CHARS = 200_000  # the fault is looked for in the text's start only
_DOMAIN_MIN_LETTERS = 4  # shorter words are left alone: too many repairs of them are words


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
    zipf = word_frequency()
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
    for candidate in _repairs(lower):
        score = zipf(candidate, "en")
        if score >= floor and (best is None or score > best[0]):
            best = (score, candidate)
    if best is None:
        return None
    return word[0] + best[1][1:]


def _repairs(lower: str) -> list[str]:
    """`lower` with one ligature put back at each place (or the same one twice in a long word)."""
    repairs = []
    for ligature in _LIGATURES:
        candidates = [lower[:i] + ligature + lower[i:] for i in range(1, len(lower) + 1)]
        if len(lower) >= _TWICE_MIN_LETTERS:
            candidates += [
                c[:j] + ligature + c[j:]
                for c in candidates
                for j in range(c.index(ligature) + len(ligature) + 1, len(c) + 1)
            ]
        repairs += candidates
    return repairs


def domain_repair(word: str, domain_words: frozenset[str]) -> str | None:
    """In a document that drops ligatures: `word` with a ligature put back where that makes the
    one word of `domain_words` it can be, and `word` itself is not one of them; else None.

    >>> domain_repair("tracking", frozenset({"trafficking", "migration"}))
    'trafficking'
    >>> domain_repair("Migration", frozenset({"migration"})) is None
    True
    """
    lower = word.lower()
    if len(lower) < _DOMAIN_MIN_LETTERS or lower in domain_words:
        return None
    found = {candidate for candidate in _repairs(lower) if candidate in domain_words}
    return word[0] + found.pop()[1:] if len(found) == 1 else None


def restore_dropped_ligatures(text: MappedText, domain_words: frozenset[str] = frozenset()) -> MappedText:
    """Dropped ligature letters put back where a document's words need them (or the rules' words:
    `domain_repair`); a document whose words are all whole is left as it is (a few repairs are
    the sign of a lossy text layer)."""

    def replace(match: re.Match[str]) -> list[Piece]:
        word = match[0]
        repaired = restore_ligature(word, lossy_document=True) or domain_repair(word, domain_words)
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

    if (
        sum(1 for m in _LOWER_WORD.finditer(text.text[:_FAULT_SAMPLE_CHARS]) if restore_ligature(m[0]))
        < _FAULT_SIGN
    ):
        return text
    return text.rewrite(_LOWER_WORD, replace)
