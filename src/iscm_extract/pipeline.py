"""The whole flow on one screen: inputs -> ingest -> classify -> segment/normalise -> tables.

One document never sinks a batch:

- doc_ids are unique by construction (`assign_doc_ids`): an input's doc_id is its file stem, and
  when two inputs share a stem (a/x.txt and b/x.txt, or x.txt beside x.pdf) each of them takes
  its path relative to their common folder instead ("a/x.txt", "b/x.txt"; "x.txt", "x.pdf"),
  with a warning in problems;
- any exception inside one document's extraction becomes an error row in problems naming the
  stage (`_extract_or_fail`), and a worker process that dies costs only the documents it held
  (engines.py);
- rows that fail validation are dropped with an error row naming the check (document.py, write.py);
- an empty input set is refused (EmptyInputError) unless asked for, so that no run replaces the
  outputs with empty tables by mistake.

`run` streams: each document's validated tables are written (a part, a cache entry) as soon as it
is done, on whichever engine extracts them, and the final tables are assembled from the parts
(runner.py, document.py, engines.py, assemble.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from iscm_extract.facts import facts
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.reading import ingest
from iscm_extract.rules import Rules
from iscm_extract.structure import classify, listing, normalise, segment

log = logging.getLogger("iscm_extract")


class EmptyInputError(ValueError):
    """No input file was found (and an empty run was not asked for)."""


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over documents (for `make bench`); `current` is the stage
    running, named by the problems row when it fails."""

    seconds: dict[str, float] = field(default_factory=dict)
    current: str = "ingest"

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        self.current = stage
        start = time.perf_counter()
        yield
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


def extract_document(
    path: Path,
    rules: Rules,
    times: StageTimes | None = None,
    doc_id: str | None = None,
    pdf_reader: str = ingest.PDF_READERS[0],
) -> DocumentResult:
    """All stages for one input (a PDF's characters from `pdf_reader`). Raises
    ingest.IngestError when the file cannot be read."""
    timed = times or StageTimes()
    with timed("ingest"):
        document, warnings = ingest.read(path, pdf_reader, rules.domain_words)
        if doc_id is not None and doc_id != document.doc_id:
            document = dataclasses.replace(document, doc_id=doc_id)
    problems = [Problem(document.doc_id, "ingest", "warning", w) for w in warnings]
    with timed("classify"):
        info = classify.classify(document, rules.classify)
    with timed("normalise"):
        definitions = normalise.find_definitions(document.text, rules.registry, rules.normalise)
        resolver = normalise.Resolver(rules.registry, rules.normalise, definitions)
    with timed("segment"):
        syntax = listing.ListSyntax.from_rules(rules.facts)
        segment_names = resolver.for_stage()  # each stage hands back what it resolved
        sections, segment_problems = segment.segment(document, info, segment_names, rules.sections, syntax)
    # Imported here: spaCy takes about a second to import, and a run served from the cache needs none.
    from iscm_extract.facts import meetings

    with timed("meetings"):
        extractor = meetings.MeetingExtractor(rules.meetings, rules.places)
        meeting_names = resolver.for_stage()
        meeting_records, meeting_problems = extractor.extract(document, info, sections, meeting_names)
    with timed("facts"):
        fact_names = resolver.for_stage()
        found, fact_problems = facts.extract_facts(document, info, sections, fact_names, rules)
    if info.kind == rules.classify.default_kind:
        read_as_page = info.kind in rules.sections.read_as_page
        problems.append(
            Problem(document.doc_id, "classify", "warning", READ_AS_PAGE if read_as_page else NOT_EXTRACTED)
        )
    return DocumentResult(
        document,
        info,
        sections,
        definitions,
        meeting_records,
        [*segment_names.resolved, *meeting_names.resolved, *fact_names.resolved],
        problems + segment_problems + meeting_problems + fact_problems,
        found,
    )


NOT_EXTRACTED = "not a newsletter, meeting report, survey summary or web page: nothing extracted"
READ_AS_PAGE = (
    "not recognised as a newsletter, meeting report, survey summary or web page: its meetings are read "
    "as a page's (each booked to the ISCM its sentence names); no sections, themes or facts"
)


def collect_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the files inside folders named (not hidden), sorted and without repeats
    (one file named twice, or by two spellings of its path, is one input)."""
    found: dict[Path, Path] = {}
    for path in paths:
        files = (
            sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if path.is_dir()
            else [path]
        )
        for file in files:
            found.setdefault(file.resolve(), file)
    return sorted(found.values())


def assign_doc_ids(inputs: list[Path]) -> tuple[dict[Path, str], list[Problem]]:
    """Each input's doc_id: its stem, or, for inputs whose stems collide, the path relative to the
    folder they share ("a/x.txt", "b/x.txt"); with a warning for each renamed input."""
    by_stem: dict[str, list[Path]] = {}
    for path in inputs:
        by_stem.setdefault(path.stem, []).append(path)
    ids: dict[Path, str] = {}
    problems: list[Problem] = []
    for stem, group in by_stem.items():
        if len(group) == 1:
            ids[group[0]] = stem
            continue
        resolved = [p.resolve() for p in group]
        common = Path(os.path.commonpath([p.parent for p in resolved]))
        for path, full in zip(group, resolved, strict=True):
            ids[path] = str(PurePosixPath(*full.relative_to(common).parts))
        names = ", ".join(ids[p] for p in group)
        for path in group:
            problems.append(
                Problem(
                    ids[path],
                    "ingest",
                    "warning",
                    f"{len(group)} inputs share the file stem {stem!r} ({names}): "
                    f"doc_id {ids[path]!r} is the path",
                )
            )
    taken = set(ids.values())
    assert len(taken) == len(inputs), "doc_ids are unique by construction"
    return ids, problems


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None  # the file vanished or cannot be read: its problems row says so


@dataclass
class RunResult:
    """What a run reports: never the rows of all documents (they are in the tables it wrote)."""

    failed: list[FailedInput]  # inputs that could not be extracted (a problems row each)
    row_counts: dict[str, int] = field(default_factory=dict)
    n_extracted: int = 0  # documents read again (not from the cache)
    dropped: list[Problem] = field(default_factory=list)  # rows dropped by validation, per document
    # Stated headline figures the tables miss by more than the tolerance (reconciliation rows).
    unreconciled: list[dict[str, object]] = field(default_factory=list)
    n_documents: int = 0
    n_errors: int = 0  # error rows in the problems table
    renamed: list[Problem] = field(default_factory=list)  # inputs whose doc_id is their path
    # Each extracted document's own data, only when RunOptions.keep_results (small runs, tests).
    results: list[DocumentResult] = field(default_factory=list)


def _failed(path: Path, doc_id: str, stage: str, message: str) -> FailedInput:
    problem = Problem(doc_id, stage, "error", message)
    return FailedInput(doc_id, ingest.display_path(path), _sha256(path), problem)


def _extract_or_fail(
    path: Path, rules: Rules, doc_id: str | None = None, pdf_reader: str = ingest.PDF_READERS[0]
) -> DocumentResult | FailedInput:
    """One document's result, or its failure as a problems row: never an exception."""
    doc_id = doc_id or path.stem
    times = StageTimes()
    try:
        return extract_document(path, rules, times, doc_id, pdf_reader)
    except ingest.IngestError as exc:
        return _failed(path, doc_id, "ingest", str(exc))
    except Exception as exc:  # one document's bug or resource error must not stop the batch
        log.debug("extraction of %s failed", path, exc_info=True)
        detail = str(exc).splitlines()[0][:300] if str(exc) else ""
        return _failed(
            path,
            doc_id,
            times.current,
            f"{path.name}: {times.current} failed: {type(exc).__name__}: {detail}",
        )


@dataclass(frozen=True)
class RunOptions:
    cache_dir: Path | None = None  # None: no cache
    force: bool = False  # extract again even what the cache holds
    workers: int = 1  # local worker processes; for engine "dask" without an address, its workers
    progress: bool = False
    allow_empty: bool = False  # write empty tables when there is no input at all
    wait: float = 600.0  # seconds to wait for another run writing to the same folder
    engine: Literal["local", "dask"] = "local"
    dask_address: str | None = None  # a Dask scheduler; None: a LocalCluster of `workers` processes
    batch_size: int = 32  # documents validated together at most (engines.py)
    keep_results: bool = False  # RunResult.results: each extracted document's own data
    pdf_reader: str = ingest.PDF_READERS[0]  # where PDF characters come from (pdf_chars.py)


def run(paths: Iterable[Path], out_dir: Path, rules: Rules, options: RunOptions = RunOptions()) -> RunResult:
    """Extract every input (from the cache where its sha256, the rules and the code are unchanged),
    streaming each document's validated tables to disk as it is done, then write all tables in
    one swap of the output folder (runner.py)."""
    from iscm_extract import runner  # it builds on this module

    return runner.run(paths, out_dir, rules, options)
