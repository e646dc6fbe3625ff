"""Word-frequency helpers (wordfreq's English lists), shared by ingest's text passes, the PDF
reader's glyph repair and the spaCy pipeline's ligature repair.

- `word_frequency()`: wordfreq's `zipf_frequency`, imported on first use (its data takes a moment
  to load). The Zipf scale is log10 of a word's uses per 10^9 words: 3 is once per million.
- `is_word(word)`: whether the lists know the word at all ("thematic" yes, "Meeng" no).
- `respace(letters)`: the likeliest split of a run of letters whose spaces were lost, by dynamic
  programming over word frequencies: "GLOBALINITIATIVESANDTHEMATICAREAS" -> "GLOBAL",
  "INITIATIVES", "AND", "THEMATIC", "AREAS".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def word_frequency() -> Callable[[str, str], float]:
    """wordfreq's `zipf_frequency(word, language)`, loaded once per process."""
    from wordfreq import zipf_frequency  # imported late: loading its data takes a moment

    return zipf_frequency


def is_word(word: str) -> bool:
    """A word of English according to wordfreq's lists (any frequency above zero)."""
    return word_frequency()(word.lower(), "en") > 0


# Word costs for re-spacing a run (on the Zipf scale): a word's cost is its log-probability
# (its Zipf value less `_ZIPF_SCALE`) less a charge per word, so "AREAS" is one word, not
# "ARE AS"; a word the document uses `_DOCUMENT_WORD_USES` times or more ("ISCMs") counts as a
# common word.
_ZIPF_SCALE = 9.0
_WORD_CHARGE = 3.0
_DOCUMENT_WORD_ZIPF = 5.0
_DOCUMENT_WORD_USES = 2
_UNKNOWN_LETTER_COST = 4.0
_LONGEST_WORD = 20  # letters: longer words are not looked for


def respace(letters: str, document_words: Counter[str] | None = None) -> list[str]:
    """The words of a run of letters with its spaces lost, by the likeliest split (dynamic
    programming over word frequencies, as word-segmentation tools do).

    >>> respace("GLOBALINITIATIVESANDTHEMATICAREAS")
    ['GLOBAL', 'INITIATIVES', 'AND', 'THEMATIC', 'AREAS']
    """
    zipf = word_frequency()
    known = document_words or Counter()
    lower = letters.lower()
    best: list[tuple[float, int]] = [(0.0, 0)]  # (score of the best split of lower[:i], last cut)
    for end in range(1, len(lower) + 1):
        options = []
        for start in range(max(0, end - _LONGEST_WORD), end):
            word = lower[start:end]
            common = _DOCUMENT_WORD_ZIPF if known[word] >= _DOCUMENT_WORD_USES else 0.0
            frequency = max(zipf(word, "en"), common)
            unknown = -_ZIPF_SCALE - _UNKNOWN_LETTER_COST * len(word)
            cost = frequency - _ZIPF_SCALE if frequency > 0 else unknown
            options.append((best[start][0] + cost - _WORD_CHARGE, start))
        best.append(max(options))
    words, end = [], len(lower)
    while end > 0:
        start = best[end][1]
        words.append(letters[start:end])
        end = start
    return words[::-1]
