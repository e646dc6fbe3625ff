"""Small text helpers shared by the stages: function words, open line ends, enumerations, name
keys ('AU-HoAI' and 'au hoai' are one key) and Roman numerals ('XIX' -> 19)."""

from __future__ import annotations

import re
import unicodedata

# Words that join the words of a name or title ("Migration Dialogue for the ..."): a line that
# ends with one goes on in the next line.
FUNCTION_WORDS = frozenset({"of", "the", "for", "on", "and", "in", "to", "from", "de", "del", "la", "y"})


def ends_open(line: str) -> bool:
    """The line stops where its phrase cannot end: after a function word or inside brackets
    ("... the Global Meeting of", "(Abu Dhabi Dialogue, Bali")."""
    words = line.split()
    if not words or words[-1].lower() in FUNCTION_WORDS:
        return True
    return line.count("(") != line.count(")") or line.count("[") != line.count("]")


# A number or letter before a heading or list item: "3. Bali Process", "IV) Rabat Process",
# "b) Data: IGC". (A bullet marks a list item, not a heading.)
ENUMERATION = re.compile(r"^(?:\d{1,2}|[IVXivx]{1,4}|[A-Za-z])[.)]\s+(?=\S)")


_NON_KEY = re.compile(r"[^\w+]+")


def name_key(name: str) -> str:
    """Fold case, accents, punctuation and spacing: 'AU-HoAI', 'AU HOAI' and 'au hoai' are one key."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    key = _NON_KEY.sub(" ", plain.casefold().replace("_", " ")).strip()
    return re.sub(r"^the\s+", "", key)


# Roman numerals of any size, in their one well-formed spelling ("Issue XIX", "Issue I").
# numbers.roman reads ordinals with it and accepts fewer: two letters or more ("I" is a pronoun), up to C.
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_to_int(numeral: str) -> int | None:
    """'IX' -> 9, 'XIX' -> 19; None for anything that is not a well-formed numeral."""
    numeral = numeral.upper()
    if not numeral or any(c not in _ROMAN for c in numeral):
        return None
    total = 0
    for i, char in enumerate(numeral):
        value = _ROMAN[char]
        total += -value if i + 1 < len(numeral) and _ROMAN[numeral[i + 1]] > value else value
    return total if int_to_roman(total) == numeral else None


def int_to_roman(number: int) -> str:
    """9 -> 'IX', 2023 -> 'MMXXIII': the well-formed spelling that roman_to_int checks against."""
    out = []
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
