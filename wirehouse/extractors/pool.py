"""A process pool for extraction batches, with workers recycled against trafilatura's leak.

Extraction is CPU-bound, so it runs in `settings.workers` processes. trafilatura's memory
grows over long runs in one process (its issue #216), so each worker should handle about
`settings.max_pages_per_worker` pages and then be replaced.

``ProcessPoolExecutor(max_tasks_per_child=...)`` is not used for that: on Python 3.11-3.13 it
deadlocks once a worker retires while batches are queued (CPython gh-115634; reproduced here
on 3.11.7: ``max_tasks_per_child=2``, ten tasks, hangs after two). Instead the pool recycles a
whole *generation*: after ``workers * max_pages_per_worker`` pages it starts a new executor for
new batches and shuts the old one down without waiting; the old one finishes what it was given
and its processes exit. Both generations run side by side for the length of one batch at most.

Workers are forked from a forkserver that has imported and warmed up the extractor
(`wirehouse.extractors._preload`), so a fresh generation costs milliseconds, not seconds. The
forkserver start method is POSIX-only; elsewhere the pool falls back to spawn.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Self

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.batch import extract_batch
from wirehouse.records import Article, Page, Rejected

logger = logging.getLogger(__name__)

PRELOAD = ["wirehouse.extractors._preload"]

BatchResult = list[Article | Rejected]


def open_pool(settings: ExtractSettings) -> BatchPool:
    """The Dask cluster at `settings.dask_address` if set, else worker processes here.

    Connecting fails with a one-line `ConfigError` when the scheduler cannot be reached.
    """
    if settings.dask_address:
        # imported here: `distributed` takes a second to import, and most runs do not use it
        from wirehouse.extractors.dask_pool import DaskExtractionPool

        return DaskExtractionPool(settings.dask_address, settings)
    return ExtractionPool(settings)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # takes effect when this process's forkserver starts (on the first worker)
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class BatchPool(ABC):
    """What the flows need of a pool (local processes or a Dask cluster): where batches go,
    how many run at once, and a `with` block that closes it, cancelling the batches not
    started when the block raised."""

    @property
    @abstractmethod
    def capacity(self) -> int:
        """Batches extracted at once."""

    @abstractmethod
    def submit(self, pages: Sequence[Page]) -> Future[BatchResult]:
        """Extract `pages` elsewhere; the future holds one result per page, in order."""

    @abstractmethod
    def close(self, *, cancel_pending: bool = False) -> None:
        """Wait for (or cancel) what was submitted and release the workers."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(cancel_pending=exc_type is not None)


class ExtractionPool(BatchPool):
    """Run `extract_batch` in worker processes; one `submit` per batch of pages.

    Use as a context manager, or call `close()`; results come back as futures in any order.
    A batch whose worker process died (out of memory, a crash in native code) resolves with
    `BrokenProcessPool`: resubmit it; the next `submit` starts fresh workers.
    """

    def __init__(self, settings: ExtractSettings) -> None:
        self._settings = settings
        self._context = _context()
        self._budget = settings.workers * settings.max_pages_per_worker
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._pages_given = 0
        self._generations = 0
        # retired executors and the futures they still owe, kept until those are done
        self._retired: list[tuple[ProcessPoolExecutor, list[Future[BatchResult]]]] = []
        self._futures: list[Future[BatchResult]] = []
        self._closed = False

    @property
    def capacity(self) -> int:
        """Batches extracted at once: one per worker process."""
        return self._settings.workers

    @property
    def generations(self) -> int:
        """How many executors this pool has started (1 + recycles + replacements)."""
        return self._generations

    def submit(self, pages: Sequence[Page]) -> Future[BatchResult]:
        """Queue one batch; the future resolves to one `Article | Rejected` per page, in order."""
        batch = list(pages)
        with self._lock:
            if self._closed:
                raise RuntimeError("ExtractionPool is closed")
            executor = self._executor_for(len(batch))
            try:
                future = executor.submit(extract_batch, batch, self._settings)
            except BrokenProcessPool:
                # a worker died (killed for memory, crashed in native code): start afresh once
                logger.warning("extraction pool broken; starting new worker processes")
                self._retire()
                executor = self._executor_for(len(batch))
                future = executor.submit(extract_batch, batch, self._settings)
            self._futures.append(future)
            return future

    def close(self, *, cancel_pending: bool = False) -> None:
        """Wait for every submitted batch (or cancel those not started) and stop the workers."""
        with self._lock:
            self._closed = True
            executors = [executor for executor, _ in self._retired]
            if self._executor is not None:
                executors.append(self._executor)
            self._executor, self._retired, self._futures = None, [], []
        for executor in executors:
            executor.shutdown(wait=True, cancel_futures=cancel_pending)

    # ---------------------------------------------------------------- internals (hold the lock)

    def _executor_for(self, pages: int) -> ProcessPoolExecutor:
        if self._executor is not None and self._pages_given >= self._budget:
            logger.info("recycling extraction workers after %d pages", self._pages_given)
            self._retire()
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self._settings.workers, mp_context=self._context
            )
            self._pages_given = 0
            self._generations += 1
        self._pages_given += pages
        return self._executor

    def _retire(self) -> None:
        """Stop giving work to the current executor; it finishes its queue, then exits."""
        if self._executor is None:
            return
        self._executor.shutdown(wait=False)
        self._retired.append((self._executor, self._futures))
        self._executor, self._futures = None, []
        self._retired = [
            (ex, futs) for ex, futs in self._retired if not all(f.done() for f in futs)
        ]
