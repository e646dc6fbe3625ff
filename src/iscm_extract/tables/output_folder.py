"""The output folder: checked before any work, locked while a run writes, replaced in one swap.

The output folder is replaced as a whole, never file by file:

    outputs/                      the tables and manifest.json of one run (real files)
    .outputs.lock                 held while a run writes: a second run waits for it
    .outputs.staging-<pid>-<n>/   the new run's tables and manifest, written and fsynced here

and then `renameat2(RENAME_EXCHANGE)` swaps the staging folder and outputs/ in one atomic step
(where the system lacks it: outputs/ is renamed aside and the staging folder renamed into its
place; a run killed between the two is rolled back by the next run). The previous tables, now
in the staging folder, are deleted. A kill at any point leaves outputs/ as one whole run, old or
new; leftovers of killed runs are removed by the next run, under the lock. The manifest lists
each table's sha256 and row count and a run id (a hash of those), so `validate` can tell a
folder that mixes two runs from one run. Users keep reading `outputs/meetings.parquet`, and git
keeps committing real files: outputs/ is a folder, not a link.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock

from iscm_extract.tables import validate

log = logging.getLogger("iscm_extract")

RUN_FILE = "run.json"


def run_info() -> dict[str, Any]:
    """When and with which Python a run wrote its tables: run.json beside the manifest (ignored by
    git and by diff, since it changes on every run)."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


class OutputError(ValueError):
    """The output folder cannot take the tables (a file, read-only, holding other files, busy)."""


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _ours(entry: Path) -> bool:
    """What a run writes into the output folder (and the staging folders of older versions)."""
    return (
        entry.suffix == ".parquet"
        or entry.name in {"manifest.json", RUN_FILE}
        or entry.name.startswith(".staging-")
    )


def check_output_dir(out_dir: Path) -> None:
    """Raise OutputError, before any work is done, when the tables could not be put in out_dir."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out {out_dir} is a file, not a folder")
    ancestor = out_dir.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    try:  # a real probe: permission bits do not tell for root, nor for read-only mounts
        with tempfile.TemporaryDirectory(dir=ancestor, prefix=f".{out_dir.name}.probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"--out {out_dir}: cannot write in {ancestor} ({exc.strerror})") from None
    if out_dir.is_dir():
        if not _writable(out_dir):
            raise OutputError(f"--out {out_dir} is read-only")
        foreign = sorted(e.name for e in out_dir.iterdir() if not _ours(e))
        if foreign:
            raise OutputError(
                f"--out {out_dir} holds files that are not tables ({', '.join(foreign[:3])}): the folder is "
                "replaced as a whole, so choose a new or empty folder"
            )


# --- one swap for the whole folder ---------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_counter = itertools.count()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in {22, 38, 95}:  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(error, os.strerror(error), str(b))


def _sibling(out_dir: Path, what: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.{what}"


def swap_in(staging: Path, out_dir: Path) -> None:
    """Put the folder `staging` in the place of `out_dir` in one step; `staging` then holds the
    previous tables (or is gone when there were none)."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
    elif not _exchange(staging, out_dir):
        aside = _sibling(out_dir, f"previous-{os.getpid()}-{next(_counter)}")
        os.rename(out_dir, aside)
        os.rename(staging, out_dir)  # killed before this: the next run renames `aside` back
        os.rename(aside, staging)


def new_staging(out_dir: Path) -> Path:
    """A new, empty staging folder beside out_dir (held under the lock), the leftovers of killed
    runs removed first."""
    _clean_leftovers(out_dir)
    staging = _sibling(out_dir, f"staging-{os.getpid()}-{next(_counter)}")
    staging.mkdir()
    return staging


def _clean_leftovers(out_dir: Path) -> None:
    """Leftovers of killed runs (held under the lock): a previous folder whose swap was cut short is
    put back; staging folders are deleted."""
    previous = sorted(out_dir.parent.glob(f".{out_dir.name}.previous-*"), key=lambda p: p.stat().st_mtime)
    if previous and not out_dir.exists():
        os.rename(previous.pop(), out_dir)
    for leftover in [*previous, *out_dir.parent.glob(f".{out_dir.name}.staging-*")]:
        log.info("removing %s, left by a run that was stopped", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def output_lock(out_dir: Path, wait: float) -> Iterator[None]:
    """Exclusive lock on the output folder (a lock file beside it, released even when the process
    is killed): a second run waits up to `wait` seconds, then fails."""
    lock = filelock.FileLock(_sibling(out_dir, "lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        print(f"iscm-extract: another run is writing to {out_dir}; waiting for it", file=sys.stderr)
        try:
            lock.acquire(timeout=wait)
        except filelock.Timeout:
            raise OutputError(
                f"another run is still writing to {out_dir} after {wait:.0f} s (lock {lock.lock_file})"
            ) from None
    try:
        yield
    finally:
        lock.release()


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def is_current(out_dir: Path, manifest_file: Path) -> bool:
    """out_dir holds the run that `manifest_file` describes: the same manifest, and every table the
    one it names (sha256 and row count)."""
    current = out_dir / "manifest.json"
    try:
        if current.read_bytes() != manifest_file.read_bytes():
            return False
    except OSError:
        return False
    return not validate.consistency_failures(out_dir)


def publish(staging: Path, out_dir: Path) -> None:
    """The staged tables fsynced, with the run's time and Python beside them, swapped in."""
    for path in staging.iterdir():
        _fsync(path)
    (staging / RUN_FILE).write_text(json.dumps(run_info(), indent=2) + "\n")
    _fsync(staging)
    swap_in(staging, out_dir)
    _fsync(out_dir.parent)
