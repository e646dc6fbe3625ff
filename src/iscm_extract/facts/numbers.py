"""Ordinals and stated counts as newsletters write them: '8th', 'Sixth', 'XIX', 'Twenty-fifth',
'14 th'; 'Two', '17', 'Eleven', 'Twenty-four', 'Over 20'. The words are data (rules/meetings.yaml)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from iscm_extract.meeting_rules import NumberWords
from iscm_extract.text import roman_to_int

ORDINAL = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$", re.I)


def roman(text: str, *, letters: str = "IVXLC", min_letters: int = 2) -> int | None:
    """'XIX' -> 19; None for anything but a well-formed numeral (text.roman_to_int) of at least
    `min_letters` of `letters`. The defaults read ordinals in a meeting's name ("XIX Meeting"),
    where "I" is a word and "DC" a place."""
    if len(text) < min_letters or any(char not in letters for char in text):
        return None
    return roman_to_int(text)


class NumberReader:
    def __init__(self, rules: NumberWords):
        self.rules = rules

    def ordinal(self, words: Sequence[str]) -> int | None:
        """'8th', '14 th', 'Sixth', 'Twenty-fifth', 'XIX' -> 8, 14, 6, 25, 19."""
        for i, word in enumerate(words):
            lower = word.lower()
            if match := ORDINAL.match(word):
                return int(match[1])
            if lower in {"th", "st", "nd", "rd"} and i and words[i - 1].isdigit():
                return int(words[i - 1])
            if lower in self.rules.ordinal_words:
                tens = (
                    self.rules.tens_words.get(words[i - 2].lower(), 0)
                    if i >= 2 and words[i - 1] == "-"
                    else 0
                )
                return tens + self.rules.ordinal_words[lower]
            if (value := roman(word)) is not None:
                return value
        return None

    def count(self, words: Sequence[str]) -> tuple[int | None, str | None]:
        """'Two', '17', 'Eleven', 'Twenty-four', 'Over 20' -> (2, None) ... (20, 'over')."""
        for i, word in enumerate(words):
            lower = word.lower()
            value = None
            if (
                word.isdigit()
                and len(word) < 4
                and not (i + 1 < len(words) and words[i + 1].lower() in {"th", "st", "nd", "rd"})
            ):
                value = int(word)
            elif lower in self.rules.tens_words and i + 2 < len(words) and words[i + 1] == "-":
                value = self.rules.tens_words[lower] + self.rules.number_words.get(words[i + 2].lower(), 0)
            elif lower in self.rules.number_words and not (i >= 1 and words[i - 1] == "-"):
                value = self.rules.number_words[lower]
            if value is not None:
                before = " ".join(words[max(0, i - 2) : i]).lower()
                qualifier = next(
                    (q for phrase, q in self.rules.count_qualifiers.items() if before.endswith(phrase)), None
                )
                return value, qualifier
        return None, None


class _NumberWords(Protocol):
    """`NumberWords`, or rules that hold them (`FactRules`)."""

    @property
    def number_words(self) -> dict[str, int]: ...

    @property
    def tens_words(self) -> dict[str, int]: ...


def number_value(text: str, words: _NumberWords) -> int:
    """'21', 'twenty', 'Twenty-one' -> 21, 20, 21 (text as matched by a {n} placeholder)."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    tens, _, unit = text.partition("-")
    if unit:
        return words.tens_words[tens] + words.number_words[unit]
    return words.number_words[text]
