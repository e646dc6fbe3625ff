"""A run, streamed: `pipeline.run` is this module's `run`.

    inputs -> doc_ids -> each document, in doc_id order:
        from the cache (its validated tables, not extracted or validated again), or
        extracted by an engine (engines.py: this process, local worker processes, Dask), in batches
    -> as each document is done: its cache entry and its part written, then let go
    -> the tables assembled from the parts (assemble.py), one file each
    -> written one table at a time, then one swap of the output folder (write.py)

The run keeps only small records per document (where its part is, the problems it reports) and
holds one final table at a time, so its memory hardly grows with the number of documents. A run killed
halfway has written the cache entries of the documents it finished: the next run extracts only
the others.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from iscm_extract import engines, pipeline
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.progress import progress_bar
from iscm_extract.reading.ingest import display_path
from iscm_extract.rules import Rules
from iscm_extract.tables import arrow_tables, assemble, output_folder, write
from iscm_extract.tables.cache import ResultCache, entry_bytes, read_entry
from iscm_extract.tables.document import Job

log = logging.getLogger("iscm_extract")


class _Stream:
    """Where each document of a run goes as it is done, and the few things the run reports about
    it (failures, dropped rows, renamed inputs); never its rows."""

    def __init__(self, order: list[Path], ids: dict[Path, str], renamed: list[Problem]) -> None:
        self.index = {ids[path]: position for position, path in enumerate(order)}
        self.paths = {ids[path]: path for path in order}
        self.renamed: dict[str, list[Problem]] = defaultdict(list)
        for problem in renamed:
            self.renamed[problem.doc_id].append(problem)
        self.failed: list[FailedInput] = []
        self.dropped: list[Problem] = []
        self.results: list[DocumentResult] = []

    def finish(
        self, done: engines.Finished, parts: assemble.PartFolder, cache: ResultCache | None, fresh: bool
    ) -> None:
        """One document done: cached (when just extracted), its part written, logged."""
        path = self.paths[done.doc_id]
        entry = done.entry
        if fresh and cache is not None and done.failure is None and done.sha256 is not None:
            cache.put(path, done.sha256, done.doc_id, entry)  # without the renaming warning: see below
        renamed = self.renamed[done.doc_id] if done.failure is None else []  # none for a failure, as before
        if renamed:  # it depends on the other inputs, not on this one's content
            entry = entry_bytes(read_entry(entry).with_problems(renamed))
        parts.write(self.index[done.doc_id], entry)
        self.dropped += done.dropped
        if done.result is not None:
            self.results.append(done.result)
        if done.failure is not None:
            self.failed.append(FailedInput(done.doc_id, display_path(path), done.sha256, done.failure))
            log.info("%s: failed: %s", path.name, done.failure.message)
        else:
            log.info("%s: %s", path.name, "extracted" if fresh else "unchanged, from the cache")


def run(
    paths: Iterable[Path], out_dir: Path, rules: Rules, options: pipeline.RunOptions
) -> pipeline.RunResult:
    """Extract every input (from the cache where its sha256, the rules and the code are unchanged),
    streaming each document's tables to disk as it is done, then assemble and write all tables
    in one swap."""
    inputs = pipeline.collect_inputs(paths)
    if not inputs and not options.allow_empty:
        raise pipeline.EmptyInputError("no input files found: nothing extracted, outputs left as they were")
    output_folder.check_output_dir(out_dir)  # before the work, not after it
    ids, renamed = pipeline.assign_doc_ids(inputs)
    order = sorted(inputs, key=lambda path: ids[path])  # every table is in doc_id order
    cache = (
        ResultCache(options.cache_dir, rules.fingerprint, options.pdf_reader) if options.cache_dir else None
    )
    stream = _Stream(order, ids, renamed)
    with assemble.part_folder(out_dir) as parts:
        todo = []
        for path in order:
            cached = cache.get(path, ids[path]) if cache and not options.force else None
            if cached is None:
                todo.append(path)
            else:
                stream.finish(engines.Finished.of(cached), parts, cache, fresh=False)
        jobs = [Job(path, ids[path], display_path(path), options.pdf_reader) for path in todo]
        with progress_bar(len(todo), options.progress) as bar:
            for batch in engines.extract_all(jobs, rules, options):
                for done in batch:
                    stream.finish(done, parts, cache, fresh=True)
                bar.update(len(batch))
        give_back_memory()
        assembled = assemble.assemble(parts, len(order), rules)
        give_back_memory()
        sources = [(s.doc_id, s.source_path, s.sha256) for s in assembled.sources]
        manifest = write.build_manifest(assembled.tables, sources, rules.fingerprint)
        write.write_outputs(assembled.tables, manifest, out_dir, rules.vocabulary, options.wait, checked=True)
        return _result(assembled.tables, stream, len(todo), renamed)


def give_back_memory() -> None:
    """Memory freed by the phase just ended returned to the system (glibc keeps freed memory for
    reuse, Arrow's pool too), so that the next phase starts from what is still in use."""
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)


def _result(
    tables: Mapping[str, pa.Table], stream: _Stream, n_extracted: int, renamed: list[Problem]
) -> pipeline.RunResult:
    reconciliation = tables["reconciliation"]
    unreconciled = reconciliation.filter(pc.invert(reconciliation["within_tolerance"])).to_pylist()
    errors = pc.sum(pc.equal(tables["problems"]["severity"], "error")).as_py() or 0
    failed = {f.doc_id for f in stream.failed}
    return pipeline.RunResult(
        failed=stream.failed,
        row_counts=arrow_tables.row_counts(tables),
        n_extracted=n_extracted,
        dropped=stream.dropped,
        unreconciled=unreconciled,
        n_documents=len(stream.index),
        n_errors=int(errors),
        renamed=[p for p in renamed if p.doc_id not in failed],  # as in the problems table
        results=stream.results,
    )
