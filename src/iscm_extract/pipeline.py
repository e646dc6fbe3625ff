"""The whole flow on one screen: inputs -> ingest -> classify -> segment/normalise -> tables."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from iscm_extract import cache as cache_module
from iscm_extract import classify, facts, ingest, normalise, segment, write
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.progress import progress_bar
from iscm_extract.rules import Rules

log = logging.getLogger("iscm_extract")


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over documents (for `make bench`)."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


def extract_document(path: Path, rules: Rules, times: StageTimes | None = None) -> DocumentResult:
    """All stages for one input. Raises ingest.IngestError when the file cannot be read."""
    timed = times or StageTimes()
    with timed("ingest"):
        document, warnings = ingest.read(path)
    problems = [Problem(document.doc_id, "ingest", "warning", w) for w in warnings]
    with timed("classify"):
        info = classify.classify(document, rules.classify)
    with timed("normalise"):
        definitions = normalise.find_definitions(document.text, rules.registry, rules.normalise)
        resolver = normalise.Resolver(rules.registry, rules.normalise, definitions)
    with timed("segment"):
        sections, segment_problems = segment.segment(document, info, resolver, rules.sections)
    # Imported here: spaCy takes about a second to import, and a run served from the cache needs none.
    from iscm_extract import meetings

    with timed("meetings"):
        extractor = meetings.MeetingExtractor(rules.meetings, rules.places)
        meeting_records, meeting_problems = extractor.extract(document, info, sections, resolver)
    with timed("facts"):
        found, fact_problems = facts.extract_facts(document, info, sections, resolver, rules)
    if info.kind == "other":
        problems.append(Problem(document.doc_id, "classify", "warning", NOT_EXTRACTED))
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
    row_counts: dict[str, int] = field(default_factory=dict)
    n_extracted: int = 0  # documents read again (not from the cache)

    @property
    def n_errors(self) -> int:
        return len(self.failed) + sum(p.severity == "error" for r in self.results for p in r.problems)


def _extract_or_fail(path: Path, rules: Rules) -> DocumentResult | FailedInput:
    try:
        return extract_document(path, rules)
    except ingest.IngestError as exc:
        problem = Problem(path.stem, "ingest", "error", str(exc))
        return FailedInput(path.stem, ingest.display_path(path), _sha256(path), problem)


@dataclass(frozen=True)
class RunOptions:
    cache_dir: Path | None = None  # None: no cache
    force: bool = False  # extract again even what the cache holds
    workers: int = 1
    progress: bool = False


def run(paths: Iterable[Path], out_dir: Path, rules: Rules, options: RunOptions = RunOptions()) -> RunResult:
    """Extract every input (from the cache where its sha256, the rules and the version are unchanged),
    then validate and write all tables at once."""
    inputs = collect_inputs(paths)
    cache = cache_module.ResultCache(options.cache_dir, rules.fingerprint) if options.cache_dir else None
    outcomes: dict[Path, DocumentResult | FailedInput] = {}
    todo = []
    for path in inputs:
        cached = cache.get(path) if cache and not options.force else None
        if cached is not None:
            outcomes[path] = cached
            log.info("%s: unchanged, from the cache", path.name)
        else:
            todo.append(path)
    with progress_bar(len(todo), options.progress) as bar:
        if options.workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=options.workers) as pool:
                for path, outcome in zip(
                    todo, pool.map(_extract_or_fail, todo, [rules] * len(todo)), strict=True
                ):
                    outcomes[path] = outcome
                    bar.update(1)
        else:
            for path in todo:
                outcomes[path] = _extract_or_fail(path, rules)
                bar.update(1)
    for path in todo:
        log.info("%s: extracted", path.name)
        if cache and isinstance(outcomes[path], DocumentResult):
            cache.put(path, outcomes[path])  # type: ignore[arg-type]
    results = [o for o in (outcomes[p] for p in inputs) if isinstance(o, DocumentResult)]
    failed = [o for o in (outcomes[p] for p in inputs) if isinstance(o, FailedInput)]
    tables = write.build_tables(results, failed)
    sources: list[tuple[str, str, str | None]] = [
        (r.document.doc_id, r.document.source_path, r.document.sha256) for r in results
    ]
    sources += [(f.doc_id, f.source_path, f.sha256) for f in failed]
    manifest = write.build_manifest(tables, sources, rules.fingerprint)
    write.write_outputs(tables, manifest, out_dir, rules.registry.ids)
    return RunResult(results, failed, {name: table.num_rows for name, table in tables.items()}, len(todo))
