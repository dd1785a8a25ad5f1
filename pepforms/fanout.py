"""One way to spread a batch over processes (generate, validate, finalise), results in order.

Workers end with the parent: on Linux each asks the kernel for SIGTERM when its parent dies (even
by `kill -9`), and Ctrl-C or SIGTERM in the parent shuts the pool down, so no orphan goes on
writing files after the command has stopped.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
            if os.getppid() == 1:  # the parent died before the request was made
                os._exit(1)
        except (OSError, AttributeError):  # no prctl: the pool's own shutdown still applies
            pass
    # A forked worker inherits the parent's handlers: SIGTERM must end it, not be caught;
    # Ctrl-C goes to the whole process group, and the parent decides what happens then.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fan_out(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1,
            progress: Callable[[int], None] | None = None, chunksize: int = 2) -> Iterator[R]:
    """`fn(item)` for every item, in order: in this process, or in `jobs` worker processes."""
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item)
            if progress:
                progress(1)
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)), initializer=_die_with_parent)
    try:
        for result in pool.map(fn, items, chunksize=chunksize):
            yield result
            if progress:
                progress(1)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise
    pool.shutdown(wait=True)
