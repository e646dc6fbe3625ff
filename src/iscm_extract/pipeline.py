"""The whole flow on one screen: inputs -> ingest -> classify -> segment/normalise -> tables."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from iscm_extract import classify, ingest, meetings, normalise, segment, write
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.rules import Rules


def extract_document(path: Path, rules: Rules) -> DocumentResult:
    """All stages for one input. Raises ingest.IngestError when the file cannot be read."""
    document, warnings = ingest.read(path)
    problems = [Problem(document.doc_id, "ingest", "warning", w) for w in warnings]
    info = classify.classify(document, rules.classify)
    definitions = normalise.find_definitions(document.text, rules.registry, rules.normalise)
    resolver = normalise.Resolver(rules.registry, rules.normalise, definitions)
    sections, segment_problems = segment.segment(document, info, resolver, rules.sections)
    extractor = meetings.MeetingExtractor(rules.meetings, rules.places)
    meeting_records, meeting_problems = extractor.extract(document, info, sections, resolver)
    if info.kind == "other":
        problems.append(Problem(document.doc_id, "classify", "warning", NOT_EXTRACTED))
    return DocumentResult(
        document,
        info,
        sections,
        definitions,
        meeting_records,
        resolver.log,
        problems + segment_problems + meeting_problems,
    )


NOT_EXTRACTED = "not a newsletter, meeting report or survey summary: nothing extracted"


def collect_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the supported files inside folders named, sorted and without repeats."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            found.add(path)
    return sorted(found)


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # the file vanished or cannot be read: its problems row says so


@dataclass
class RunResult:
    results: list[DocumentResult]
    failed: list[FailedInput]

    @property
    def n_errors(self) -> int:
        return len(self.failed) + sum(p.severity == "error" for r in self.results for p in r.problems)


def run(paths: Iterable[Path], out_dir: Path, rules: Rules) -> RunResult:
    results: list[DocumentResult] = []
    failed: list[FailedInput] = []
    for path in collect_inputs(paths):
        try:
            results.append(extract_document(path, rules))
        except ingest.IngestError as exc:
            failed.append(
                FailedInput(
                    path.stem,
                    ingest.display_path(path),
                    _sha256(path),
                    Problem(path.stem, "ingest", "error", str(exc)),
                )
            )
    tables = write.build_tables(results, failed)
    inputs: list[tuple[str, str, str | None]] = [
        (r.document.doc_id, r.document.source_path, r.document.sha256) for r in results
    ]
    inputs += [(f.doc_id, f.source_path, f.sha256) for f in failed]
    write.write_outputs(tables, write.build_manifest(tables, inputs, rules.fingerprint), out_dir)
    return RunResult(results, failed)
