"""Worker processes for extraction: every page has a deadline, and no page can stall a run.

Extraction is CPU-bound, so it runs in `settings.workers` processes. One hostile page (a regex
that backtracks, lxml on a pathological tree, a hang in native code) must not hold a run, and
native code ignores signals, so the only sure way to stop it is to kill its process. That is
why this pool is not a ``ProcessPoolExecutor``: there, killing one worker breaks the whole
executor and every batch in it, and nothing says which page of a batch hung.

Here each worker has its own pipe and is given one page at a time; a dispatcher thread sends
the next page when the result of the previous one comes back, so it knows which page each
worker is on and since when. A page past `page_timeout_s` has its worker killed and replaced
and becomes ``Rejected(..., "extract_timeout")``; a page whose worker dies (out of memory, a
crash in native code) is tried again `crash_retries` times on a fresh worker, then becomes
``extract_crashed``. The other pages of the batch go on. Batches stay the unit of `submit` (one
Prefect task, one load transaction); the pipe round trip of a page and its article costs
0.5 ms of CPU, both sides together, against 14 ms of extracting it (`bench/pool_pipe.py`,
on the benchmark's generated pages).

trafilatura's memory grows over long runs in one process, so a worker that
has extracted `max_pages_per_worker` pages is retired and replaced. Workers are forked from a
forkserver that has imported and warmed up the extractor (`wirehouse.extractors._preload`), so
a fresh worker costs milliseconds, not seconds. The forkserver start method is POSIX-only;
elsewhere the pool falls back to spawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, InvalidStateError
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, Self, TypeVar

from wirehouse.config.settings import ExtractSettings
from wirehouse.records import Article, Page, Rejected, Stage

logger = logging.getLogger(__name__)

PRELOAD = ["wirehouse.extractors._preload"]
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
_READY = "ready"
# a new worker that has not said it is ready by then is killed and another started; after
# this many in a row the pool gives up and fails its calls rather than wait for ever
START_TIMEOUT_S = 120.0
MAX_FAILED_STARTS = 3

BatchResult = list[Article | Rejected]
_T = TypeVar("_T")


class CallTimeout(Exception):
    """A call ran past its deadline; its worker process was killed."""


class WorkerCrashed(Exception):
    """A call's worker process died under it on every try."""


class CallFailed(Exception):
    """A call raised in its worker; the message names the exception."""


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # takes effect when this process's forkserver starts (`start_forkserver` or the first
        # worker)
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def start_forkserver() -> None:
    """Start the workers' forkserver now: it warms up the extractor (seconds of CPU) on another
    core while the caller goes on, not when the first feed is parsed with the run waiting."""
    if _context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver

    with contextlib.suppress(OSError):  # only a head start: the first worker tries again
        forkserver.ensure_running()


def _die_with_parent() -> None:
    """Have Linux kill this process when its parent exits.

    A worker hung in native code never reads its pipe again, so it would not notice the run
    being gone; the parent (the forkserver) exits when the run's process does, however that
    ends. Elsewhere the run's own stop kills its workers."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve(conn: Connection) -> None:
    """A worker's loop: run `fn(arg)` for each call received until told to stop."""
    if sys.platform == "linux":
        _die_with_parent()
    # Ctrl-C reaches the whole process group: the parent decides what stops and when
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a call's deadline starts when it is sent: only once this process is up (a new process
    # imports the parent's main module first, seconds on a busy machine)
    conn.send(_READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message is None:
            return
        fn, arg = message
        try:
            reply: tuple[bool, Any] = (True, fn(arg))
        except Exception as exc:  # the parent decides what a failure means
            reply = (False, f"{type(exc).__name__}: {exc}"[:500])
        conn.send(reply)


@dataclass(eq=False)
class _Call:
    fn: Callable[[Any], Any]
    arg: Any
    timeout_s: float
    retries: int
    label: str
    future: Future[Any] = field(default_factory=Future)
    crashes: int = 0


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    call: _Call | None = None
    deadline: float = 0.0
    done: int = 0
    ready: bool = False


def _settle(future: Future[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _ClosedOnExit(ABC):
    """A `with` block that closes the pool on leaving it, cancelling what has not started
    when the block raised (Ctrl-C included), so no worker outlives it."""

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


class DeadlinePool(_ClosedOnExit):
    """Processes that run one call at a time each, with a deadline per call.

    `call(fn, arg, timeout_s=...)` returns a future that resolves to `fn(arg)` or fails with
    `CallTimeout` (the worker was killed and replaced), `WorkerCrashed` (its worker died
    `retries + 1` times) or `CallFailed` (it raised). `fn` must pickle by name.
    """

    def __init__(
        self,
        *,
        workers: int,
        max_calls_per_worker: int,
        context: multiprocessing.context.BaseContext | None = None,
    ) -> None:
        self._size = workers
        self._max_calls = max_calls_per_worker
        self._context = context or _context()
        self._lock = threading.Lock()
        self._queue: deque[_Call] = deque()
        self._workers: list[_Worker] = []
        self._retiring: list[multiprocessing.process.BaseProcess] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._closing = False
        self._cancel = False
        self._started = 0
        self._failed_starts = 0
        self._thread = threading.Thread(target=self._dispatch, name="deadline-pool", daemon=True)
        self._thread.start()

    @property
    def workers_started(self) -> int:
        """Worker processes started so far: the first ones, recycles and replacements."""
        return self._started

    @property
    def closed(self) -> bool:
        return self._closing

    def running(self) -> dict[int, str]:
        """What each busy worker is on: its process id and the call's label (for monitoring)."""
        with self._lock:
            return {
                w.process.pid: w.call.label
                for w in self._workers
                if w.call is not None and w.process.pid is not None
            }

    def call(
        self,
        fn: Callable[[Any], Any],
        arg: Any,
        *,
        timeout_s: float,
        retries: int = 0,
        label: str = "",
    ) -> Future[Any]:
        """Queue `fn(arg)`; the future resolves to its result or fails (see the class)."""
        item = _Call(fn, arg, timeout_s, retries, label)
        with self._lock:
            if self._closing:
                raise RuntimeError("the pool is closed")
            self._queue.append(item)
        self._wake()
        return item.future

    def close(self, *, cancel_pending: bool = False) -> None:
        """Finish every call, or with `cancel_pending` drop them and kill the workers at once.

        Either way it returns in bounded time: every call has a deadline."""
        with self._lock:
            self._closing = True
            self._cancel = self._cancel or cancel_pending
        self._wake()
        self._thread.join()
        with contextlib.suppress(OSError):
            os.close(self._wake_r)
        with contextlib.suppress(OSError):
            os.close(self._wake_w)

    # ------------------------------------------------------------ the dispatcher thread

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _dispatch(self) -> None:
        try:
            while self._step():
                pass
        except BaseException as exc:  # a bug here must not leave callers waiting for ever
            logger.exception("worker pool dispatcher failed")
            self._abandon(CallFailed(f"the worker pool failed: {exc!r}"))
        finally:
            for w in self._workers:
                self._stop(w)
            self._workers = []
            for process in self._retiring:
                process.join(timeout=5)
                if process.is_alive():
                    process.kill()
                    process.join()
            self._retiring = []

    def _abandon(self, error: BaseException) -> None:
        """Kill every worker and fail every call not done."""
        with self._lock:
            pending = [w.call for w in self._workers if w.call is not None] + list(self._queue)
            self._queue.clear()
            for w in self._workers:
                w.call = None
                self._kill(w)
            self._workers = []
        for item in pending:
            if not item.future.cancel():
                _settle(item.future, error=error)

    def _step(self) -> bool:
        """Give out calls, then wait for a result, a death, a deadline or new work.

        Returns False once closing and nothing is left."""
        if self._cancel:
            self._abandon(CancelledError())
            return False
        with self._lock:
            idle = sum(w.call is None for w in self._workers)
            spawn = max(0, min(len(self._queue) - idle, self._size - len(self._workers)))
        for _ in range(spawn):  # outside the lock: the first start waits for the forkserver
            worker = self._spawn()
            with self._lock:
                self._workers.append(worker)
        with self._lock:
            for worker in [w for w in self._workers if w.call is None and w.ready]:
                while self._queue and worker.call is None and worker in self._workers:
                    self._send(worker, self._queue.popleft())
            if self._closing and not self._queue and all(w.call is None for w in self._workers):
                return False
            watched = [w for w in self._workers if w.call is not None or not w.ready]
            waitables: list[Any] = [self._wake_r]
            waitables += [w.conn for w in watched] + [w.process.sentinel for w in self._workers]
            waitables += [p.sentinel for p in self._retiring]
            deadline = min((w.deadline for w in watched), default=None)
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = set(wait(waitables, timeout=timeout))
        if self._wake_r in ready:
            with contextlib.suppress(OSError):
                os.read(self._wake_r, 4096)
        with self._lock:
            for process in [p for p in self._retiring if p.sentinel in ready]:
                process.join()
                self._retiring.remove(process)
            for w in list(self._workers):
                if w.conn in ready or w.process.sentinel in ready:
                    self._collect(w)
            now = time.monotonic()
            for w in list(self._workers):
                if w.call is not None and now >= w.deadline:
                    self._time_out(w)
                elif not w.ready and now >= w.deadline:
                    self._failed_start(w)
        return True

    # ------------------------------------------------------------ internals (hold the lock)

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs,), daemon=True)  # type: ignore[attr-defined]
        process.start()
        theirs.close()
        self._started += 1
        return _Worker(process, ours, deadline=time.monotonic() + START_TIMEOUT_S)

    def _send(self, worker: _Worker, item: _Call) -> None:
        # a call retried after a crash is running already; a queued one may have been cancelled
        if not item.future.running() and not item.future.set_running_or_notify_cancel():
            return
        worker.call = item
        try:
            worker.conn.send((item.fn, item.arg))
        except (OSError, ValueError):  # it died before taking the call: not the call's fault
            worker.call = None
            self._queue.appendleft(item)
            self._drop(worker)
            return
        worker.deadline = time.monotonic() + item.timeout_s

    def _collect(self, worker: _Worker) -> None:
        """The worker answered or died: settle its call and keep, retire or replace it."""
        if not worker.ready:
            self._greet(worker)
            return
        item, worker.call = worker.call, None
        died = not worker.conn.poll()  # only its sentinel fired
        if not died:
            try:
                ok, value = worker.conn.recv()
            except (EOFError, OSError):
                died = True
            except Exception as exc:  # a result that does not unpickle fails that call only
                ok, value = False, f"unreadable result: {type(exc).__name__}: {exc}"[:500]
        if died:
            self._drop(worker)
            if item is not None:
                self._crashed(item, worker)
            return
        worker.done += 1
        if item is not None:
            if ok:
                _settle(item.future, result=value)
            else:
                _settle(item.future, error=CallFailed(value))
        if worker.done >= self._max_calls:
            self._workers.remove(worker)
            self._stop(worker)

    def _greet(self, worker: _Worker) -> None:
        try:
            if worker.conn.poll() and worker.conn.recv() == _READY:
                worker.ready = True
                self._failed_starts = 0
                return
        except (EOFError, OSError):
            pass
        self._failed_start(worker)

    def _failed_start(self, worker: _Worker) -> None:
        """A new worker died or hung before it was ready: drop it; too many, and give up."""
        logger.warning("a worker process did not start (exit code %s)", worker.process.exitcode)
        self._drop(worker)
        self._failed_starts += 1
        if self._failed_starts >= MAX_FAILED_STARTS:
            error = CallFailed(f"{self._failed_starts} worker processes in a row did not start")
            for item in self._queue:
                _settle(item.future, error=error)
            self._queue.clear()

    def _crashed(self, item: _Call, worker: _Worker) -> None:
        item.crashes += 1
        code = worker.process.exitcode
        logger.warning("a worker process died (exit code %s) on %s", code, item.label)
        if item.crashes <= item.retries and not self._closing:
            self._queue.appendleft(item)  # on a fresh worker, before anything else
        else:
            _settle(item.future, error=WorkerCrashed(f"worker died (exit code {code})"))

    def _time_out(self, worker: _Worker) -> None:
        item = worker.call
        assert item is not None
        logger.warning("%s took over %g s: killing its worker", item.label, item.timeout_s)
        worker.call = None
        self._drop(worker)
        _settle(item.future, error=CallTimeout(f"over {item.timeout_s:g} s"))

    def _drop(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        self._kill(worker)

    @staticmethod
    def _kill(worker: _Worker) -> None:
        with contextlib.suppress(OSError, ValueError):
            worker.process.kill()
        worker.process.join()
        worker.conn.close()

    def _stop(self, worker: _Worker) -> None:
        """Ask an idle worker to exit; it is reaped when its sentinel fires."""
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
        worker.conn.close()
        self._retiring.append(worker.process)


async def parse_in_worker(
    pool: DeadlinePool,
    parse: Callable[[Any], _T],
    arg: Any,
    settings: ExtractSettings,
    *,
    label: str,
    failed: Callable[[str], _T],
) -> _T:
    """`parse(arg)` on one of `pool`'s workers under `settings.feed_parse_timeout_s`, as every
    feed is parsed (a hostile feed can neither block the event loop nor hold the run); a call
    past its deadline is `failed("parse_timeout: ...")`, a worker that died or raised
    `failed("parse_error: ...")`."""
    call = pool.call(
        parse,
        arg,
        timeout_s=settings.feed_parse_timeout_s,
        retries=settings.crash_retries,
        label=label,
    )
    try:
        result: _T = await asyncio.wrap_future(call)
    except CallTimeout as exc:
        return failed(f"parse_timeout: {exc}")
    except Exception as exc:  # the worker died `crash_retries + 1` times, or the call raised
        return failed(f"parse_error: {exc}"[:500])
    return result


class BatchPool(_ClosedOnExit):
    """What the flows need of a pool (local processes or a Dask cluster): where batches go,
    how many run at once, and a `with` block that closes it, cancelling the batches not
    started when the block raised."""

    @property
    @abstractmethod
    def capacity(self) -> int:
        """Batches extracted at once."""

    @abstractmethod
    def submit(self, pages: Sequence[Page]) -> Future[BatchResult]:
        """Extract `pages` elsewhere; the future holds one result per page, in order, and a
        page that timed out or crashed its worker is a `Rejected` in it, never an error."""


def rejected_for(page: Page, error: BaseException) -> Rejected:
    """What a page whose extraction did not come back becomes."""
    if isinstance(error, CallTimeout):
        return Rejected(Stage.EXTRACT, page.final_url, "extract_timeout", str(error))
    if isinstance(error, WorkerCrashed):
        return Rejected(Stage.EXTRACT, page.final_url, "extract_crashed", str(error))
    return Rejected(Stage.EXTRACT, page.final_url, "extract_error", str(error)[:500])


def gather_batch(pages: Sequence[Page], futures: Sequence[Future[Any]]) -> Future[BatchResult]:
    """One future for a batch whose pages were sent one by one; cancelling it cancels theirs."""
    batch: Future[BatchResult] = Future()
    left = [len(pages)]
    lock = threading.Lock()

    def outcome(page: Page, future: Future[Any]) -> Article | Rejected:
        error = future.exception()
        return rejected_for(page, error) if error else future.result()

    def one(future: Future[Any]) -> None:
        if future.cancelled():
            batch.cancel()
            return
        with lock:
            left[0] -= 1
            finished = left[0] == 0
        if finished:  # every page's future is done: read them all at once, in order
            with contextlib.suppress(InvalidStateError):
                batch.set_result([outcome(p, f) for p, f in zip(pages, futures, strict=True)])

    def cancel_pages(done: Future[BatchResult]) -> None:
        if done.cancelled():
            for future in futures:
                future.cancel()

    if not pages:
        batch.set_result([])
        return batch
    batch.add_done_callback(cancel_pages)
    for future in futures:
        future.add_done_callback(one)
    return batch


def _extract_one(page: Page, settings: ExtractSettings) -> Article | Rejected:
    """`batch.extract_one`, imported where it runs: the workers have it from the forkserver,
    and the flow process never loads the extractor (trafilatura and the rest: about 0.1 s and
    6 MB of its start)."""
    from wirehouse.extractors.batch import extract_one

    return extract_one(page, settings=settings)


class ExtractionPool(BatchPool):
    """Run `extract_one` for each page in worker processes, with `settings.page_timeout_s`
    per page; one `submit` per batch. Use as a context manager, or call `close()`.

    A page past its deadline, or whose worker died `crash_retries + 1` times, comes back as a
    `Rejected` (`extract_timeout`, `extract_crashed`) in its batch's result.
    """

    def __init__(self, settings: ExtractSettings) -> None:
        self._settings = settings
        self._workers = DeadlinePool(
            workers=settings.workers, max_calls_per_worker=settings.max_pages_per_worker
        )

    @property
    def capacity(self) -> int:
        """Batches extracted at once: one per worker process."""
        return self._settings.workers

    @property
    def workers_started(self) -> int:
        """Worker processes started so far: the first ones, recycles and replacements."""
        return self._workers.workers_started

    def running(self) -> dict[int, str]:
        """The URL each busy worker process is extracting, by process id."""
        return self._workers.running()

    def submit(self, pages: Sequence[Page]) -> Future[BatchResult]:
        """Queue one batch; the future resolves to one `Article | Rejected` per page, in order."""
        batch = list(pages)
        if self._workers.closed:  # an empty batch too
            raise RuntimeError("ExtractionPool is closed")
        work = partial(_extract_one, settings=self._settings)
        futures = [
            self._workers.call(
                work,
                page,
                timeout_s=self._settings.page_timeout_s,
                retries=self._settings.crash_retries,
                label=page.final_url,
            )
            for page in batch
        ]
        return gather_batch(batch, futures)

    def close(self, *, cancel_pending: bool = False) -> None:
        """Wait for every submitted page (or drop them and kill the workers at once)."""
        self._workers.close(cancel_pending=cancel_pending)
