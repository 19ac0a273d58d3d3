"""Ordered, bounded fan-out of batches to worker processes.

The parent reads the WARC files (sequential I/O) and cuts the stream into batches; workers do
the CPU-bound part (parsing, detectors, trafilatura); results come back **in input order**, so
the output does not depend on the number of workers or on scheduling. At most ``window`` batches
are in flight: reading never runs ahead of processing, and memory stays flat however large the
crawl (``multiprocessing.Pool.imap`` would queue the whole input).

With ``workers <= 1`` everything runs in-process (no pickling, no fork): the one-core baseline.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


#: Net container allocations between two young-generation collections during
#: :func:`ordered_map` (see there).
GEN0_THRESHOLD = 10_000


def default_workers() -> int:
    """Return the number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    window: int | None = None,
) -> Iterator[R]:
    """``map(fn, items)`` over ``workers`` processes, yielding results in input order.

    The objects alive when the loop starts (imported modules, the config, the caller's own)
    are frozen out of the cyclic garbage collector's view for the loop (``gc.freeze``,
    https://docs.python.org/3/library/gc.html#gc.freeze) and handed back to it when the loop
    ends: full collections then scan only what the pages allocate, not the hundreds of
    thousands of objects trafilatura, pyarrow and datasets bring (~0.4 ms per page otherwise;
    in-process that is the whole export, with workers the parent that reads and writes, and
    forked workers start frozen). Nothing is freed differently: garbage made during the loop
    is collected as before, garbage among the frozen objects after the loop.
    A caller that froze objects itself keeps its freeze.

    For the loop, a young-generation collection also waits for :data:`GEN0_THRESHOLD` more
    container allocations than frees instead of CPython's 700: a page allocates and frees
    tens of thousands of objects, so at 700 the collector ran about every other page, scanning
    the objects of the page in hand (~0.1 ms per page of an export, 0.02 at this threshold;
    ``gc.set_threshold``, https://docs.python.org/3/library/gc.html#gc.set_threshold). The
    thresholds are restored when the loop ends; what is garbage is collected all the same.
    """
    frozen_here = gc.get_freeze_count() == 0  # a caller's own freeze is left as it is
    if frozen_here:
        gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], GEN0_THRESHOLD), *thresholds[1:])
    try:
        yield from _ordered_map(fn, items, workers, initializer, initargs, window)
    finally:
        gc.set_threshold(*thresholds)
        if frozen_here:
            gc.unfreeze()


def _ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
    window: int | None,
) -> Iterator[R]:
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for item in items:
            yield fn(item)
        return
    limit = window or 2 * workers
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(workers, initializer=initializer, initargs=initargs) as pool:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(pool.apply_async(fn, (item,)))
            if len(pending) >= limit:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def batched(
    items: Iterable[T], *, max_items: int, max_bytes: int, size: Callable[[T], int]
) -> Iterator[list[T]]:
    """Cut ``items`` into lists of at most ``max_items`` items or about ``max_bytes`` bytes."""
    batch: list[T] = []
    total = 0
    for item in items:
        batch.append(item)
        total += size(item)
        if len(batch) >= max_items or total >= max_bytes:
            yield batch
            batch = []
            total = 0
    if batch:
        yield batch
