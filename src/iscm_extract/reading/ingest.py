"""Stage 1: read an input file into a `Document` (the only stage that reads files).

Text input is cleaned in passes. Each pass rewrites a `MappedText` (mapped_text.py), which
carries for every character its offset in the raw input and whether it was bold, so that every
later offset can be traced back to the source and bold survives as a signal:

  markdown artefacts -> unicode (markup.py) -> layout: letter-spacing, spaces (spacing.py)
    -> hyphenation -> run-together paragraphs (line_breaks.py) -> dropped ligatures
    (ligatures.py) -> a run-together document, split headings (line_breaks.py)

For example "**G L O B A L  I N I T I A T I V E S**\\n\\nThe Meeng dis-\\ncussed ..." reads
"GLOBAL INITIATIVES" (bold) and "The Meeting discussed ..." (in a document whose text layer
shows the dropped-ligature fault), each character's offset still pointing into the raw text.

Decoding: a byte-order mark decides UTF-8, UTF-16 or UTF-32; otherwise UTF-8, else Latin-1 with
a warning; a NUL byte anywhere (outside a UTF-16/32 text) means binary. A PDF's text layer comes
from pdf.py and runs the layout passes only (no markup to strip).
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import re
from array import array
from collections.abc import Sequence
from pathlib import Path

from iscm_extract.model import Document, InputFormat, Span
from iscm_extract.reading.ligatures import restore_dropped_ligatures
from iscm_extract.reading.ligatures import restore_ligature as restore_ligature
from iscm_extract.reading.line_breaks import (
    dehyphenate,
    join_broken_paragraphs,
    join_split_headings,
    split_run_together,
)
from iscm_extract.reading.mapped_text import MappedText as MappedText
from iscm_extract.reading.mapped_text import Piece as Piece
from iscm_extract.reading.markup import normalise_unicode, strip_markup
from iscm_extract.reading.pdf_settings import PDF_READERS as PDF_READERS
from iscm_extract.reading.spacing import collapse_letter_spacing, respace_runs, tidy_spaces
from iscm_extract.reading.words import is_word as is_word
from iscm_extract.reading.words import respace as respace


class IngestError(Exception):
    """The input cannot be read as a document; the message says why, in one line."""


# --- the text path ------------------------------------------------------------------------------


def _newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n") if "\r" in raw else raw


def clean_text(raw: str, domain_words: frozenset[str] = frozenset()) -> MappedText:
    """All passes of the text path, in order. Pure: raw text in, mapped text out."""
    return _clean_boxed([MappedText.from_raw(_newlines(raw))], domain_words)


def _clean_boxed(box: list[MappedText], domain_words: frozenset[str] = frozenset()) -> MappedText:
    """clean_text on the text in `box`, taken out of it so that each pass frees its input."""
    text = strip_markup(box.pop())
    box.append(text)
    del text  # held here, it would keep a whole copy alive through every later pass
    return _layout_boxed(box, domain_words)


def clean_layout(text: MappedText, domain_words: frozenset[str] = frozenset()) -> MappedText:
    """The passes that text from a PDF and text from a converter share."""
    return _layout_boxed([text], domain_words)


def _layout_boxed(box: list[MappedText], domain_words: frozenset[str]) -> MappedText:
    text = normalise_unicode(box.pop())
    text = collapse_letter_spacing(text)
    text = respace_runs(text)
    text = tidy_spaces(text)
    text = dehyphenate(text)
    text = join_broken_paragraphs(text)
    text = restore_dropped_ligatures(text, domain_words)
    text = split_run_together(text)
    text = join_split_headings(text)
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


def read_text(path: Path, domain_words: frozenset[str] = frozenset()) -> tuple[Document, list[str]]:
    """Read a .txt or .md file; returns the document and warnings."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    raw, warnings = decode(data, path.name)
    del data  # the bytes, then the decoded text, are freed as soon as they are used
    box = [MappedText.from_raw(_newlines(raw))]
    del raw
    cleaned = _clean_boxed(box, domain_words)
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


def display_path(path: Path) -> str:
    """The path relative to the working folder when inside it ("raw/x.txt"), so that tables do not
    depend on where the project was cloned."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read(
    path: Path, pdf_reader: str = PDF_READERS[0], domain_words: frozenset[str] = frozenset()
) -> tuple[Document, list[str]]:
    """Read any supported input (a PDF with `pdf_reader`; `domain_words`: the rules' words a
    dropped ligature may be put back into, ligatures.py). Raises IngestError with a one-line
    reason when it cannot."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{path.name}: unsupported file type {suffix or '(none)'}")
    try:
        if suffix == ".pdf":
            return read_pdf(path, pdf_reader, domain_words)
        return read_text(path, domain_words)
    except OSError as exc:
        raise IngestError(f"{path.name}: cannot read ({exc.strerror})") from exc


def read_pdf(
    path: Path, reader: str = PDF_READERS[0], domain_words: frozenset[str] = frozenset()
) -> tuple[Document, list[str]]:
    """Read a PDF's text layer (pdf.py, characters from `reader`) and run the shared layout
    passes on it."""
    from iscm_extract.reading import pdf  # imported here: pdfplumber is needed only for PDF input

    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path.name}: file is empty")
    try:
        layer = pdf.read(path, dataclasses.replace(pdf.DEFAULT_SETTINGS, reader=reader))
    except pdf.PdfError as exc:
        raise IngestError(f"{path.name}: {exc}") from exc
    layer_text = MappedText(layer.text, array("I", range(len(layer.text))), bytearray(layer.bold))
    cleaned = clean_layout(layer_text, domain_words)
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
