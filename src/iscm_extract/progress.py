"""A progress bar on a terminal, nothing under CI, --quiet or when output is not a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from tqdm import tqdm


class Bar(Protocol):
    def update(self, n: int = 1) -> object: ...


def wanted(quiet: bool) -> bool:
    return not quiet and not os.environ.get("CI") and sys.stderr.isatty()


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Bar]:
    with tqdm(total=total, unit="doc", disable=not enabled or total == 0, file=sys.stderr) as bar:
        yield bar
