"""Geometry for the pdfium reader: PDF user space to pdfplumber's page coordinates.

pdfminer maps a user-space point through its page matrix (the page's rotation and MediaBox
origin); pdfplumber then flips y (top down) and shifts by its MediaBox. `Frame.of(page)` holds
both for one pdfium page, and `box_of_points` gives the position keys of pdfplumber's object
dicts (x0, x1, top, bottom, y0, y1, doctop, width, height).

Example: on an unrotated A4 page (MediaBox 0 0 595.28 841.89) the user-space point (72, 700)
is x 72 and top 841.89 - 700 = 141.89: `Frame.of(page).point(72, 700)` gives (72.0, 141.89).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Matrix = tuple[float, float, float, float, float, float]
Linear = tuple[float, float, float, float]
Point = tuple[float, float]


@dataclass(frozen=True)
class Frame:
    """pdfplumber's page coordinates of a PDF user-space point: pdfminer's page matrix (rotation,
    MediaBox origin), then pdfplumber's flip (y down) and shift (its MediaBox)."""

    rotation: int
    matrix: Matrix  # pdfminer's page matrix
    mediabox: tuple[float, float, float, float]  # pdfplumber's
    height: float

    @staticmethod
    def of(page: Any) -> Frame:
        box = page.get_mediabox(fallback_ok=False) or page.get_bbox()
        x0, x1 = sorted((float(box[0]), float(box[2])))
        y0, y1 = sorted((float(box[1]), float(box[3])))
        rotation = int(page.get_rotation()) % 360
        matrix: Matrix = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        raw = (y0, x0, y1, x1) if rotation in (90, 270) else (x0, y0, x1, y1)
        height = raw[3] - raw[1]
        mediabox = (raw[0], height - raw[3], raw[2], height - raw[1])
        return Frame(rotation, matrix, mediabox, height)

    @property
    def shift(self) -> Point:
        """Unrotated pages: x plus the first, and the second less y, are pdfplumber's x and top."""
        return self.matrix[4] + self.mediabox[0], self.height - self.matrix[5] + self.mediabox[1]

    def point(self, x: float, y: float) -> Point:
        """(x, top) of a user-space point."""
        a, b, c, d, e, f = self.matrix
        return a * x + c * y + e + self.mediabox[0], self.height - (b * x + d * y + f) + self.mediabox[1]


def box_of_corners(corners: list[Point], frame: Frame, number: int, doctop: float) -> dict[str, Any]:
    """pdfplumber's position keys of the box around user-space corners."""
    return box_of_points([frame.point(x, y) for x, y in corners], frame, number, doctop)


def box_of_points(points: list[Point], frame: Frame, number: int, doctop: float) -> dict[str, Any]:
    """pdfplumber's position keys of the box around points in its coordinates (x, top)."""
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    top, bottom = min(p[1] for p in points), max(p[1] for p in points)
    return {
        "page_number": number,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "y0": frame.height - bottom,
        "y1": frame.height - top,
        "doctop": doctop + top,
        "width": x1 - x0,
        "height": bottom - top,
    }


def compose(first: Matrix, then: Matrix) -> Matrix:
    """The matrix that applies `first`, then `then` (row vectors, as PDF matrices compose)."""
    a, b, c, d, e, f = first
    pa, pb, pc, pd, pe, pf = then
    return (
        a * pa + b * pc,
        a * pb + b * pd,
        c * pa + d * pc,
        c * pb + d * pd,
        e * pa + f * pc + pe,
        e * pb + f * pd + pf,
    )
