"""A text that remembers, for every character, its offset in the raw input and whether it was bold.

Every text pass of ingest rewrites a `MappedText` into a new one (`rewrite`: each match of a
pattern replaced by `Piece`s, text kept from the match or inserted), so that every later offset
can be traced back to the source and bold survives as a signal.

Memory is linear with a small constant: the text is a str, the offsets an array of 32-bit
integers and the bold flags a bytearray (about 6 bytes a character, against some 230 bytes for
lists of Python objects). A pass copies the stretches between its matches as slices, never
character by character, and remembers them as (old start, old end, new start) segments, which
is how a link found by an earlier pass finds its new place. For example, removing the `**` of
"a **b** c" copies "a ", "b" and " c": three slices, three segments.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from iscm_extract.model import Link


@dataclass
class MappedText:
    text: str
    source: array[int]  # offset in the raw input of each character (32-bit)
    bold: bytearray  # 1 where the character was bold
    links: list[Link] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.source, array):
            self.source = array("I", self.source)
        if not isinstance(self.bold, bytearray):
            self.bold = bytearray(self.bold)

    @classmethod
    def from_raw(cls, raw: str) -> MappedText:
        offsets = array("I", [0]) * len(raw)
        target = memoryview(offsets).cast("B")
        step = 1 << 20  # filled a million at a time: no second full-size copy
        for start in range(0, len(raw), step):
            end = min(start + step, len(raw))
            target[start * 4 : end * 4] = np.arange(start, end, dtype=np.uint32).tobytes()
        return cls(raw, offsets, bytearray(len(raw)))

    def rewrite(
        self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], list[Piece]]
    ) -> MappedText:
        """Replace each match by pieces; kept pieces keep their source offsets and flags."""
        out = _Builder(self)
        position = 0
        for match in pattern.finditer(self.text):
            out.copy(self, position, match.start())
            for piece in replace(match):
                if piece.insert is not None:
                    out.insert(piece.insert, self.source[piece.start] if self.source else 0, piece.bold)
                else:
                    out.copy(self, piece.start, piece.end, force_bold=piece.bold, link=piece.link)
            position = match.end()
        if position == 0 and out.length == 0:
            return self  # no match: nothing to rewrite
        out.copy(self, position, len(self.text))
        links = [*out.links, *(self._remap_link(link, out) for link in self.links)]
        return out.build([lk for lk in links if lk is not None])

    def _remap_link(self, link: Link, out: _Builder) -> Link | None:
        # Links are stored in output coordinates of the pass that found them; later passes move them.
        start = out.new_position(link.start)
        end = out.new_position(link.end - 1)
        return Link(start, end + 1, link.url) if start is not None and end is not None else None


@dataclass(frozen=True)
class Piece:
    """Part of a replacement: text kept from the match (start, end) or text inserted."""

    start: int
    end: int = 0
    insert: str | None = None
    bold: bool = False
    link: str | None = None


class _Insert(NamedTuple):
    """A string a pass inserted: where in its output, and the source offset and bold flag that
    every character of it takes."""

    new_start: int
    string: str
    source: int
    bold: bool


class _Builder:
    """The output of one pass, recorded as copies of stretches of the input and inserted strings,
    and built at the end into arrays allocated once at their final size (growing a large array
    piece by piece would copy it on every reallocation)."""

    def __init__(self, text: MappedText) -> None:
        self.input = text
        self.links: list[Link] = []
        self.length = 0
        # (old start, old end, new start) of each copied stretch, in three compact arrays
        self._old_starts: array[int] = array("q")
        self._old_ends: array[int] = array("q")
        self._new_starts: array[int] = array("q")
        self._flags: bytearray = bytearray()  # per copy: 1 when forced bold
        self._inserts: list[_Insert] = []
        self._order: list[int] | None = None

    def copy(
        self, text: MappedText, start: int, end: int, force_bold: bool = False, link: str | None = None
    ) -> None:
        if end <= start:
            return
        begin = self.length
        n = len(self._old_starts)
        if (
            n
            and not force_bold
            and not self._flags[-1]
            and self._old_ends[-1] == start
            and self._new_starts[-1] + (start - self._old_starts[-1]) == begin
        ):
            # Adjacent plain copies (the text between matches and a match kept as it is) are
            # one stretch, so a pass that changes little records little.
            self._old_ends[-1] = end
        else:
            self._old_starts.append(start)
            self._old_ends.append(end)
            self._new_starts.append(begin)
            self._flags.append(1 if force_bold else 0)
        self.length += end - start
        if link:
            self.links.append(Link(begin, self.length, link))

    def insert(self, string: str, source: int, bold: bool) -> None:
        if string:
            self._inserts.append(_Insert(self.length, string, source, bold))
            self.length += len(string)

    def build(self, links: list[Link]) -> MappedText:
        old = self.input
        source = array("I", [0]) * self.length
        bold = bytearray(self.length)
        target, origin = memoryview(source).cast("B"), memoryview(old.source).cast("B")
        size = source.itemsize
        parts: list[tuple[int, str]] = []
        for k in range(len(self._old_starts)):
            start, end, new = self._old_starts[k], self._old_ends[k], self._new_starts[k]
            target[new * size : (new + end - start) * size] = origin[start * size : end * size]
            bold[new : new + end - start] = b"\x01" * (end - start) if self._flags[k] else old.bold[start:end]
            parts.append((new, old.text[start:end]))
        for new, string, offset, flag in self._inserts:
            source[new : new + len(string)] = array("I", [offset]) * len(string)
            if flag:
                bold[new : new + len(string)] = b"\x01" * len(string)
            parts.append((new, string))
        parts.sort(key=lambda part: part[0])
        text = "".join(part for _, part in parts)
        del parts
        return MappedText(text, source, bold, links)

    def new_position(self, old: int) -> int | None:
        """Where the character at `old` of the input went, or None when the pass dropped it."""
        if self._order is None:
            self._order = sorted(range(len(self._old_starts)), key=self._old_starts.__getitem__)
        order = self._order
        i = bisect.bisect_right(order, old, key=self._old_starts.__getitem__) - 1
        if i < 0:
            return None
        segment = order[i]
        start, end = self._old_starts[segment], self._old_ends[segment]
        return self._new_starts[segment] + old - start if old < end else None
