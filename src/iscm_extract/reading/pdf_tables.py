"""A page's ruled tables, read apart from its running text.

pdfplumber's table finder runs on the page's rules: lines and thin rectangles (at most
`table_rule_max_thickness`), never the filled bars of banners and boxes. A table it finds is
read apart only when it is a real grid: at least `table_min_rows` rows and `table_min_columns`
columns, no sliver column (a column rule drawn as a thin rectangle), most cells with text, and
no word crossing a cell border. Each row becomes one line of tab-separated cells, a cell's
wrapped lines joined, as a text converter writes them:

  | Country | Meetings  |        "Country\tMeetings"
  | Kenya   | 3 regional|   ->   "Kenya\t3 regional meetings"
  |         | meetings  |

The page's other words are read around it: `regions` cuts a page's rows at its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iscm_extract.reading.pdf_glyphs import UNMAPPED, Word
from iscm_extract.reading.pdf_rows import Row
from iscm_extract.reading.pdf_settings import LayoutSettings


@dataclass(frozen=True)
class Table:
    """A ruled table of page `page` (from 0), its box in PDF points from the top left."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[list[str]]  # cells, each with its wrapped lines joined

    @property
    def text(self) -> str:
        return "\n".join("\t".join(row) for row in self.rows)


def _cell_text(cell: str | None) -> str:
    """A cell's lines as one line: a line that ends in a hyphen runs on without a space."""
    lines = [line.strip() for line in (cell or "").split("\n") if line.strip()]
    text = ""
    for line in lines:
        text += line if not text or text.endswith("-") else f" {line}"
    return UNMAPPED.sub("\ufffd", text)


def _is_rule(shape: dict[str, Any], settings: LayoutSettings) -> bool:
    """A line, a stroked rectangle (a border), or a rectangle thin enough to be drawn as a rule;
    never the filled area of a banner or a shaded box, whose edges are no table's."""
    if shape["object_type"] != "rect" or shape.get("stroke"):
        return True
    thickness = min(shape["x1"] - shape["x0"], shape["bottom"] - shape["top"])
    return bool(thickness <= settings.table_rule_max_thickness)


def _real_grid(table: Any, rows: list[list[str]], words: list[Word], settings: LayoutSettings) -> bool:
    """Whether a table the finder saw is a ruled table: enough rows and columns, no sliver
    column, most cells with text, and no word cut by a cell border (a column rule crossing a
    banner is no cell border)."""
    columns = max((len(r) for r in rows), default=0)
    cells = [cell for row in rows for cell in row]
    if len(rows) < settings.table_min_rows or columns < settings.table_min_columns:
        return False
    if sum(bool(c) for c in cells) < settings.table_min_filled_share * len(cells):
        return False
    tolerance = settings.table_cell_tolerance
    for x0, top, x1, bottom in table.cells:
        if x1 - x0 < settings.table_min_column_width:
            return False
        for word in words:
            if not top <= (word.top + word.bottom) / 2 <= bottom:
                continue
            for border in (x0, x1):
                if word.x0 + tolerance < border < word.x1 - tolerance:
                    return False
    return True


def page_tables(page: Any, words: list[Word], page_number: int, settings: LayoutSettings) -> list[Table]:
    """The page's ruled tables that are real grids, top to bottom."""
    ruled = page.filter(lambda obj: obj["object_type"] != "rect" or _is_rule(obj, settings))
    found = []
    for table in ruled.find_tables():
        cells = table.extract(x_tolerance=settings.table_x_tolerance)
        rows = [[_cell_text(cell) for cell in row] for row in cells]
        if not _real_grid(table, rows, words, settings):
            continue
        x0, top, x1, bottom = table.bbox
        found.append(Table(page_number, x0, top, x1, bottom, rows))
    return sorted(found, key=lambda table: table.top)


def inside(word: Word, table: Table) -> bool:
    """Whether the word's middle lies within the table's box."""
    middle_x, middle_y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
    return table.x0 <= middle_x <= table.x1 and table.top <= middle_y <= table.bottom


def regions(rows: list[Row], tables: list[Table]) -> list[list[Row] | Table]:
    """A page's rows cut at its tables: the rows above the first table, the table, and so on."""
    pieces: list[list[Row] | Table] = []
    for table in tables:
        pieces.append([r for r in rows if r.top < table.top])
        pieces.append(table)
        rows = [r for r in rows if r.top >= table.top]
    return [*pieces, rows]
