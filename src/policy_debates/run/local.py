"""The local executor: a process pool over shards (default: all cores)."""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Callable, Iterator


class LocalExecutor:
    """``map(fn, calls)`` runs ``fn(*call)`` for each call and yields ``(index, result)``
    as they finish; with one worker it runs in this process, in order."""

    name = "local"

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._pool = None

    def __enter__(self):
        if self.workers > 1:
            # spawn, not fork: the driver may hold threads (progress bar) whose locks fork would copy
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"))
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable, calls: list[tuple]) -> Iterator[tuple[int, Any]]:
        if self._pool is None:
            for i, call in enumerate(calls):
                yield i, fn(*call)
            return
        futures = {self._pool.submit(fn, *call): i for i, call in enumerate(calls)}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
