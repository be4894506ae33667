"""Extraction batches on a Dask cluster, for when one machine's cores are not enough.

Only the pure function `extract_batch` goes to the cluster: fetching, deduplication and the
warehouse writes stay in the process that runs the flow (it holds the warehouse). So this is a
`distributed.Client` with `client.submit(extract_batch, pages, settings)`, not prefect-dask's
`DaskTaskRunner`, which would ship whole Prefect tasks, DuckDB writes included, to workers.

Each batch travels inside its task, so the scheduler holds the pages until the batch is done:
when a worker dies mid-batch the scheduler runs the batch again on another worker (up to
`distributed.scheduler.allowed-failures` times, 3 by default); after that the batch fails with
`KilledWorker` and so does the run. Nothing is lost silently.

A batch has a deadline too: `page_timeout_s` plus an allowance per page. A batch past it is
cancelled and its pages sent again one task each, so the page that hangs is found; pages not
back within the same deadline are rejected as ``extract_timeout``. Dask cannot stop a task
that is running: a page hung in native code keeps its worker thread until it ends or that
worker is restarted, which the cluster's operator sees on Dask's dashboard.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError, wait

import dask
import distributed
from distributed.comm import resolve_address

from wirehouse.config.settings import ExtractSettings
from wirehouse.errors import ConfigError
from wirehouse.extractors.batch import extract_batch, extract_one
from wirehouse.extractors.pool import BatchPool, BatchResult, CallTimeout, rejected_for
from wirehouse.records import Page

logger = logging.getLogger(__name__)

# refused connections are retried until this deadline: long enough for a scheduler that is
# restarting, short enough that a wrong address fails the run before any page is fetched
CONNECT_TIMEOUT_S = 10.0
# a batch of 128 real pages is ~22 MB, over Dask's 10 MB "large graph" warning; sending the
# pages with the task is deliberate (see the module docstring), so warn only far above that
_LARGE_GRAPH = {"distributed.admin.large-graph-warning-threshold": "512MiB"}
# a real page takes 20-40 ms to extract: a second each leaves room for a busy cluster and for
# the batch waiting behind another on its worker
PAGE_ALLOWANCE_S = 1.0


class DaskExtractionPool(BatchPool):
    """`ExtractionPool`'s interface (submit, close, context manager) over a Dask scheduler."""

    def __init__(
        self,
        address: str,
        settings: ExtractSettings,
        *,
        timeout_s: float = CONNECT_TIMEOUT_S,
        page_allowance_s: float = PAGE_ALLOWANCE_S,
    ) -> None:
        self._settings = settings
        self._page_allowance_s = page_allowance_s
        self._lock = threading.Lock()
        self._pending: set[Future[BatchResult]] = set()
        self._splitting: set[Future[BatchResult]] = set()
        self._closed = False
        try:
            # parsed (and its host looked up) before the Client: a Client given a malformed
            # address hangs for 2 x timeout_s in its finaliser (distributed 2026.8.0)
            resolve_address(address)
            self._client = distributed.Client(address, timeout=timeout_s, set_as_default=False)
        except ValueError as exc:
            raise ConfigError(f"extract.dask_address: bad address {address!r}: {exc}") from None
        except OSError as exc:
            raise ConfigError(
                f"extract.dask_address: cannot reach the Dask scheduler at {address}: {exc}"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=timeout_s)
        except TimeoutError:
            self._client.close()
            raise ConfigError(
                f"extract.dask_address: the Dask scheduler at {address} has no workers "
                f"(waited {timeout_s:g} s)"
            ) from None
        workers = self._client.scheduler_info(n_workers=-1)["workers"].values()
        self._capacity = max(1, sum(int(w["nthreads"]) for w in workers))

    @property
    def capacity(self) -> int:
        """Batches the cluster runs at once (its worker threads when the pool opened)."""
        return self._capacity

    def submit(self, pages: Sequence[Page]) -> Future[BatchResult]:
        """Queue one batch; the future resolves to one `Article | Rejected` per page, in order."""
        done: Future[BatchResult] = Future()
        batch = list(pages)
        with self._lock:
            if self._closed:
                raise RuntimeError("DaskExtractionPool is closed")
            with dask.config.set(_LARGE_GRAPH):
                remote = self._client.submit(extract_batch, batch, self._settings, pure=False)
            self._pending.add(done)
        timer = threading.Timer(self._deadline_s(len(batch)), self._split, (remote, batch, done))
        timer.daemon = True
        # a batch the run gives up on (cancelled) frees its place on the cluster too
        done.add_done_callback(lambda f: remote.cancel() if f.cancelled() else None)
        done.add_done_callback(lambda _: timer.cancel())
        remote.add_done_callback(lambda r: self._settle(r, done))
        timer.start()
        return done

    def _deadline_s(self, pages: int) -> float:
        return self._settings.page_timeout_s + pages * self._page_allowance_s

    def _split(
        self, remote: distributed.Future, batch: list[Page], done: Future[BatchResult]
    ) -> None:
        """On the timer's thread: the batch is late, so find its slow pages one task each."""
        try:
            self._split_pages(remote, batch, done)
        except BaseException as exc:  # the caller must hear back, whatever happened here
            with contextlib.suppress(InvalidStateError):
                done.set_exception(exc)
            with self._lock:
                self._splitting.discard(done)
                self._pending.discard(done)

    def _split_pages(
        self, remote: distributed.Future, batch: list[Page], done: Future[BatchResult]
    ) -> None:
        with self._lock:
            if done.done():
                return
            self._splitting.add(done)
        logger.warning("an extraction batch of %d pages is late: retrying page by page", len(batch))
        self._restart_workers_of([remote])
        with dask.config.set(_LARGE_GRAPH):
            singles = [
                self._client.submit(extract_one, page, self._settings, pure=False) for page in batch
            ]
        wait_for = self._deadline_s(len(batch))
        deadline = time.monotonic() + wait_for
        results: BatchResult = []
        late = []
        for page, single in zip(batch, singles, strict=True):
            try:
                # (distributed.wait would need this client to be the process's default)
                results.append(single.result(timeout=max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                late.append(single)
                results.append(rejected_for(page, CallTimeout(f"over {wait_for:g} s")))
            except Exception as exc:  # KilledWorker, a bug: that page only
                results.append(rejected_for(page, exc))
        if late:
            self._restart_workers_of(late)
        with contextlib.suppress(InvalidStateError):
            done.set_result(results)
        with self._lock:
            self._splitting.discard(done)
            self._pending.discard(done)

    def _restart_workers_of(self, remotes: list[distributed.Future]) -> None:
        """Cancel tasks and restart the workers running them: a cancelled task that is running
        keeps its thread busy, and the scheduler would send the next pages there."""
        keys = {r.key for r in remotes}
        try:
            busy = [w for w, ks in self._client.processing().items() if keys & set(ks)]
        except Exception:  # the scheduler is gone: nothing to free
            busy = []
        for remote in remotes:
            remote.cancel()
        if busy:
            logger.warning("restarting Dask workers %s to stop late extractions", busy)
            try:
                # not waited for long: the other workers take the pages meanwhile
                self._client.restart_workers(busy, timeout=5, raise_for_error=False)
            except Exception as exc:  # no nanny to restart it: the thread stays busy
                logger.warning("could not restart Dask workers %s: %s", busy, exc)

    def close(self, *, cancel_pending: bool = False) -> None:
        """Wait for every submitted batch (or cancel them) and disconnect from the scheduler."""
        with self._lock:
            self._closed = True
            pending = list(self._pending)
        if cancel_pending:
            for done in pending:
                done.cancel()
        wait(pending)
        self._client.close()

    def _settle(self, remote: distributed.Future, done: Future[BatchResult]) -> None:
        """On Dask's callback thread: bring the result (or the error) back to the caller."""
        with self._lock:
            if done in self._splitting:  # late and cancelled: `_split` answers instead
                return
        with contextlib.suppress(InvalidStateError):  # the caller cancelled `done` meanwhile
            try:
                result = remote.result()
            except BaseException as exc:  # KilledWorker, CancelledError, an error in the batch
                done.set_exception(exc)
            else:
                done.set_result(result)
        with self._lock:
            self._pending.discard(done)
