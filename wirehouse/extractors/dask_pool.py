"""Extraction batches on a Dask cluster, for when one machine's cores are not enough.

Only the pure function `extract_batch` goes to the cluster: fetching, deduplication and the
warehouse writes stay in the process that runs the flow (it holds the warehouse). So this is a
`distributed.Client` with `client.submit(extract_batch, pages, settings)`, not prefect-dask's
`DaskTaskRunner`, which would ship whole Prefect tasks, DuckDB writes included, to workers.

Each batch travels inside its task, so the scheduler holds the pages until the batch is done:
when a worker dies mid-batch the scheduler runs the batch again on another worker (up to
`distributed.scheduler.allowed-failures` times, 3 by default); after that the batch fails with
`KilledWorker` and so does the run. Nothing is lost silently.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError, wait

import dask
import distributed
from distributed.comm import resolve_address

from wirehouse.config.settings import ExtractSettings
from wirehouse.errors import ConfigError
from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.pool import BatchPool, BatchResult
from wirehouse.records import Page

# refused connections are retried until this deadline: long enough for a scheduler that is
# restarting, short enough that a wrong address fails the run before any page is fetched
CONNECT_TIMEOUT_S = 10.0
# a batch of 128 real pages is ~22 MB, over Dask's 10 MB "large graph" warning; sending the
# pages with the task is deliberate (see the module docstring), so warn only far above that
_LARGE_GRAPH = {"distributed.admin.large-graph-warning-threshold": "512MiB"}


class DaskExtractionPool(BatchPool):
    """`ExtractionPool`'s interface (submit, close, context manager) over a Dask scheduler."""

    def __init__(
        self, address: str, settings: ExtractSettings, *, timeout_s: float = CONNECT_TIMEOUT_S
    ) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._pending: set[Future[BatchResult]] = set()
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
        with self._lock:
            if self._closed:
                raise RuntimeError("DaskExtractionPool is closed")
            with dask.config.set(_LARGE_GRAPH):
                remote = self._client.submit(extract_batch, list(pages), self._settings, pure=False)
            self._pending.add(done)
        # a batch the run gives up on (cancelled) frees its place on the cluster too
        done.add_done_callback(lambda f: remote.cancel() if f.cancelled() else None)
        remote.add_done_callback(lambda r: self._settle(r, done))
        return done

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
        with contextlib.suppress(InvalidStateError):  # the caller cancelled `done` meanwhile
            try:
                result = remote.result()
            except BaseException as exc:  # KilledWorker, CancelledError, an error in the batch
                done.set_exception(exc)
            else:
                done.set_result(result)
        with self._lock:
            self._pending.discard(done)
