"""The whole flow on one screen: inputs -> ingest -> classify -> segment/normalise -> tables.

One document never sinks a batch:

- doc_ids are unique by construction (`assign_doc_ids`): an input's doc_id is its file stem, and
  when two inputs share a stem (a/x.txt and b/x.txt, or x.txt beside x.pdf) each of them takes
  its path relative to their common folder instead ("a/x.txt", "b/x.txt"; "x.txt", "x.pdf"),
  with a warning in problems;
- any exception inside one document's extraction becomes an error row in problems naming the
  stage (`_extract_or_fail`), and a worker process that dies costs only the documents it held;
- rows that fail validation are dropped with an error row naming the check (write.py);
- an empty input set is refused (EmptyInputError) unless asked for, so that no run replaces the
  outputs with empty tables by mistake.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from iscm_extract import cache as cache_module
from iscm_extract import classify, facts, ingest, listing, normalise, segment, write
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.progress import progress_bar
from iscm_extract.rules import Rules

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
        document, warnings = ingest.read(path, pdf_reader)
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
        sections, segment_problems = segment.segment(document, info, resolver, rules.sections, syntax)
    # Imported here: spaCy takes about a second to import, and a run served from the cache needs none.
    from iscm_extract import meetings

    with timed("meetings"):
        extractor = meetings.MeetingExtractor(rules.meetings, rules.places)
        meeting_records, meeting_problems = extractor.extract(document, info, sections, resolver)
    with timed("facts"):
        found, fact_problems = facts.extract_facts(document, info, sections, resolver, rules)
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
        resolver.log,
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
    results: list[DocumentResult]
    failed: list[FailedInput]
    row_counts: dict[str, int] = field(default_factory=dict)
    n_extracted: int = 0  # documents read again (not from the cache)
    dropped: list[Problem] = field(default_factory=list)  # rows dropped by validation, per document
    # Stated headline figures the tables miss by more than the tolerance (reconciliation rows).
    unreconciled: list[dict[str, object]] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        return (
            len(self.failed)
            + sum(p.severity == "error" for r in self.results for p in r.problems)
            + len(self.dropped)
        )

    @property
    def problems(self) -> list[Problem]:
        return [
            *(p for r in self.results for p in r.problems),
            *(f.problem for f in self.failed),
            *self.dropped,
        ]


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


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the process that started the pool is gone (killed), instead
    of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_watch_parent, initargs=(os.getpid(),))


def _extract_in_workers(
    todo: list[Path],
    ids: dict[Path, str],
    rules: Rules,
    workers: int,
    done: Callable[[Path, DocumentResult | FailedInput], object],
    pdf_reader: str = ingest.PDF_READERS[0],
) -> dict[Path, DocumentResult | FailedInput]:
    """Documents extracted by `workers` processes. A worker that dies (killed, out of memory) breaks
    the pool: the documents it left undone are extracted again one per fresh process, so only the
    document that kills its process fails."""
    outcomes: dict[Path, DocumentResult | FailedInput] = {}
    retry: list[Path] = []
    with _pool(workers) as pool:
        futures: dict[Path, Future[DocumentResult | FailedInput]] = {
            path: pool.submit(_extract_or_fail, path, rules, ids[path], pdf_reader) for path in todo
        }
        for path, future in futures.items():
            try:
                outcomes[path] = future.result()
                done(path, outcomes[path])
            except BrokenProcessPool:
                retry.append(path)
    for path in retry:
        try:
            with _pool(1) as single:
                outcomes[path] = single.submit(_extract_or_fail, path, rules, ids[path], pdf_reader).result()
        except BrokenProcessPool:
            outcomes[path] = _failed(
                path, ids[path], "extract", f"{path.name}: the worker process died (out of memory?)"
            )
        done(path, outcomes[path])
    return outcomes


@dataclass(frozen=True)
class RunOptions:
    cache_dir: Path | None = None  # None: no cache
    force: bool = False  # extract again even what the cache holds
    workers: int = 1
    progress: bool = False
    allow_empty: bool = False  # write empty tables when there is no input at all
    wait: float = 600.0  # seconds to wait for another run writing to the same folder
    pdf_reader: str = ingest.PDF_READERS[0]  # where PDF characters come from (pdf_chars.py)


def run(paths: Iterable[Path], out_dir: Path, rules: Rules, options: RunOptions = RunOptions()) -> RunResult:
    """Extract every input (from the cache where its sha256, the rules and the version are unchanged),
    then validate and write all tables at once."""
    inputs = collect_inputs(paths)
    if not inputs and not options.allow_empty:
        raise EmptyInputError("no input files found: nothing extracted, outputs left as they were")
    write.check_output_dir(out_dir)  # before the work, not after it
    ids, id_problems = assign_doc_ids(inputs)
    cache = (
        cache_module.ResultCache(options.cache_dir, rules.fingerprint, options.pdf_reader)
        if options.cache_dir
        else None
    )
    outcomes: dict[Path, DocumentResult | FailedInput] = {}
    todo = []
    for path in inputs:
        cached = cache.get(path, ids[path]) if cache and not options.force else None
        if cached is not None:
            outcomes[path] = cached
            log.info("%s: unchanged, from the cache", path.name)
        else:
            todo.append(path)

    def finished(path: Path, outcome: DocumentResult | FailedInput) -> None:
        """One document done: logged at once (`--verbose` streams), cached, counted on the bar."""
        outcomes[path] = outcome
        if isinstance(outcome, DocumentResult):
            log.info("%s: extracted", path.name)
            if cache:
                cache.put(path, ids[path], outcome)
        else:
            log.info("%s: failed: %s", path.name, outcome.problem.message)
        bar.update(1)

    with progress_bar(len(todo), options.progress) as bar:
        if options.workers > 1 and len(todo) > 1:
            outcomes.update(
                _extract_in_workers(todo, ids, rules, options.workers, finished, options.pdf_reader)
            )
        else:
            for path in todo:
                finished(path, _extract_or_fail(path, rules, ids[path], options.pdf_reader))
    for problem in id_problems:
        outcome = outcomes[next(p for p in inputs if ids[p] == problem.doc_id)]
        if isinstance(outcome, DocumentResult):
            outcome.problems.append(problem)
    results = [o for o in (outcomes[p] for p in inputs) if isinstance(o, DocumentResult)]
    failed = [o for o in (outcomes[p] for p in inputs) if isinstance(o, FailedInput)]
    tables, dropped = write.build_valid_tables(results, failed, rules)
    sources: list[tuple[str, str, str | None]] = [
        (r.document.doc_id, r.document.source_path, r.document.sha256) for r in results
    ]
    sources += [(f.doc_id, f.source_path, f.sha256) for f in failed]
    manifest = write.build_manifest(tables, sources, rules.fingerprint)
    write.write_outputs(tables, manifest, out_dir, rules.vocabulary, options.wait)
    counts = {name: table.num_rows for name, table in tables.items()}
    unreconciled = [row for row in tables["reconciliation"].to_pylist() if not row["within_tolerance"]]
    return RunResult(results, failed, counts, len(todo), dropped, unreconciled)
