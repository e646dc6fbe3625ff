"""A pdfium page's painted paths as pdfplumber's rect, line and curve dicts (`page_shapes`).

A path is split at each move into subpaths, each classed as pdfminer classes it (its
`paint_path`): a single segment is a line, a closed axis-aligned four-sided one a rect, anything
else a curve; a curve's control points are left out, as pdfminer leaves them. Paths inside forms
(XObjects) count, each mapped to user space by its matrix; a clipping path, which paints
nothing, is none.

Example: a filled 0.5 pt high bar from (72, 400) to (523, 400.5) becomes one "rect" dict with
`fill` True, x0 72, x1 523 and its colour, as pdfplumber's `page.rects` gives it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

from iscm_extract.reading.pdfium_geometry import Frame, Matrix, Point, box_of_points, compose


def _matrix(c: Any, handle: Any) -> Matrix:
    value = c.FS_MATRIX()
    c.FPDFPageObj_GetMatrix(handle, value)
    return (value.a, value.b, value.c, value.d, value.e, value.f)


def _paths(c: Any, parent: Any, in_form: bool, outer: Matrix) -> Iterator[tuple[Any, Matrix]]:
    """The page's path objects, those inside forms (XObjects) too, each with its matrix to user
    space."""
    count, get = (
        (c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject)
        if in_form
        else (c.FPDFPage_CountObjects, c.FPDFPage_GetObject)
    )
    for index in range(count(parent)):
        handle = get(parent, index)
        kind = c.FPDFPageObj_GetType(handle)
        if kind == c.FPDF_PAGEOBJ_PATH:
            yield handle, compose(_matrix(c, handle), outer)
        elif kind == c.FPDF_PAGEOBJ_FORM:
            yield from _paths(c, handle, True, compose(_matrix(c, handle), outer))


def _subpaths(c: Any, handle: Any, matrix: Matrix, frame: Frame) -> list[list[tuple[str, Point]]]:
    """A path's subpaths as pdfminer's operators with their end points ("m", "l", "c", "h"; a
    curve's control points left out, as pdfminer leaves them), in pdfplumber's coordinates."""
    subpaths: list[list[tuple[str, Point]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    bezier = 0
    for index in range(c.FPDFPath_CountSegments(handle)):
        segment = c.FPDFPath_GetPathSegment(handle, index)
        c.FPDFPathSegment_GetPoint(segment, x, y)
        a, b, cc, d, e, f = matrix
        point = frame.point(a * x.value + cc * y.value + e, b * x.value + d * y.value + f)
        kind = c.FPDFPathSegment_GetType(segment)
        if kind == c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([("m", point)])
        elif kind == c.FPDF_SEGMENT_BEZIERTO:
            bezier = (bezier + 1) % 3
            if bezier:
                continue  # a control point
            subpaths[-1].append(("c", point))
        else:
            subpaths[-1].append(("l", point))
        if c.FPDFPathSegment_GetClose(segment):
            subpaths[-1].append(("h", subpaths[-1][0][1]))
    return subpaths


def _classify(ops: list[tuple[str, Point]]) -> tuple[str, list[Point]] | None:
    """pdfminer's class of one subpath (its `paint_path`): a single segment is a line, a closed
    axis-aligned four-sided one a rect, anything else a curve."""
    shape = "".join(op for op, _ in ops)
    points = [point for _, point in ops]
    if len(shape) > 3 and shape[-2:] == "lh" and points[-2] == points[0]:
        shape = shape[:-2] + "h"  # a redundant line back to the start
        points.pop()
    if shape in ("ml", "mlh"):
        return "line", points[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = points
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if last == points[0] and square:
            return "rect", [(x0, y0), (x2, y0), (x2, y2), (x0, y2)]
    return ("curve", points) if len(points) > 1 else None


def _colour(c: Any, getter: Any, handle: Any) -> tuple[float, ...]:
    channels = [ctypes.c_uint() for _ in range(4)]
    getter(handle, *channels)
    return tuple(round(v.value / 255, 4) for v in channels[:3])


def page_shapes(page: Any, frame: Frame, number: int, doctop: float) -> list[dict[str, Any]]:
    """The page's painted paths as pdfplumber's rect, line and curve dicts (a clipping path, which
    paints nothing, is none)."""
    import pypdfium2.raw as c

    shapes: list[dict[str, Any]] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    width = ctypes.c_float()
    for handle, matrix in _paths(c, page, False, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)):
        c.FPDFPath_GetDrawMode(handle, fill_mode, stroke)
        if not fill_mode.value and not stroke.value:
            continue
        c.FPDFPageObj_GetStrokeWidth(handle, width)
        paint = {
            "fill": bool(fill_mode.value),
            "stroke": bool(stroke.value),
            "evenodd": fill_mode.value == c.FPDF_FILLMODE_ALTERNATE,
            "linewidth": width.value,
            "non_stroking_color": _colour(c, c.FPDFPageObj_GetFillColor, handle),
            "stroking_color": _colour(c, c.FPDFPageObj_GetStrokeColor, handle),
        }
        for ops in _subpaths(c, handle, matrix, frame):
            found = _classify(ops)
            if found is None:
                continue
            kind, points = found
            shape = box_of_points(points, frame, number, doctop)
            shape.update(paint, object_type=kind, pts=points)
            shapes.append(shape)
    return shapes
