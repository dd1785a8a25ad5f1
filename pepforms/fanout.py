"""One way to spread a batch over processes: in order, with progress, and in-process for one job.

generate, validate and finalise all do the same thing per item and need their results in the
order of their items. With `jobs > 1` the items go to a process pool; `fn` and the items must then
be picklable (a module-level function and plain data). Where processes fork (Linux), workers
inherit what the parent has already loaded — schemas, prepared templates — so a caller that
warms its caches before fanning out pays for them once.

Workers end with the parent: on Linux each asks the kernel for SIGTERM when its parent dies (even
by `kill -9`), and Ctrl-C or SIGTERM in the parent shuts the pool down, so no orphan goes on
writing files after the command has stopped.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunks(items: Sequence[T], jobs: int, most: int = 32) -> list[list[T]]:
    """`items` in consecutive runs: at most `most` long, and enough of them that `jobs`
    processes each get several (so that one slow run does not leave the others idle)."""
    if not items:
        return []
    per = most if jobs <= 1 else max(1, min(most, -(-len(items) // (jobs * 4))))
    return [list(items[i:i + per]) for i in range(0, len(items), per)]


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


def _results(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    if jobs <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item)
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)), initializer=_die_with_parent)
    try:
        yield from pool.map(fn, items)
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown(wait=True)


def fan_out_iter(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1,
                 progress: Callable[[int], None] | None = None,
                 size: Callable[[T], int] | None = None) -> Iterator[R]:
    """`fn(item)` for every item, in order, as each is done (so a batch can stream)."""
    for item, result in zip(items, _results(fn, items, jobs), strict=True):
        yield result
        if progress is not None:
            progress(size(item) if size is not None else 1)


def fan_out(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1,
            progress: Callable[[int], None] | None = None,
            size: Callable[[T], int] | None = None) -> list[R]:
    """`[fn(item) for item in items]`, over `jobs` processes when there is more than one.

    `progress(n)` is called as each item is done, with `size(item)` (1 when not given): a caller
    that hands over runs of forms counts forms, not runs. An exception in `fn` stops the batch and
    is raised here, as it would be in a loop: callers turn per-item problems into outcomes first.
    """
    return list(fan_out_iter(fn, items, jobs, progress, size))


class LongLivedFrozen:
    """While a batch runs, what was loaded before it and by its first form (modules, schemas,
    validators, the register's tables) is left out of the garbage collector's full passes
    (gc.freeze): otherwise each pass walks all of it, and a batch that records in the register
    makes enough objects to trigger many. Thawed when the batch ends; nothing is kept longer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the web page runs batches on several threads at once
        self._depth = 0
        self._frozen = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._frozen:
                    gc.unfreeze()
                    self._frozen = False

    def loaded(self) -> None:
        if self._frozen:
            return
        with self._lock:
            if self._depth and not self._frozen:
                gc.freeze()
                self._frozen = True


long_lived_frozen = LongLivedFrozen()  # with long_lived_frozen(): ... long_lived_frozen.loaded()
