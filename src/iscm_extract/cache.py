"""A cache of extraction results, one file per input, keyed by what decides the result: the
input's sha256, the rules' fingerprint, the package version and a hash of the package's own
source (code edited without a version bump must not be served stale). A changed rule file changes
the fingerprint and so invalidates every entry; nothing needs to be cleared by hand."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from pathlib import Path

from iscm_extract import __version__
from iscm_extract.ingest import display_path
from iscm_extract.model import DocumentResult


def code_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, directory: Path, rules_fingerprint: str):
        self.directory = directory
        self.rules_fingerprint = rules_fingerprint
        self.code_fingerprint = code_fingerprint()

    def _file(self, path: Path) -> Path | None:
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
                    path.stem.encode(),
                ]
            )
        ).hexdigest()
        return self.directory / f"{key[:32]}.pickle"

    def get(self, path: Path) -> DocumentResult | None:
        file = self._file(path)
        if file is None or not file.exists():
            return None
        try:
            result = pickle.loads(file.read_bytes())  # written by put() below, never from elsewhere
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # an entry from an older layout: extract again
        if not isinstance(result, DocumentResult):
            return None
        # The key is the content, not the place: the same file copied elsewhere is served from
        # here, but its rows must name where it is now.
        document = dataclasses.replace(result.document, source_path=display_path(path))
        return dataclasses.replace(result, document=document)

    def put(self, path: Path, result: DocumentResult) -> None:
        file = self._file(path)
        if file is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, file)
