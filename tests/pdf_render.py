"""Render corpus text as a newsletter PDF, for the tests and the benchmark of the PDF path.

The layout has what real issues have and a text path never sees: A4, one, two or three
justified columns, words hyphenated at line ends (pyphen) and URLs broken where the column ends,
bold headings and bold phrases, raised footnote digits, a full-width title block, a running
header and a page-number footer, sections that flow across columns and pages, no "keep with next"
(so a heading can end a column), and tab-separated rows drawn as ruled tables across the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyphen
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from iscm_extract.reading.ingest import clean_text

BODY, BOLD = "Helvetica", "Helvetica-Bold"
BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 8.5, 9.5, 14
LEADING = 11
MARGIN, GUTTER = 48, 16
HEADER = "International Organization for Migration - Inter-State Consultation Mechanisms on Migration"
_SENTENCE_END = re.compile(r"[.!?;:]\"?$")
_ENDS_WITH_DAY = re.compile(r",\s*\d{1,2}(?:-\d{1,2})?$")


@dataclass
class Paragraph:
    words: list[tuple[str, bool]]  # (word, bold)
    kind: str  # title | heading | body | row (a tab-separated table row: `cells`)
    cells: list[str] = field(default_factory=list)


@dataclass
class RenderInfo:
    pages: int = 0
    headings_ending_a_column: list[str] = field(default_factory=list)


def _is_heading(line: str, bold: bool) -> bool:
    words = line.split()
    # ", 1-2" at the end: a sentence broken before its month, not a heading
    return (
        0 < len(words) <= 14
        and not (len(words) == 1 and re.search(r"[/%=?&]", line))  # a piece of a broken URL
        and not _SENTENCE_END.search(line)
        and not _ENDS_WITH_DAY.search(line)
        and (
            line.isupper()
            or bold
            or (
                sum(w.strip("(")[:1].isupper() or w.strip("(")[:1].isdigit() for w in words)
                >= 0.6 * len(words)
                and ":" not in line
            )
        )
    )


def paragraphs(raw: str) -> list[Paragraph]:
    """Paragraphs of a corpus text: headings alone, wrapped lines joined, list lines kept apart.
    The masthead (everything up to the "... Highlights" line, else the lines before the first
    upper-case heading, at most four) is the full-width title block."""
    mapped = clean_text(raw)
    text, flags = mapped.text, mapped.bold
    out: list[Paragraph] = []
    offset = 0
    previous_ended = True
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            previous_ended = True
            continue
        if "\t" in line:  # a table row, drawn as a ruled table
            out.append(Paragraph([], "row", [cell.strip() for cell in line.split("\t")]))
            previous_ended = True
            continue
        words = [
            (m.group(), all(flags[start + i] for i in range(m.start(), m.end())))
            for m in re.finditer(r"\S+", line)
        ]
        heading = previous_ended and _is_heading(line, all(b for _, b in words))
        bullet = bool(re.match(r"\s*[-•]\s", line))  # a list item starts its own line, as printed
        if not heading and out and not previous_ended and out[-1].kind == "body" and not bullet:
            out[-1].words += words
        else:
            out.append(Paragraph(words, "heading" if heading else "body"))
        # "Theme: members" lines and short lines ("20th anniversary of SACM") stand alone
        previous_ended = heading or bool(_SENTENCE_END.search(line)) or ":" in line or len(words) <= 6
    lines = [" ".join(w for w, _ in p.words) for p in out]
    masthead = next((i + 1 for i, line in enumerate(lines[:8]) if "Highlights" in line), None)
    if masthead is None:
        masthead = next((i for i, line in enumerate(lines) if line.isupper()), 4)
    for paragraph in out[: min(masthead, 8)]:
        paragraph.kind = "title"
    return out


class _Layout:
    def __init__(self, canvas: Canvas, columns: int):
        self.canvas, self.columns = canvas, columns
        self.width, self.height = A4
        self.column_width = (self.width - 2 * MARGIN - (columns - 1) * GUTTER) / columns
        self.top, self.bottom = self.height - MARGIN - 18, MARGIN + 18
        self.page, self.column, self.y = 0, 0, self.top
        self.info = RenderInfo()
        self.hyphenator = pyphen.Pyphen(lang="en_US")
        self.last_kind = ""
        self.last_text = ""
        self._new_page()

    def _new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
            self.top = self.height - MARGIN - 18  # only the first page has a title block
        self.page += 1
        self.canvas.setFont(BODY, 7)
        self.canvas.drawString(MARGIN, self.height - MARGIN, HEADER)
        self.canvas.line(MARGIN, self.height - MARGIN - 4, self.width - MARGIN, self.height - MARGIN - 4)
        self.canvas.drawCentredString(self.width / 2, MARGIN - 10, f"Page {self.page}")
        self.column, self.y = 0, self.top

    def _next_line(self, height: float) -> None:
        if self.y - height < self.bottom:
            if self.last_kind == "heading":
                self.info.headings_ending_a_column.append(self.last_text)
            self.column += 1
            self.y = self.top
            if self.column >= self.columns:
                self._new_page()
        self.y -= height

    def x(self) -> float:
        return MARGIN + self.column * (self.column_width + GUTTER)

    def title(self, paragraph: Paragraph) -> None:
        """Full-width lines above the columns (front matter of the first page)."""
        text = " ".join(w for w, _ in paragraph.words)
        size = TITLE_SIZE if "Highlights" in text else BODY_SIZE + 1
        width, self.column_width = self.column_width, self.width - 2 * MARGIN
        for line in self._wrap(paragraph.words, size, force_bold=size == TITLE_SIZE):
            self.y -= size + 4
            self._draw(line, size, justify=False)
        self.column_width = width
        self.top = self.y - 12

    def flow(self, paragraph: Paragraph) -> None:
        heading = paragraph.kind == "heading"
        size = HEADING_SIZE if heading else BODY_SIZE
        if heading:
            self.y -= 6
        lines = self._wrap(paragraph.words, size, force_bold=heading)
        for n, line in enumerate(lines):
            self._next_line(LEADING + (2 if heading else 0))
            self._draw(line, size, justify=n + 1 < len(lines) and not heading)
            self.last_kind, self.last_text = paragraph.kind, " ".join(w for w, _ in line)
        self.y -= 3

    def table(self, rows: list[list[str]]) -> None:
        """Rows as a ruled table across the page, on pages of its own; cells wrap within their
        column. A row opened by "#" is a header row (bold)."""
        if self.column:
            self._new_page()  # the table spans the page: below the text of the first column only
        n = max(len(r) for r in rows)
        rows = [r + [""] * (n - len(r)) for r in rows]
        full = self.width - 2 * MARGIN
        narrow = [all(len(r[i]) <= 4 for r in rows) for i in range(n)]
        weights = [0.0 if narrow[i] else max(len(r[i]) for r in rows) ** 0.5 for i in range(n)]
        rest = full - 22 * sum(narrow)
        widths = [22.0 if narrow[i] else rest * weights[i] / sum(weights) for i in range(n)]
        size, leading = BODY_SIZE - 1, LEADING - 1
        saved = self.column_width
        for row in rows:
            bold = row[0] == "#"
            cells = []
            for cell, width in zip(row, widths, strict=True):
                self.column_width = width - 6
                cells.append(self._wrap([(w, bold) for w in cell.split()], size, False, hyphenate=False))
            height = max(len(c) for c in cells) * leading + 6
            if self.y - height < self.bottom:
                self._new_page()
            x = MARGIN
            for lines, width in zip(cells, widths, strict=True):
                for k, line in enumerate(lines):
                    self._draw(line, size, justify=False, x=x + 3, y=self.y - 1 - (k + 1) * leading)
                self.canvas.line(x, self.y, x, self.y - height)
                x += width
            self.canvas.line(MARGIN + full, self.y, MARGIN + full, self.y - height)
            self.canvas.line(MARGIN, self.y, MARGIN + full, self.y)
            self.canvas.line(MARGIN, self.y - height, MARGIN + full, self.y - height)
            self.y -= height
        self.column_width = saved
        self.top = self.y - 12  # the columns of the rest of the page start below the table
        self.column, self.y = 0, self.top

    def _wrap(
        self, words: list[tuple[str, bool]], size: float, force_bold: bool, hyphenate: bool = True
    ) -> list[list[tuple[str, bool]]]:
        lines: list[list[tuple[str, bool]]] = [[]]
        used = 0.0
        space = stringWidth(" ", BODY, size)
        queue = [(w, b or force_bold) for w, b in words]
        while queue:
            word, bold = queue.pop(0)
            font = BOLD if bold else BODY
            width = _width(word, font, size)
            if not lines[-1] and width > self.column_width:
                # A token longer than the column (a URL) is broken where the column ends.
                cut = max(n for n in range(1, len(word)) if _width(word[:n], font, size) <= self.column_width)
                lines[-1].append((word[:cut], bold))
                queue.insert(0, (word[cut:], bold))
                lines.append([])
                continue
            if not lines[-1] or used + space + width <= self.column_width:
                used += (space if lines[-1] else 0) + width
                lines[-1].append((word, bold))
                continue
            # Hyphenate at a line end when a first part fits (pyphen's break points).
            room = self.column_width - used - space
            splits = (
                []
                if "/" in word or not word.isalpha() or not hyphenate
                else list(self.hyphenator.iterate(word))
            )
            fitting = next(((h, t) for h, t in splits if _width(h + "-", font, size) <= room), None)
            if fitting:
                lines[-1].append((fitting[0] + "-", bold))
                queue.insert(0, (fitting[1], bold))
            else:
                queue.insert(0, (word, bold))
            lines.append([])
            used = 0.0
        return [line for line in lines if line]

    def _draw(
        self,
        line: list[tuple[str, bool]],
        size: float,
        justify: bool,
        x: float | None = None,
        y: float | None = None,
    ) -> None:
        """One line at the column's left edge and the current baseline, or at (x, y)."""
        widths = [_width(w, BOLD if b else BODY, size) for w, b in line]
        gap = stringWidth(" ", BODY, size)
        if justify and len(line) > 1:
            gap = (self.column_width - sum(widths)) / (len(line) - 1)
        x = self.x() if x is None else x
        baseline = self.y if y is None else y
        for word, bold in line:
            font = BOLD if bold else BODY
            for part, raised in _superscript_runs(word):
                # Footnote marks as printers set them: plain digits, smaller and raised.
                part_size = size * 0.6 if raised else size
                self.canvas.setFont(font, part_size)
                self.canvas.drawString(x, baseline + (size * 0.35 if raised else 0), part)
                x += stringWidth(part, font, part_size)
            x += gap


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _superscript_runs(word: str) -> list[tuple[str, bool]]:
    return [
        (m.group().translate(_SUPERSCRIPTS), m.group()[0] in "⁰¹²³⁴⁵⁶⁷⁸⁹")
        for m in re.finditer(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|[^⁰¹²³⁴⁵⁶⁷⁸⁹]+", word)
    ]


def _width(word: str, font: str, size: float) -> float:
    return sum(
        stringWidth(part, font, size * 0.6 if raised else size) for part, raised in _superscript_runs(word)
    )


def render(text: str, out: Path, columns: int = 2, password: str | None = None) -> RenderInfo:
    """Lay out a corpus text as a newsletter PDF at `out`."""
    canvas = Canvas(str(out), pagesize=A4, encrypt=password, invariant=1)
    layout = _Layout(canvas, columns)
    table: list[list[str]] = []
    for paragraph in paragraphs(text):
        if paragraph.kind == "row":
            table.append(paragraph.cells)
            continue
        if table:
            layout.table(table)
            table = []
        if paragraph.kind == "title" and layout.page == 1 and layout.column == 0:
            layout.title(paragraph)
        else:
            layout.flow(paragraph)
    if table:
        layout.table(table)
    canvas.showPage()
    canvas.save()
    layout.info.pages = layout.page
    return layout.info
