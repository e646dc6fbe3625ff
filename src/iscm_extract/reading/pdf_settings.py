"""Every threshold of the PDF reader (pdf.py and its pdf_* modules), in one frozen, validated
settings object, as pdfplumber keeps its table finder's in `TableSettings`.

`LayoutSettings()` holds the defaults (`DEFAULT_SETTINGS`); a field changed with
`dataclasses.replace(DEFAULT_SETTINGS, reader="pdfium")` makes a new one, validated when it is
made: `LayoutSettings(gutter_min_width=-1)` raises ValueError ("layout setting gutter_min_width
must be positive, not -1"). Lengths are in PDF points; `_em` fields are shares of the type size;
`_ratio` and `_share` fields are shares of what their name says; a `_tolerance` may be 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# Where a PDF's characters come from (pdf_chars.py): pdfplumber, the reference, or pdfium, faster.
PDF_READERS = ("pdfplumber", "pdfium")
# Fields that are shares of something (at most 1) without a `_share` or `_quantile` name.
_SHARE_RATIOS = frozenset({"row_overlap_ratio", "small_type_ratio", "gutter_depth_ratio"})


@dataclass(frozen=True)
class LayoutSettings:
    """Every threshold of the reader, in one place. Lengths are in PDF points; `_em` fields are
    shares of the type size; `_ratio` and `_share` fields are shares of what their name says.
    Invalid values raise ValueError when the settings are made."""

    # glyphs and words
    word_x_tolerance: float = 1.0  # letters further apart than this are two words
    min_space_em: float = 0.12  # a blank glyph whose neighbours stand closer is no space
    same_line_em: float = 0.5  # glyphs whose tops differ less (share of the larger size): one line
    blank_neighbour_glyphs: int = 4  # glyphs on each side of a blank looked at for its neighbours
    # rows
    row_overlap_ratio: float = 0.5  # share of a word's height inside a row's height to join it
    small_type_ratio: float = 0.8  # words below this share of the body size are raised marks
    # running headers and footers
    edge_rows: int = 2  # rows at the top and at the bottom of a page looked at
    edge_position_step: float = 4.0  # heights this close are one position
    edge_page_share: float = 0.5  # on at least this share of the pages
    edge_min_pages: int = 2  # ... and on at least this many
    # bands
    band_width_share: float = 0.6  # a shape this wide (share of the page's text width) cuts a band
    band_max_height_share: float = 0.5  # taller shapes (page backgrounds) cut nothing
    banner_size_ratio: float = 1.2  # a lone row this much larger than the body type is a banner
    banner_context_lines: float = 2.5  # columns have text this many line pitches above and below
    line_pitch_ratio: float = 1.2  # a line pitch, in type sizes (for banner_context_lines)
    # columns
    full_width_min_gap: float = 8.0  # a row with no gap this wide, across the page, is full-width
    full_width_share: float = 0.6  # ... when it spans this share of the text width
    gutter_min_width: float = 6.0  # narrowest gutter
    gutter_depth_ratio: float = 0.2  # a gutter's coverage is at most this share of the peaks beside it
    gutter_min_rows: int = 3  # rows of text on each side of a gutter, and rows starting at its right edge
    gutter_align_tolerance: float = 2.0  # a row starts at a gutter's right edge within this distance
    gutter_match_distance: float = 6.0  # gutters this close are one gutter
    gutter_run_on_gap: float = 5.0  # text this close across a gutter runs on: a full-width row
    # lines and paragraphs
    right_margin_quantile: float = 0.9  # a column's right margin: this quantile of its line ends
    heading_size_tolerance: float = 0.25  # bold rows whose sizes differ less are one heading
    heading_gap_lines: float = 1.5  # a wrapped heading's lines are at most this many pitches apart
    paragraph_gap_lines: float = 1.15  # a larger gap ends a paragraph
    min_line_pitch: float = 1.0  # gaps in line pitches count a pitch as at least this
    short_line_share: float = 0.15  # a line ending this far short of the margin ends a paragraph
    full_line_share: float = 0.03  # a column's last line this close to the margin runs on
    # tables
    table_rule_max_thickness: float = 2.0  # thicker filled rectangles are areas, not rules
    table_min_rows: int = 2
    table_min_columns: int = 2
    table_min_column_width: float = 4.0  # narrower columns are the two sides of one rule
    table_min_filled_share: float = 0.5  # share of cells with text
    table_cell_tolerance: float = 1.0  # a word crossing a cell border by more than this is cut
    table_x_tolerance: float = 1.0  # letters of a cell further apart than this are two words
    # where the characters come from (pdf_chars.py): "pdfplumber" (the reference) or "pdfium"
    reader: str = PDF_READERS[0]

    def __post_init__(self) -> None:
        if self.reader not in PDF_READERS:
            raise ValueError(f"layout setting reader must be one of {PDF_READERS}, not {self.reader!r}")
        for setting in dataclasses.fields(self):
            if setting.name == "reader":
                continue
            value = getattr(self, setting.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"layout setting {setting.name} must be a number, not {value!r}")
            if value < 0 or (value == 0 and not setting.name.endswith("_tolerance")):
                raise ValueError(f"layout setting {setting.name} must be positive, not {value!r}")
            shares = setting.name.endswith(("_share", "_quantile")) or setting.name in _SHARE_RATIOS
            if shares and value > 1:
                raise ValueError(f"layout setting {setting.name} is a share: at most 1, not {value!r}")
        if self.banner_size_ratio < 1:
            raise ValueError(f"banner_size_ratio must be at least 1, not {self.banner_size_ratio!r}")


DEFAULT_SETTINGS = LayoutSettings()
