"""A cache of extraction results, one file per input, keyed by what decides the result: the
input's sha256, the rules' fingerprint, the package version, a hash of the package's own source
(code edited without a version bump must not be served stale), the input's doc_id and, for a
PDF, the reader of its characters (`--pdf-reader`: a pdfplumber result is no pdfium result).

An entry is data, never code: JSON of the document's validated tables (`document.DocumentTables`:
its rows column by column, dates as ISO text; the problems of rows dropped by validation; the
registry ids its rows name), under a header line that holds the format and the sha256 of the
body:

    {"format": "iscm-extract-cache/3", "sha256": "9f2c..."}
    {"doc_id": "iscm-highlights-2023", "source_path": ..., "tables": {"meetings": {...}}, ...}

A run writes each entry as soon as its document is done (a run killed halfway keeps what it
finished), and a run served from the cache neither extracts nor validates those rows again.
Reading checks the digest and decodes against the declared types and table schemas; an entry
that fails either (a changed byte, a truncated file, an older layout) is a miss: the input is
extracted again, the entry replaced, and `--verbose` says why. Unlike pickle, a cache folder that
others can write cannot make a run execute code. The same format holds the parts a run streams
its documents to (assemble.py).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import logging
import os
import types
import typing
from array import array
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from iscm_extract import __version__
from iscm_extract.model import Problem
from iscm_extract.reading.ingest import PDF_READERS, display_path
from iscm_extract.tables.arrow_tables import table_of
from iscm_extract.tables.catalog import DOCUMENT_TABLES
from iscm_extract.tables.document import DocumentTables, table_columns, table_from_columns

log = logging.getLogger("iscm_extract")
FORMAT = "iscm-extract-cache/3"


def code_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]  # iscm_extract, with its sub-packages
    # the code and the tables' declarations (the rules have a fingerprint of their own)
    for source in sorted([*package.rglob("*.py"), package / "tables" / "tables.yaml"]):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


class EntryError(ValueError):
    """A cache entry that is not what put() wrote."""


# --- a JSON codec driven by type hints ------------------------------------------------------------


class _Array:
    """Stands for `array` in type hints: `array[int]` is not valid at run time before Python 3.12."""

    def __class_getitem__(cls, item: Any) -> type:
        return array


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, localns={"array": _Array})


def encode(value: Any) -> Any:
    """Plain JSON data of a result: dataclasses as objects, tuples as lists, dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, array):
        return base64.b64encode(value.tobytes()).decode("ascii")
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(data: Any, kind: Any) -> Any:
    """The value of type `kind` that `encode` gave `data` for; EntryError when it does not fit."""
    if kind is Any:
        return data
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        for option in (a for a in args if a is not type(None)):
            try:
                return decode(data, option)
            except EntryError:
                continue
        raise EntryError(f"{data!r:.40} fits none of {kind}")
    if origin is typing.Literal:
        if data not in args:
            raise EntryError(f"{data!r:.40} is not one of {args}")
        return data
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if not isinstance(data, dict) or set(data) != {f.name for f in dataclasses.fields(kind)}:
            raise EntryError(f"not a {kind.__name__}")
        hints = _hints(kind)
        return kind(**{name: decode(value, hints[name]) for name, value in data.items()})
    if kind is array or origin is array:
        if not isinstance(data, str):
            raise EntryError("offsets are not base64 text")
        offsets = array("I")
        offsets.frombytes(base64.b64decode(data.encode("ascii"), validate=True))
        return offsets
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise EntryError(f"expected a list, not {type(data).__name__}")
        items = [decode(v, args[0]) for v in data]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(data, dict):
            raise EntryError("expected an object")
        return {k: decode(v, args[1]) for k, v in data.items()}
    if kind is date:
        try:
            return date.fromisoformat(data)
        except (TypeError, ValueError) as exc:
            raise EntryError(f"not a date: {data!r:.40}") from exc
    if kind is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if kind in (str, int, bool) and type(data) is kind:
        return data
    raise EntryError(f"{data!r:.40} is not a {kind}")


# --- entries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """The JSON form of a DocumentTables (its tables as `document.table_columns`, the empty ones
    left out)."""

    doc_id: str
    source_path: str
    sha256: str | None
    iscm_years: dict[str, list[int]]
    dropped: list[Problem]
    failure: Problem | None
    tables: dict[str, Any]


def entry_bytes(tables: DocumentTables) -> bytes:
    """A document's tables as an entry: the header line, then the JSON body (empty tables left out)."""
    entry = Entry(
        tables.doc_id,
        tables.source_path,
        tables.sha256,
        {iscm_id: sorted(years) for iscm_id, years in sorted(tables.iscm_years.items())},
        list(tables.dropped),
        tables.failure,
        {name: table_columns(table) for name, table in tables.tables.items() if table.num_rows},
    )
    body = json.dumps(encode(entry), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    return header + b"\n" + body


def decode_entry(data: bytes) -> Entry:
    """An entry's contents, its tables still as columns of plain values; EntryError when it is
    damaged or not an entry at all."""
    header_line, _, body = data.partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError as exc:
        raise EntryError(f"unreadable ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise EntryError("another format")
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise EntryError("checksum mismatch")
    try:
        entry = decode(json.loads(body), Entry)
    except (ValueError, TypeError, RecursionError) as exc:
        raise EntryError(f"does not decode ({exc})") from exc
    assert isinstance(entry, Entry)
    unknown = set(entry.tables) - set(DOCUMENT_TABLES)
    if unknown:
        raise EntryError(f"unknown tables {sorted(unknown)}")
    return entry


def read_entry(data: bytes) -> DocumentTables:
    """The tables an entry holds; EntryError when it is damaged or not an entry at all."""
    entry = decode_entry(data)
    try:
        tables = {
            name: table_from_columns(name, entry.tables[name]) if name in entry.tables else table_of(name, [])
            for name in DOCUMENT_TABLES
        }
    except (ValueError, TypeError) as exc:
        raise EntryError(f"does not decode ({exc})") from exc
    years = {iscm_id: frozenset(found) for iscm_id, found in entry.iscm_years.items()}
    return DocumentTables(
        entry.doc_id, entry.source_path, entry.sha256, tables, years, tuple(entry.dropped), entry.failure
    )


def is_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"


# --- the cache -------------------------------------------------------------------------------------


class ResultCache:
    def __init__(self, directory: Path, rules_fingerprint: str, pdf_reader: str = PDF_READERS[0]):
        self.directory = directory
        self.rules_fingerprint = rules_fingerprint
        self.code_fingerprint = code_fingerprint()
        self.pdf_reader = pdf_reader

    def entry_file(self, content_sha256: str, doc_id: str, is_pdf: bool) -> Path:
        """The entry of the input whose bytes have this sha256 (hex), under this doc_id (a PDF's
        entry also depends on the reader of its characters)."""
        key = hashlib.sha256(
            b"|".join(
                [
                    bytes.fromhex(content_sha256),
                    self.rules_fingerprint.encode(),
                    self.code_fingerprint.encode(),
                    doc_id.encode(),
                    *([self.pdf_reader.encode()] if is_pdf else []),
                ]
            )
        ).hexdigest()
        return self.directory / f"{key[:32]}.json"

    def get(self, path: Path, doc_id: str | None = None) -> DocumentTables | None:
        doc_id = doc_id or path.stem
        try:
            file = self.entry_file(hashlib.sha256(path.read_bytes()).hexdigest(), doc_id, is_pdf(path))
            data = file.read_bytes()
        except OSError:
            return None
        try:
            tables = read_entry(data)
        except EntryError as exc:
            log.info("%s: cache entry %s is bad (%s): extracting again", path.name, file.name, exc)
            return None
        # The key is the content, not the place: the same file copied elsewhere is served from
        # here, but its rows must name where it is now.
        return tables.with_source(display_path(path))

    def put(self, path: Path, content_sha256: str, doc_id: str, entry: bytes) -> None:
        """Store the entry (`entry_bytes`) of the document read from `path`, under the sha256 of
        the bytes it was read from."""
        file = self.entry_file(content_sha256, doc_id, is_pdf(path))
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(entry)
        os.replace(temporary, file)
