"""Where documents are extracted: in this process, in a pool of local worker processes
(`--workers N`), or on a Dask distributed cluster (`--engine dask`). Every engine runs the same
`document.extract_batch` on batches of documents and yields each batch's tables as soon as it is
done (as the bytes of their cache entries: compact, and written as they are), with no more than
two batches per worker in flight: the run writes them and lets them go, so memory does not grow
with the number of documents.

Batches are consecutive documents (in doc_id order), at most `batch_size` of them and
`BATCH_BYTES` of input: a large PDF is a batch of its own, small texts share one (their rows are
validated together, which costs per call, not per row). With several workers, batches are small
enough that every worker gets some; in this process, a batch is also closed after FLUSH_SECONDS
of work, so that a run killed halfway loses no more than that.

A worker process that dies (killed, out of memory) costs only its own document: in the local pool,
the documents left undone are extracted again one per fresh process; on Dask, a batch whose worker
died (KilledWorker) is sent again one document per task, and a document that kills its worker
again is a problems row.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iscm_extract import pipeline
from iscm_extract.model import DocumentResult, FailedInput, Problem
from iscm_extract.rules import Rules
from iscm_extract.tables import cache, document
from iscm_extract.tables.document import DocumentTables, Job

log = logging.getLogger("iscm_extract")

BATCH_BYTES = 256 * 1024
FLUSH_SECONDS = 2.0


class EngineError(RuntimeError):
    """The engine cannot start (Dask not installed, no scheduler at the address)."""


@dataclass(frozen=True)
class Finished:
    """One document done, as a worker hands it back: its tables as the bytes of its cache entry
    (compact, and written as they are), and what the run reports about it."""

    doc_id: str
    sha256: str | None
    entry: bytes
    failure: Problem | None = None
    dropped: tuple[Problem, ...] = ()
    result: DocumentResult | None = field(default=None, compare=False, repr=False)

    @staticmethod
    def of(tables: DocumentTables) -> Finished:
        entry = cache.entry_bytes(tables)
        return Finished(tables.doc_id, tables.sha256, entry, tables.failure, tables.dropped, tables.result)


def extract_entries(jobs: Sequence[Job], rules: Rules, keep_results: bool = False) -> list[Finished]:
    """What a worker runs: `document.extract_batch`, each document's tables handed back as entry
    bytes."""
    return [Finished.of(tables) for tables in document.extract_batch(jobs, rules, keep_results)]


def plan_batches(jobs: Sequence[Job], slots: int, size: int) -> list[list[Job]]:
    """Consecutive jobs in batches of at most `size` documents and BATCH_BYTES of input; with
    several `slots` (workers), at least four batches per slot where there are enough jobs."""
    limit = max(1, min(size, math.ceil(len(jobs) / (4 * slots)))) if slots > 1 else max(1, size)
    batches: list[list[Job]] = []
    current: list[Job] = []
    current_bytes = 0
    for job in jobs:
        size_of = _size(job.path)
        if current and (len(current) >= limit or current_bytes + size_of > BATCH_BYTES):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(job)
        current_bytes += size_of
    if current:
        batches.append(current)
    return batches


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone: its problems row says so


def extract_all(jobs: list[Job], rules: Rules, options: pipeline.RunOptions) -> Iterator[list[Finished]]:
    """Each batch's tables as it is done, by the engine the options name."""
    if not jobs:
        return
    if options.engine == "dask":
        yield from _on_dask(jobs, rules, options)
    elif options.workers > 1 and len(jobs) > 1:
        yield from _in_pool(jobs, rules, options)
    else:
        yield from _in_process(jobs, rules, options)


def _in_process(jobs: list[Job], rules: Rules, options: pipeline.RunOptions) -> Iterator[list[Finished]]:
    """Documents extracted here one after the other; a batch is validated and handed on when it
    holds `batch_size` documents, BATCH_BYTES of input or FLUSH_SECONDS of work, so that a run
    killed halfway loses no more than that."""
    batch: list[DocumentResult | FailedInput] = []
    started, size = time.monotonic(), 0
    for job in jobs:
        batch.append(document.extract_one(job, rules))
        size += _size(job.path)
        full = len(batch) >= options.batch_size or size >= BATCH_BYTES
        if full or time.monotonic() - started >= FLUSH_SECONDS:
            yield [Finished.of(t) for t in document.tables_of(batch, rules, options.keep_results)]
            batch, started, size = [], time.monotonic(), 0
    if batch:
        yield [Finished.of(t) for t in document.tables_of(batch, rules, options.keep_results)]


def _died(job: Job, rules: Rules) -> list[Finished]:
    message = f"{job.path.name}: the worker process died (out of memory?)"
    failed = pipeline._failed(job.path, job.doc_id, "extract", message)
    if job.source_path is not None:
        failed = dataclasses.replace(failed, source_path=job.source_path)
    return [Finished.of(t) for t in document.tables_of([failed], rules)]


# --- local worker processes ------------------------------------------------------------------------


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


def _in_pool(jobs: list[Job], rules: Rules, options: pipeline.RunOptions) -> Iterator[list[Finished]]:
    """Batches on `options.workers` processes. A worker that dies breaks the pool: the documents
    left undone are extracted again one per fresh process."""
    batches = deque(plan_batches(jobs, options.workers, options.batch_size))
    left: list[Job] = []
    with _pool(options.workers) as pool:
        running: dict[Future[list[Finished]], list[Job]] = {}
        while (batches or running) and not left:
            while batches and len(running) < 2 * options.workers:
                batch = batches.popleft()
                running[pool.submit(extract_entries, batch, rules, options.keep_results)] = batch
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                batch = running.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    left += batch
        left += [job for batch in [*running.values(), *batches] for job in batch]
    for job in left:
        try:
            with _pool(1) as single:
                yield single.submit(extract_entries, [job], rules, options.keep_results).result()
        except BrokenProcessPool:
            yield _died(job, rules)


# --- Dask distributed ------------------------------------------------------------------------------


def _distributed() -> Any:
    """dask.distributed, imported when a Dask run asks for it (an optional dependency). Its own
    logging (INFO by default: every worker started and stopped) is kept to warnings unless this
    run logs each document (--verbose)."""
    try:
        distributed = importlib.import_module("distributed")
    except ImportError as exc:
        raise EngineError("--engine dask needs Dask: pip install 'iscm-extract[dask]'") from exc
    if not log.isEnabledFor(logging.INFO):
        logging.getLogger("distributed").setLevel(logging.WARNING)
    return distributed


@contextmanager
def _dask_client(options: pipeline.RunOptions) -> Iterator[Any]:
    """A client of the scheduler at `options.dask_address`, or of a LocalCluster of
    `options.workers` single-threaded worker processes started here (and stopped on the way out)."""
    distributed = _distributed()
    if options.dask_address:
        try:
            client = distributed.Client(options.dask_address, timeout=30)
        except OSError as exc:
            raise EngineError(f"no Dask scheduler at {options.dask_address} ({exc})") from exc
        with client:
            yield client
        return
    with (
        distributed.LocalCluster(
            n_workers=options.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # no fixed port: runs side by side never collide
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _on_dask(jobs: list[Job], rules: Rules, options: pipeline.RunOptions) -> Iterator[list[Finished]]:
    """Batches as tasks on a Dask cluster, two per worker thread in flight; each result is taken
    and its future released as soon as it is done, so that the cluster lets the rows go."""
    distributed = _distributed()
    jobs = [
        dataclasses.replace(job, path=job.path.absolute()) for job in jobs
    ]  # the workers' folder may differ
    with _dask_client(options) as client:
        slots = max(1, sum(client.nthreads().values()))
        batches = deque(plan_batches(jobs, slots, options.batch_size))
        shared = client.scatter(rules, broadcast=True)
        running: dict[str, list[Job]] = {}
        queue = distributed.as_completed()

        def submit() -> None:
            batch = batches.popleft()
            future = client.submit(extract_entries, batch, shared, options.keep_results, pure=False)
            running[future.key] = batch
            queue.add(future)

        while batches and len(running) < 2 * slots:
            submit()
        for future in queue:
            batch = running.pop(future.key)
            try:
                result: list[Finished] = future.result()
            except distributed.KilledWorker:
                if len(batch) > 1:  # again, one document per task: only the culprit fails
                    batches.extendleft([job] for job in reversed(batch))
                result = [] if len(batch) > 1 else _died(batch[0], rules)
            future.release()
            if result:
                yield result
            while batches and len(running) < 2 * slots:
                submit()
