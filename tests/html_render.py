"""Render a corpus text as a designed newsletter: HTML with CSS, printed by real PDF producers.

The reportlab renderer (tests/pdf_render.py) draws every glyph itself, so its PDFs have only the
hazards it was written to have. The PDFs of this module come from the producers that print real
newsletters: headless Chromium (print to PDF) and, where it is installed, WeasyPrint. They bring
what a browser engine does to text and what a designer asks for in CSS:

- columns: `columns: 2` or `3`, `column-rule` (a drawn line between columns), justified text;
- soft hyphens (U+00AD, inserted with pyphen at its break points) with `hyphens: manual`, so the
  producer decides where words break and what it prints for the break points it does not use;
- fonts from Debian's packages (DejaVu Serif for the body: subset TrueType with fi and fl
  ligatures and kerning; DejaVu Sans Bold for headings);
- a full-width title block (`column-span: all`) with a coloured subtitle line;
- banners: each upper-case section heading after the title block becomes a shaded bar across
  the page (`column-span: all`), short text on a filled rectangle, between two runs of columns,
  often followed at once by a bold heading of nearly the same size;
- a shaded, bordered box around the first paragraph after each banner;
- a running header and page numbers in `@page` margin boxes;
- tab-separated rows as a ruled HTML table.

Example: `render_html(text, columns=2)` gives the HTML; `print_pdf(html, out, "chromium")` prints it.
The text itself is never changed: every word of the corpus text is printed once, in order.
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pyphen
from tests.pdf_render import HEADER, Paragraph, paragraphs

PRODUCERS = ("chromium", "weasyprint")
SOFT_HYPHEN = "\u00ad"
MIN_HYPHENATED_LENGTH = 6  # shorter words get no soft hyphens
# A heading is a banner when nearly all its letters are capitals ("MAIN MEETINGS BY ISCMs"), it
# has a few words and no comma (not a list of acronyms that continues a line).
BANNER_CAPITALS = 0.8
BANNER_MIN_WORDS = 2

CSS = """
@page {
  size: A4;
  margin: 22mm 17mm 20mm 17mm;
  @top-center { content: "%(header)s"; font: 7pt "DejaVu Sans"; color: #555; }
  @bottom-center { content: "Page " counter(page); font: 7pt "DejaVu Sans"; color: #555; }
}
html { font-family: "DejaVu Serif", serif; font-size: 8.5pt; line-height: 1.3;
       font-kerning: normal; font-variant-ligatures: common-ligatures; }
body { margin: 0; }
.flow { columns: %(columns)d; column-gap: 16pt; column-rule: 0.6pt solid #7a8ca0; }
p { margin: 0 0 4pt 0; text-align: justify; hyphens: manual; -webkit-hyphens: manual;
    overflow-wrap: anywhere; orphans: 1; widows: 1; }
h2 { font: bold 9.5pt "DejaVu Sans", sans-serif; margin: 7pt 0 3pt 0; text-align: left; }
.title { column-span: all; margin-bottom: 10pt; padding-bottom: 6pt; border-bottom: 1.5pt solid #1f4e79; }
.title p { text-align: left; font: 9.5pt "DejaVu Sans", sans-serif; margin: 0 0 2pt 0; }
.title p.masthead { font: bold 16pt "DejaVu Sans", sans-serif; color: #1f4e79; margin-top: 4pt; }
.title p.subtitle { color: #c0504d; font-weight: bold; }
.banner { column-span: all; background: #1f4e79; color: #ffffff; font: bold 9.5pt "DejaVu Sans", sans-serif;
          padding: 3pt 6pt; margin: 0; text-align: left; }
.box { background: #e8eef5; border: 0.8pt solid #9fb3c8; padding: 4pt 5pt; margin: 2pt 0 6pt 0; }
.box p { margin: 0; }
sup { font-size: 60%%; line-height: 0; }
table { column-span: all; border-collapse: collapse; width: 100%%; margin: 6pt 0; font-size: 7.5pt; }
td { border: 0.6pt solid #000; padding: 2pt 3pt; vertical-align: top; text-align: left; }
tr.header td { font-weight: bold; }
"""


def _hyphenated(word: str, hyphenator: pyphen.Pyphen) -> str:
    """A word with soft hyphens at pyphen's break points (letters only; URLs and numbers as they are)."""
    if len(word) < MIN_HYPHENATED_LENGTH or not word.isalpha():
        return word
    return str(hyphenator.inserted(word, hyphen=SOFT_HYPHEN))


_SUPERSCRIPT = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _word_html(word: str, hyphenator: pyphen.Pyphen | None) -> str:
    """One word as HTML: footnote digits as <sup>, a letter run with soft hyphens."""
    out, position = [], 0
    for match in _SUPERSCRIPT.finditer(word):
        out.append(_letters_html(word[position : match.start()], hyphenator))
        out.append(f"<sup>{match.group().translate(_PLAIN_DIGITS)}</sup>")
        position = match.end()
    out.append(_letters_html(word[position:], hyphenator))
    return "".join(out)


def _letters_html(text: str, hyphenator: pyphen.Pyphen | None) -> str:
    if hyphenator is None:
        return html.escape(text)
    # Hyphenate the letter runs inside a token ("(thematic" -> "(the\xadmat\xadic").
    return "".join(
        _hyphenated(part, hyphenator) if part.isalpha() else html.escape(part)
        for part in re.split(r"([A-Za-z]+)", text)
        if part
    )


def _inline(words: list[tuple[str, bool]], hyphenator: pyphen.Pyphen | None) -> str:
    """Words joined by spaces, bold runs in <b>."""
    out: list[str] = []
    bold_open = False
    for n, (word, bold) in enumerate(words):
        if bold != bold_open:
            out.append("<b>" if bold else "</b>")
            bold_open = bold
        out.append(("" if n == 0 else " ") + _word_html(word, hyphenator))
    if bold_open:
        out.append("</b>")
    # A space before a closing tag belongs outside it.
    return "".join(out).replace(" </b>", "</b> ").replace("<b> ", " <b>")


def _is_banner(paragraph: Paragraph) -> bool:
    letters = [c for w, _ in paragraph.words for c in w if c.isalpha()]
    return (
        len(paragraph.words) >= BANNER_MIN_WORDS
        and not any("," in w for w, _ in paragraph.words)
        and sum(c.isupper() for c in letters) >= BANNER_CAPITALS * len(letters)
    )


def render_html(text: str, columns: int = 2) -> str:
    """The corpus text as a newsletter page in HTML (see the module docstring for the layout)."""
    hyphenator = pyphen.Pyphen(lang="en_US")
    parts = paragraphs(text)
    title = [p for p in parts if p.kind == "title"]
    body = [p for p in parts if p.kind != "title"]
    out = ['<div class="title">']
    for paragraph in title:
        line = " ".join(w for w, _ in paragraph.words)
        css = "masthead" if "Highlights" in line else "subtitle" if re.search(r"\d{4}", line) else ""
        out.append(f'<p class="{css}">{_inline(paragraph.words, None)}</p>')
    out.append("</div>")
    flow_open = False
    box_next = True  # the first paragraph of the document and the first after each banner
    table: list[list[str]] = []

    def open_flow() -> None:
        nonlocal flow_open
        if not flow_open:
            out.append('<div class="flow">')
            flow_open = True

    def close_flow() -> None:
        nonlocal flow_open
        if flow_open:
            out.append("</div>")
            flow_open = False

    def flush_table() -> None:
        if not table:
            return
        close_flow()
        out.append("<table>")
        for row in table:
            header = ' class="header"' if row and row[0] == "#" else ""
            cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
            out.append(f"<tr{header}>{cells}</tr>")
        out.append("</table>")
        table.clear()

    for paragraph in body:
        if paragraph.kind == "row":
            table.append(paragraph.cells)
            continue
        flush_table()
        if paragraph.kind == "heading" and _is_banner(paragraph):
            close_flow()
            out.append(f'<div class="banner">{_inline(paragraph.words, None)}</div>')
            box_next = True
            continue
        open_flow()
        if paragraph.kind == "heading":
            out.append(f"<h2>{_inline(paragraph.words, None)}</h2>")
        elif box_next:
            out.append(f'<div class="box"><p>{_inline(paragraph.words, hyphenator)}</p></div>')
            box_next = False
        else:
            out.append(f"<p>{_inline(paragraph.words, hyphenator)}</p>")
    flush_table()
    close_flow()
    css = CSS % {"columns": columns, "header": HEADER}
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>ISCM Highlights</title>'
        f"<style>{css}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n"
    )


# --- producers ------------------------------------------------------------------------------------


def chromium_command() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@functools.cache
def producer_version(producer: str) -> str:
    """The producer's version: part of the cache key, so that a new producer renders anew."""
    if producer == "chromium":
        command = chromium_command()
        if command is None:
            raise RuntimeError("chromium is not installed (make test installs Debian's chromium)")
        done = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
        return done.stdout.strip()
    if producer == "weasyprint":
        import weasyprint

        return f"WeasyPrint {weasyprint.__version__}"
    raise ValueError(f"unknown producer {producer!r}")


def _print_chromium(page: str, out: Path) -> None:
    command = chromium_command()
    if command is None:
        raise RuntimeError("chromium is not installed (make test installs Debian's chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page, encoding="utf-8")
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
        ]
        done = subprocess.run(
            [command, *flags, source.as_uri()], capture_output=True, text=True, timeout=120, check=False
        )
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        raise RuntimeError(f"chromium could not print {out.name}: {done.stderr[-500:]}")


def _print_weasyprint(page: str, out: Path) -> None:
    import weasyprint

    weasyprint.HTML(string=page).write_pdf(out)


def print_pdf(page: str, out: Path, producer: str, cache: Path | None = None) -> Path:
    """Print an HTML page to `out` with the producer. With `cache`, a page printed before by the
    same producer version is copied from there (keyed by the sha256 of page and version)."""
    key = hashlib.sha256(f"{producer_version(producer)}\n{page}".encode()).hexdigest()[:24]
    cached = cache / f"{producer}-{key}.pdf" if cache is not None else None
    if cached is not None and cached.exists():
        shutil.copyfile(cached, out)
        return out
    {"chromium": _print_chromium, "weasyprint": _print_weasyprint}[producer](page, out)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(out, partial)
        partial.replace(cached)
    return out


def render(text: str, out: Path, producer: str, columns: int = 2, cache: Path | None = None) -> Path:
    """Lay out a corpus text as a newsletter and print it to `out` with the producer."""
    return print_pdf(render_html(text, columns), out, producer, cache)
