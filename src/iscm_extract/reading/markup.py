"""Ingest's passes 1 and 2: a converter's markup removed, then Unicode folded to plain text.

Pass 1 (`strip_markup`): markdown and HTML artefacts of the converter that made the text:
"**bold**" keeps its letters, bold; "[label](url)" and "<url>" keep their text with the link;
block-level tags become line breaks, inline tags and markdown escapes go:

  "See **ISCMs** [here](https://x.org)\\." -> "See ISCMs here." (bold "ISCMs", a link on "here")

Pass 2 (`normalise_unicode`): typographic quotes, dashes and spaces become ASCII, an ellipsis
three dots, invisible formatting characters (Unicode category Cf: zero-width joiners, word
joiners, bidi marks and overrides, soft hyphens) go, other characters are NFKC-folded, but for
superscripts and subscripts (footnote markers). The offsets of the characters kept are kept.
"""

from __future__ import annotations

import re
import unicodedata

from iscm_extract.reading.mapped_text import MappedText, Piece

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


def strip_markup(text: MappedText) -> MappedText:
    """Pass 1: markdown and HTML artefacts removed, then the escapes left inside link labels."""
    text = text.rewrite(_MARKDOWN, _strip_markdown)
    return text.rewrite(_ESCAPE, lambda m: [Piece(m.start(1), m.end(1))])


def normalise_unicode(text: MappedText) -> MappedText:
    """Pass 2: typographic characters as ASCII, invisible ones removed, the rest NFKC-folded."""
    return text.rewrite(_UNICODE, _normalise_char)
