"""The two PDF readers (src/iscm_extract/pdf_chars.py) held to each other on every PDF the test
suite renders or holds: with `--pdf-reader pdfium` the sections, meetings and themes rows are
those of pdfplumber, the reference, or the difference is an xfail that says why. Then the pdfium
char source itself: a char's box, font name, size and colour as pdfminer has them, bold from the
font name, ligature glyphs, shapes, rotated pages, pages closed after use; the reader as a
setting, a command-line option and part of the cache key.

The corpus renders (reportlab in two and three columns; Chromium and WeasyPrint printing the
parity newsletters) and their pdfplumber runs are conftest.py's session fixtures, shared with
tests/test_pdf.py and tests/test_pdf_producers.py: only the pdfium runs are made here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pypdfium2
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from tests import html_render
from tests.conftest import (
    DOCUMENTS,
    LAYOUTS,
    PARITY_TEXTS,
    PRODUCERS,
    RAW,
    ROOT,
    PdfRun,
    extract_folder,
)
from tests.helpers import (
    PAGES,
    PARTICIPANT_TABLE,
    REPORT_HEAD,
    SMALL_NEWSLETTER,
    chromium_page,
    image_only_pdf,
)
from tests.pdf_render import RenderInfo, render

from iscm_extract import cli, pipeline
from iscm_extract.reading import pdf, pdf_chars
from iscm_extract.rules import Rules
from iscm_extract.tables import cache

PDFIUM = dataclasses.replace(pdf.DEFAULT_SETTINGS, reader="pdfium")
COMPARED = ("sections", "meetings", "themes")
REPORT = "grcp9-summary-report-2021"
ARROW = "\u21d2"  # the report's "⇒", which Helvetica has no glyph for
ARROWS_XFAIL = (
    "reportlab writes the report's U+21D2 arrows in Helvetica, a standard font without that glyph "
    "and without a ToUnicode map: pdfminer cannot decode the codes (its text has U+FFFD, and a "
    "warning), pdfium maps them through its own font tables back to U+21D2; the section's text "
    "differs at those characters only (test_where_the_readers_differ_pdfium_reads_the_arrows)"
)


# --- the corpus renders: the same rows -------------------------------------------------------------


@dataclass(frozen=True)
class ReaderRuns:
    """One folder of PDFs extracted by each reader: the output folders."""

    pdfplumber: Path
    pdfium: Path


@pytest.fixture(scope="session")
def reader_runs(
    rendered: dict[int, tuple[Path, dict[str, RenderInfo]]],
    pdf_runs: dict[int, PdfRun],
    producer_pdfs: dict[tuple[str, int], Path],
    producer_runs: dict[tuple[str, int], Path],
    tmp_path_factory: pytest.TempPathFactory,
    rules: Rules,
) -> dict[str, ReaderRuns]:
    """Every corpus render extracted with pdfium, beside the pdfplumber run of the same files:
    {"reportlab2": ..., "chromium3": ...} (the producers' reportlab renders are the same files
    as `rendered`'s, so they are not read twice)."""
    runs = {}
    for columns, (folder, _) in rendered.items():
        out = extract_folder(folder, tmp_path_factory.mktemp(f"pdfium-reportlab{columns}"), rules, "pdfium")
        runs[f"reportlab{columns}"] = ReaderRuns(pdf_runs[columns].out, out)
    for (producer, columns), folder in producer_pdfs.items():
        if producer != "reportlab":
            out = extract_folder(
                folder, tmp_path_factory.mktemp(f"pdfium-{producer}{columns}"), rules, "pdfium"
            )
            runs[f"{producer}{columns}"] = ReaderRuns(producer_runs[producer, columns], out)
    return runs


def _rows(out: Path, table: str, doc: str) -> pd.DataFrame:
    rows = pd.read_parquet(out / f"{table}.parquet")
    return rows[rows["doc_id"] == doc].reset_index(drop=True)


def _cases() -> list[Any]:
    """(renders, doc, table) for every corpus render and compared table; the report's sections in
    reportlab's renders are the known difference."""
    docs = [(f"reportlab{columns}", doc) for columns in LAYOUTS for doc in DOCUMENTS]
    docs += [
        (f"{producer}{columns}", path.stem)
        for producer, columns in PRODUCERS
        if producer != "reportlab"
        for path in PARITY_TEXTS
    ]
    cases = []
    for renders, doc in docs:
        for table in COMPARED:
            xfail = renders.startswith("reportlab") and doc == REPORT and table == "sections"
            marks = [pytest.mark.xfail(strict=True, reason=ARROWS_XFAIL)] if xfail else []
            cases.append(pytest.param(renders, doc, table, marks=marks, id=f"{renders}-{doc}-{table}"))
    return cases


@pytest.mark.parametrize(("renders", "doc", "table"), _cases())
def test_pdfium_gives_the_rows_of_pdfplumber(
    reader_runs: dict[str, ReaderRuns], renders: str, doc: str, table: str
) -> None:
    runs = reader_runs[renders]
    expected, found = _rows(runs.pdfplumber, table, doc), _rows(runs.pdfium, table, doc)
    pd.testing.assert_frame_equal(found, expected)


@pytest.mark.parametrize("renders", sorted({case.values[0] for case in _cases()}))
def test_the_compared_rows_are_there(reader_runs: dict[str, ReaderRuns], renders: str) -> None:
    """Every render's documents have rows to compare: a newsletter sections, meetings and themes,
    the report and the survey their sections."""
    for doc in pd.read_parquet(reader_runs[renders].pdfplumber / "documents.parquet")["doc_id"]:
        counts = {table: len(_rows(reader_runs[renders].pdfplumber, table, doc)) for table in COMPARED}
        newsletter = doc.startswith("iscm-highlights")
        assert counts["sections"] > 0 and (not newsletter or min(counts.values()) > 0), (doc, counts)


@pytest.mark.parametrize("columns", LAYOUTS)
def test_where_the_readers_differ_pdfium_reads_the_arrows(
    reader_runs: dict[str, ReaderRuns], columns: int
) -> None:
    """The report's sections differ only where pdfminer read U+FFFD and pdfium the arrow; the
    pdfplumber run warns of the glyphs it could not read, the pdfium run has nothing to warn of."""
    runs = reader_runs[f"reportlab{columns}"]
    expected, found = _rows(runs.pdfplumber, "sections", REPORT), _rows(runs.pdfium, "sections", REPORT)
    others = [c for c in expected.columns if c != "text"]
    pd.testing.assert_frame_equal(found[others], expected[others])
    differing = [
        (a, b)
        for old, new in zip(expected["text"], found["text"], strict=True)
        for a, b in zip(old, new, strict=True)
        if a != b
    ]
    assert differing and set(differing) == {("\ufffd", ARROW)}
    assert ARROW in (RAW / f"{REPORT}.txt").read_text(encoding="utf-8")  # the text has the arrows
    warnings = {
        reader: _rows(out, "problems", REPORT)["message"].tolist()
        for reader, out in (("pdfplumber", runs.pdfplumber), ("pdfium", runs.pdfium))
    }
    assert warnings["pdfium"] == [] and len(warnings["pdfplumber"]) == 1
    assert f"{len(differing)} glyphs without a Unicode mapping" in warnings["pdfplumber"][0]


# --- the other PDFs the tests render or hold --------------------------------------------------------


def _reportlab(text: str, name: str, columns: int) -> Callable[[Path, Path], Path]:
    def make(folder: Path, render_cache: Path) -> Path:
        render(text, folder / name, columns)
        return folder / name

    return make


def _chromium(name: str, renamed: str | None = None) -> Callable[[Path, Path], Path]:
    def make(folder: Path, render_cache: Path) -> Path:
        page = chromium_page(name, folder, render_cache)
        return page.rename(folder / renamed) if renamed else page

    return make


def _held(path: Path) -> Callable[[Path, Path], Path]:
    def make(folder: Path, render_cache: Path) -> Path:
        return Path(shutil.copyfile(path, folder / path.name))

    return make


_RULED_REPORT = REPORT_HEAD + "Opening remarks were given by the Chair. " * 30 + "\n\n" + PARTICIPANT_TABLE
# tests/test_pdf.py's small PDFs, tests/test_pdf_producers.py's failure-class pages (the one read
# as a newsletter under the name it is read by there), and any PDF in raw/ or tests/ (none today).
SMALL_PDFS: dict[str, Callable[[Path, Path], Path]] = {
    **{f"ruled-table-{c}": _reportlab(_RULED_REPORT, "report.pdf", c) for c in LAYOUTS},
    **{f"new-newsletter-{c}": _reportlab(SMALL_NEWSLETTER * 8, "new.pdf", c) for c in (1, 2, 3)},
    **{
        f"chromium-{name}": _chromium(
            name, "iscm-highlights-2031.pdf" if name == "banner-and-heading" else None
        )
        for name in PAGES
    },
    **{
        f"held-{path.name}": _held(path)
        for path in sorted([*RAW.glob("*.pdf"), *(ROOT / "tests").rglob("*.pdf")])
    },
}


@pytest.mark.parametrize("name", SMALL_PDFS)
def test_pdfium_reads_every_other_pdf_as_pdfplumber(
    tmp_path: Path, render_cache: Path, rules: Rules, name: str
) -> None:
    """The same text layer (text, bold, pages) and the same sections, meetings and themes."""
    path = SMALL_PDFS[name](tmp_path, render_cache)
    assert pdf.read(path, PDFIUM) == pdf.read(path)
    results = {
        reader: pipeline.extract_document(path, rules, pdf_reader=reader)
        for reader in ("pdfplumber", "pdfium")
    }
    expected, found = results["pdfplumber"], results["pdfium"]
    assert found.document.text == expected.document.text
    assert found.sections == expected.sections and found.meetings == expected.meetings
    assert found.facts.themes == expected.facts.themes


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj <<\x00\x9c garbage"), "not a readable PDF ("),
        (lambda p: render("ISCM Highlights\n\nText.", p, password="secret"), "password-protected PDF: "),
        (image_only_pdf, "PDF without a text layer (a scanned document?): nothing to extract"),
    ],
    ids=["corrupt", "locked", "scanned"],
)
def test_a_bad_pdf_fails_alike_in_both_readers(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "bad.pdf"
    make(path)
    for settings in (pdf.DEFAULT_SETTINGS, PDFIUM):
        with pytest.raises(pdf.PdfError) as raised:
            pdf.read(path, settings)
        assert str(raised.value).startswith(message), (settings.reader, str(raised.value))


# --- the pdfium char source -------------------------------------------------------------------------

_NUMBERS = ("x0", "x1", "top", "bottom", "doctop", "size")


def _draw(path: Path, *draws: Callable[[Canvas], object], rotation: int = 0) -> Path:
    """A PDF of one page per function, each drawing on a reportlab canvas."""
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    for draw in draws:
        if rotation:
            canvas.setPageRotation(rotation)
        draw(canvas)
        canvas.showPage()
    canvas.save()
    return path


def _objects(path: Path, reader: str, kind: str) -> list[list[dict[str, Any]]]:
    """Each page's objects of one kind ("char", "rect", ...), read while the page is open."""
    return [list(page.objects.get(kind, [])) for page in pdf_chars.pages(path, reader)]


def _rgb(colour: tuple[float, ...]) -> tuple[float, ...]:
    """pdfminer's colour (grey, RGB) as pdfium's RGB."""
    return colour * 3 if len(colour) == 1 else colour


def _assert_same_chars(path: Path) -> list[dict[str, Any]]:
    """pdfium's chars are pdfplumber's: text, font name, upright and colour equal, the box and
    size within 1/1000 pt. pdfium's, all pages, for further checks."""
    expected, found = _objects(path, "pdfplumber", "char"), _objects(path, "pdfium", "char")
    assert [len(p) for p in found] == [len(p) for p in expected] and sum(map(len, found)) > 0
    for old, new in zip((c for p in expected for c in p), (c for p in found for c in p), strict=True):
        assert (new["text"], new["fontname"], new["upright"]) == (
            old["text"],
            old["fontname"],
            old["upright"],
        )
        assert [new[k] for k in _NUMBERS] == pytest.approx([old[k] for k in _NUMBERS], abs=1e-3), new
        assert new["non_stroking_color"] == pytest.approx(_rgb(old["non_stroking_color"]), abs=0.003)
    return [c for p in found for c in p]


def _fonts_and_sizes(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0.2, 0.4, 0.6)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 700, "Migration")
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(72, 650, "Dialogue")
    canvas.saveState()
    canvas.scale(0.5, 0.5)  # a text matrix at half scale: 20 pt type prints 10 pt high
    canvas.setFont("Times-Roman", 20)
    canvas.drawString(144, 1200, "scaled")
    canvas.restoreState()


def test_a_char_has_pdfminers_box_font_size_and_colour(tmp_path: Path) -> None:
    chars = _assert_same_chars(_draw(tmp_path / "fonts.pdf", _fonts_and_sizes))
    first = chars[0]
    assert first["text"] == "M" and first["fontname"] == "Helvetica" and first["size"] == 12
    # x from the origin along the advance (Helvetica's M: 833/1000 em); y from the AFM descent
    # (-207/1000 em) to one type size above it, measured from the top of the A4 page
    assert (first["x0"], first["x1"]) == pytest.approx((72, 72 + 0.833 * 12))
    assert (first["top"], first["bottom"]) == pytest.approx(
        (A4[1] - 700 + 0.207 * 12 - 12, A4[1] - 700 + 0.207 * 12)
    )
    assert first["non_stroking_color"] == pytest.approx((0.2, 0.4, 0.6), abs=0.003) and first["upright"]
    assert {c["fontname"] for c in chars if c["text"] == "D"} == {"Helvetica-Bold"}
    assert {(c["fontname"], round(c["size"], 6)) for c in chars if c["text"] == "s"} == {("Times-Roman", 10)}


def test_bold_comes_from_the_font_name(tmp_path: Path) -> None:
    layer = pdf.read(_draw(tmp_path / "fonts.pdf", _fonts_and_sizes), PDFIUM)
    assert layer == pdf.read(tmp_path / "fonts.pdf")
    for word, bold in (("Migration", False), ("Dialogue", True), ("scaled", False)):
        at = layer.text.index(word)
        assert layer.bold[at : at + len(word)] == [bold] * len(word), word


def test_a_ligature_is_one_char_as_wide_as_its_glyph(tmp_path: Path, render_cache: Path) -> None:
    """Chromium maps DejaVu's "ff" glyph to U+FB00, which pdfium spells as two letters: one char
    here, from the glyph's origin to the next glyph's. WeasyPrint maps the glyph to nothing where
    a soft hyphen falls inside it ("af-fairs"): no text in either reader, and pdf.py spells it
    from the word it makes."""
    words = "official affairs effective office"
    page = '<p style="font: 11pt DejaVu Serif">{}</p>'
    chromium = html_render.print_pdf(page.format(words), tmp_path / "c.pdf", "chromium", render_cache)
    expected = [c for c in _objects(chromium, "pdfplumber", "char")[0] if c["text"] == "\ufb00"]
    found = [c for c in _objects(chromium, "pdfium", "char")[0] if c["text"] == "ff"]
    assert len(found) == len(expected) == 4
    for old, new in zip(expected, found, strict=True):
        assert (new["x0"], new["x1"]) == pytest.approx((old["x0"], old["x1"]), abs=0.02)
    assert words in pdf.read(chromium, PDFIUM).text == pdf.read(chromium).text
    hyphenated = words.replace("ff", "f\u00adf")
    weasyprint = html_render.print_pdf(
        page.format(hyphenated), tmp_path / "w.pdf", "weasyprint", render_cache
    )
    unmapped = {
        reader: [
            c["x0"]
            for c in _objects(weasyprint, reader, "char")[0]
            if not c["text"] or c["text"].startswith("(cid:")
        ]
        for reader in ("pdfplumber", "pdfium")
    }
    assert len(unmapped["pdfium"]) == 4 and unmapped["pdfium"] == pytest.approx(unmapped["pdfplumber"])
    assert words in pdf.read(weasyprint, PDFIUM).text == pdf.read(weasyprint).text


def _turned(canvas: Canvas) -> None:
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 500, "across the page")
    canvas.saveState()
    canvas.translate(300, 300)
    canvas.rotate(90)
    canvas.drawString(0, 0, "up the page")
    canvas.restoreState()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotated_pages_and_rotated_text_are_placed_as_pdfminer_places_them(
    tmp_path: Path, rotation: int
) -> None:
    chars = _assert_same_chars(_draw(tmp_path / "turned.pdf", _turned, rotation=rotation))
    assert {c["upright"] for c in chars} == {True, False}  # text across, text up, on any page


def _shapes(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0.1, 0.3, 0.5)
    canvas.rect(50, 700, 400, 20, stroke=0, fill=1)  # a banner's bar
    canvas.rect(50, 500, 200, 150, stroke=1, fill=0)  # a box's border
    canvas.line(300, 480, 300, 680)  # a column rule
    canvas.bezier(60, 100, 120, 200, 180, 0, 240, 100)  # a curve
    path = canvas.beginPath()  # two subpaths in one path: a rectangle and a triangle
    path.rect(320, 100, 50, 50)
    path.moveTo(400, 100)
    path.lineTo(450, 100)
    path.lineTo(425, 150)
    path.close()
    canvas.drawPath(path, stroke=1, fill=1)
    canvas.beginForm("rule")  # a form XObject drawn twice, moved: its shapes in page space
    canvas.rect(0, 0, 100, 0.5, stroke=0, fill=1)
    canvas.endForm()
    for y in (300, 320):
        canvas.saveState()
        canvas.translate(350, y)
        canvas.doForm("rule")
        canvas.restoreState()


def test_shapes_are_pdfminers_rects_lines_and_curves(tmp_path: Path) -> None:
    path = _draw(tmp_path / "shapes.pdf", _shapes)
    keys = ("x0", "x1", "top", "bottom")
    for kind, count in (("rect", 5), ("line", 1), ("curve", 2)):
        expected, found = (
            sorted(_objects(path, reader, kind)[0], key=lambda s: (s["top"], s["x0"]))
            for reader in ("pdfplumber", "pdfium")
        )
        assert len(found) == len(expected) == count, kind
        for old, new in zip(expected, found, strict=True):
            assert [new[k] for k in keys] == pytest.approx([old[k] for k in keys], abs=1e-3), (kind, new)
            assert (new["fill"], new["stroke"]) == (old["fill"], old["stroke"]), (kind, new)
            flat = [[v for point in shape["pts"] for v in point] for shape in (old, new)]
            assert flat[1] == pytest.approx(flat[0], abs=1e-3), (kind, new)


def test_each_page_is_closed_once_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pdfplumber: a page's layout and objects go when the next page is read. pdfium: each page
    and its text page are closed before the page is handed on."""
    path = _draw(tmp_path / "three.pdf", *[_fonts_and_sizes] * 3)
    source = pdf_chars.pages(path, "pdfplumber")
    first = next(source)
    assert first.chars and hasattr(first, "_layout")
    second = next(source)
    assert not hasattr(first, "_layout") and not hasattr(first, "_objects") and second.chars
    source.close()
    closed = {"page": 0, "textpage": 0}
    for kind, cls in (("page", pypdfium2.PdfPage), ("textpage", pypdfium2.PdfTextPage)):

        def counting(self: Any, *args: Any, _kind: str = kind, _close: Any = cls.close) -> Any:
            closed[_kind] += 1
            return _close(self, *args)

        monkeypatch.setattr(cls, "close", counting)
    for number, page in enumerate(pdf_chars.pages(path, "pdfium"), 1):
        assert closed == {"page": number, "textpage": number} and page.chars


# --- the reader: a setting, an option, part of the cache key ------------------------------------------


def test_the_reader_is_a_checked_setting() -> None:
    assert pdf.DEFAULT_SETTINGS.reader == "pdfplumber" and PDFIUM.reader == "pdfium"
    with pytest.raises(ValueError, match="reader"):
        pdf.LayoutSettings(reader="pdfminer")
    with pytest.raises(ValueError, match="unknown PDF reader"):
        next(pdf_chars.pages(Path("any.pdf"), "pdfminer"))


def test_the_command_line_takes_the_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "raw"
    inputs.mkdir()
    render(SMALL_NEWSLETTER * 3, inputs / "iscm-highlights-2031.pdf", 2)
    outs = {}
    for reader in ("pdfplumber", "pdfium"):
        outs[reader] = tmp_path / reader
        args = ["extract", str(inputs), "--out", str(outs[reader]), "--no-cache", "--quiet"]
        assert cli.main([*args, "--pdf-reader", reader]) == 0
    for table in COMPARED:
        expected = pd.read_parquet(outs["pdfplumber"] / f"{table}.parquet")
        pd.testing.assert_frame_equal(pd.read_parquet(outs["pdfium"] / f"{table}.parquet"), expected)
    assert len(pd.read_parquet(outs["pdfium"] / "meetings.parquet")) > 0
    with pytest.raises(SystemExit) as raised:
        cli.main(["extract", str(inputs), "--pdf-reader", "pdfminer"])
    assert raised.value.code == 2 and "--pdf-reader" in capsys.readouterr().err


def test_the_cache_keeps_the_readers_apart(tmp_path: Path, rules: Rules) -> None:
    """A result read by one reader is not served to the other; a text input is served to both."""
    inputs = tmp_path / "raw"
    inputs.mkdir()
    render(SMALL_NEWSLETTER, inputs / "iscm-highlights-2031.pdf", 2)
    (inputs / "iscm-highlights-2032.txt").write_text(SMALL_NEWSLETTER, encoding="utf-8")
    extracted = []
    for reader in ("pdfplumber", "pdfium", "pdfium", "pdfplumber"):
        options = pipeline.RunOptions(cache_dir=tmp_path / "cache", pdf_reader=reader)
        extracted.append(pipeline.run([inputs], tmp_path / "out", rules, options).n_extracted)
    assert extracted == [2, 1, 0, 0]
    keys = {
        (reader, path.suffix): cache.ResultCache(tmp_path / "cache", rules.fingerprint, reader).entry_file(
            hashlib.sha256(path.read_bytes()).hexdigest(), path.stem, cache.is_pdf(path)
        )
        for reader in ("pdfplumber", "pdfium")
        for path in sorted(inputs.iterdir())
    }
    assert (
        keys["pdfplumber", ".pdf"] != keys["pdfium", ".pdf"]
        and keys["pdfplumber", ".txt"] == keys["pdfium", ".txt"]
    )
