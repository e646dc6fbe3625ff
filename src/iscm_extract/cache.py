"""A cache of extraction results, one file per input, keyed by what decides the result: the
input's sha256, the rules' fingerprint, the package version, a hash of the package's own source
(code edited without a version bump must not be served stale), the input's doc_id and, for a
PDF, the reader of its characters (`--pdf-reader`: a pdfplumber result is no pdfium result).

An entry is data, never code: JSON of the `DocumentResult`, written by a codec driven by the
dataclasses' type hints (dates as ISO text, tuples as lists, the offsets array as base64), under
a header line that holds the format and the sha256 of the body:

    {"format": "iscm-extract-cache/2", "sha256": "9f2c..."}
    {"document": {"doc_id": "iscm-highlights-2023", ...}, "info": {...}, ...}

Reading checks the digest and decodes against the same type hints; an entry that fails either
(a changed byte, a truncated file, an older layout) is a miss: the input is extracted again, the
entry replaced, and `--verbose` says why. Unlike pickle, a cache folder that others can write
cannot make a run execute code.
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
from datetime import date
from pathlib import Path
from typing import Any

from iscm_extract import __version__
from iscm_extract.ingest import PDF_READERS, display_path
from iscm_extract.model import DocumentResult

log = logging.getLogger("iscm_extract")
FORMAT = "iscm-extract-cache/2"


def code_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode())
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


# --- the cache -------------------------------------------------------------------------------------


class ResultCache:
    def __init__(self, directory: Path, rules_fingerprint: str, pdf_reader: str = PDF_READERS[0]):
        self.directory = directory
        self.rules_fingerprint = rules_fingerprint
        self.code_fingerprint = code_fingerprint()
        self.pdf_reader = pdf_reader

    def _file(self, path: Path, doc_id: str) -> Path | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        key = hashlib.sha256(
            b"|".join(
                [
                    hashlib.sha256(data).digest(),
                    self.rules_fingerprint.encode(),
                    self.code_fingerprint.encode(),
                    doc_id.encode(),
                    *([self.pdf_reader.encode()] if path.suffix.lower() == ".pdf" else []),
                ]
            )
        ).hexdigest()
        return self.directory / f"{key[:32]}.json"

    @staticmethod
    def read_entry(file: Path) -> DocumentResult:
        """The result an entry holds; EntryError when it is damaged or not an entry at all."""
        try:
            header_line, _, body = file.read_bytes().partition(b"\n")
            header = json.loads(header_line)
        except (OSError, ValueError) as exc:
            raise EntryError(f"unreadable ({exc})") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise EntryError("another format")
        if hashlib.sha256(body).hexdigest() != header.get("sha256"):
            raise EntryError("checksum mismatch")
        try:
            result = decode(json.loads(body), DocumentResult)
        except (ValueError, TypeError, RecursionError) as exc:
            raise EntryError(f"does not decode ({exc})") from exc
        assert isinstance(result, DocumentResult)
        return result

    def get(self, path: Path, doc_id: str | None = None) -> DocumentResult | None:
        doc_id = doc_id or path.stem
        file = self._file(path, doc_id)
        if file is None or not file.exists():
            return None
        try:
            result = self.read_entry(file)
        except EntryError as exc:
            log.info("%s: cache entry %s is bad (%s): extracting again", path.name, file.name, exc)
            return None
        # The key is the content, not the place: the same file copied elsewhere is served from
        # here, but its rows must name where it is now.
        document = dataclasses.replace(result.document, source_path=display_path(path))
        return dataclasses.replace(result, document=document)

    def put(self, path: Path, doc_id: str, result: DocumentResult) -> None:
        file = self._file(path, doc_id)
        if file is None:
            return
        body = json.dumps(encode(result), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()}).encode()
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(header + b"\n" + body)
        os.replace(temporary, file)
