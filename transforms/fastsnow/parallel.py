"""Batch machinery: apply a batch function to each distinct text once, big batches on every core.

Reposts repeat text, so texts are deduplicated first. Batches of at least PARALLEL_MIN_TEXTS
distinct texts are split over a process pool; the segmenter tables (and whatever the batch
function needs) are loaded before the pool forks, so workers start in milliseconds and share
the tables' memory with the parent.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import chain
from typing import Any

from transforms.fastsnow.seg_tables import stock_tables
from transforms.fastsnow.segmenter import segment_many

PARALLEL_MIN_TEXTS = 800
TASKS_PER_WORKER = 2
MAX_TEXTS_PER_TASK = 4000


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
    workers = default_workers() if workers is None else max(1, workers)
    # A daemonic process (some executors run tasks in one) may not start children.
    if workers == 1 or len(items) < PARALLEL_MIN_TEXTS or multiprocessing.current_process().daemon:
        return func(items, *args)
    stock_tables()  # loaded before forking, so every worker shares it
    n_tasks = max(workers * TASKS_PER_WORKER, -(-len(items) // MAX_TEXTS_PER_TASK))
    size = -(-len(items) // n_tasks)
    spans = [(lo, min(lo + size, len(items))) for lo in range(0, len(items), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    # Workers get the texts with the job at start-up (inherited, not pickled, when forked)
    # and then only the bounds of each batch.
    with ProcessPoolExecutor(max_workers=min(workers, len(spans)), mp_context=context,
                             initializer=_init_worker, initargs=(func, items, args)) as pool:
        return list(chain.from_iterable(pool.map(_run_worker_batch, spans)))


_worker_job: tuple[Callable[..., list], list[str], tuple] | None = None


def _init_worker(func: Callable[..., list], items: list[str], args: tuple) -> None:
    global _worker_job
    _worker_job = (func, items, args)


def _run_worker_batch(span: tuple[int, int]) -> list:
    func, items, args = _worker_job
    return func(items[span[0]:span[1]], *args)
