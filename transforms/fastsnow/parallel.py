"""Batch machinery: apply a batch function to each distinct text once, big batches on every core.

Reposts repeat text, so texts are deduplicated first. Batches of at least PARALLEL_MIN_TEXTS
distinct texts are split over a process pool; the segmenter tables (and whatever the batch
function needs) are loaded before the pool forks, so workers start in milliseconds and share
the tables' memory with the parent. `map_chunks` is the pool itself, for any chunked job.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from typing import Any, TypeVar

from transforms.fastsnow.seg_tables import stock_tables
from transforms.fastsnow.segmenter import segment_many

PARALLEL_MIN_TEXTS = 800
TASKS_PER_WORKER = 2
MAX_TEXTS_PER_TASK = 4000
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def segment_parallel(texts: Sequence[str], workers: int | None = None) -> list[list[str]]:
    """`snownlp.SnowNLP(text).words` for each text, each distinct text once, big batches on all cores."""
    return copy_repeats(texts, per_distinct(segment_many, texts, workers))


def per_distinct(func: Callable[..., list], texts: Sequence[str], workers: int | None, *args: Any) -> list:
    """Apply a batch function to the distinct texts; its results for every text, in input order."""
    distinct = list(dict.fromkeys(texts))
    results = dict(zip(distinct, _run_batches(func, distinct, workers, args)))
    return [results[text] for text in texts]


def copy_repeats(texts: Sequence[str], word_lists: list[list[str]]) -> list[list[str]]:
    """Give later copies of a repeated text their own word list, so callers may mutate results."""
    seen: set[str] = set()
    out = []
    for text, words in zip(texts, word_lists):
        out.append(list(words) if text in seen else words)
        seen.add(text)
    return out


def _run_batches(func: Callable[..., list], items: list[str], workers: int | None, args: tuple) -> list:
    return list(chain.from_iterable(map_chunks(func, items, args, workers=workers, min_items=PARALLEL_MIN_TEXTS,
                                               chunk_size=MAX_TEXTS_PER_TASK, warm=stock_tables)))


def map_chunks(func: Callable[..., R], items: Sequence, args: tuple = (), *, workers: int | None = None,
               min_items: int, chunk_size: int, warm: Callable[[], object] | None = None) -> Iterator[R]:
    """`func(chunk, *args)` for consecutive chunks of `items` (at most `chunk_size` each, at least
    TASKS_PER_WORKER per worker), yielded in order as they are ready.

    Below `min_items`, with one worker, or in a daemonic process (which may not start children),
    the chunks run in this process: no pool start-up. Otherwise a process pool runs them: forked
    where the platform can, after `warm()` loaded what every chunk needs (the workers inherit
    it, share its memory and start at once; the items travel with the fork, each task carries
    only its bounds); spawned elsewhere, each worker calling `warm()` once and each task carrying
    its chunk. `func` must be a module-level function, so a spawned worker can import it.
    """
    workers = default_workers() if workers is None else max(1, workers)
    pooled = workers > 1 and len(items) >= min_items and not multiprocessing.current_process().daemon
    n_chunks = max(workers * TASKS_PER_WORKER if pooled else 1, -(-len(items) // chunk_size))
    size = max(1, -(-len(items) // n_chunks))
    spans = [(lo, min(lo + size, len(items))) for lo in range(0, len(items), size)]
    if not pooled:
        yield from (func(items[lo:hi], *args) for lo, hi in spans)
        return
    forked = "fork" in multiprocessing.get_all_start_methods()
    if forked:
        if warm is not None:
            warm()
        gc.freeze()  # else the collector writes to every inherited object, copying the pages workers share
    tasks = spans if forked else [(lo, hi, items[lo:hi]) for lo, hi in spans]
    pool = ProcessPoolExecutor(max_workers=min(workers, len(spans)),
                               mp_context=multiprocessing.get_context("fork" if forked else "spawn"),
                               initializer=_init_worker,
                               initargs=(func, args, items if forked else None, None if forked else warm))
    try:
        yield from pool.map(_run_worker_chunk, tasks)
    finally:  # a caller that stops early (its own error) leaves no chunk running for nothing
        pool.shutdown(cancel_futures=True)
        if forked:
            gc.unfreeze()


_worker_job: tuple[Callable[..., Any], tuple, Sequence | None] | None = None


def _init_worker(func: Callable[..., Any], args: tuple, items: Sequence | None,
                 warm: Callable[[], object] | None) -> None:
    global _worker_job
    _worker_job = (func, args, items)
    if warm is not None:
        warm()


def _run_worker_chunk(task: tuple) -> Any:
    func, args, items = _worker_job
    chunk = items[task[0]:task[1]] if items is not None else task[2]
    return func(chunk, *args)
