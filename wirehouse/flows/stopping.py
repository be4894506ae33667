"""SIGTERM and SIGINT end a run within seconds: cancel it, let it record itself, then exit.

systemd, cron wrappers, `docker stop` and Kubernetes stop a job with SIGTERM and kill it a
little later; Ctrl-C sends SIGINT. The first signal cancels the flow's task, so the flow stops
where it awaits, kills its extraction workers, waits for a load already running (loads are
atomic) and records the run as aborted. A watchdog ends the process `grace_s` after the signal
whatever is still running (the Prefect client retrying a server that has gone, a thread that
does not return); a second Ctrl-C, a second or more after the first stop, ends it at once.
A second SIGTERM is the same stop: a service manager's stop reaches a run under `serve` from
the manager and from `serve`, as late as `serve` gets to it, and escalates with SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)
# a signal this soon after the first is the same request, not an operator's second Ctrl-C:
# Ctrl-C reaches a run under `serve` from the terminal (SIGINT) and from `serve` (SIGTERM)
REPEAT_S = 1.0


@dataclass
class Stop:
    """Which signal asked the run to stop, if one did."""

    signal: signal.Signals | None = None
    at: float = 0.0  # when it came (time.monotonic)

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def reason(self) -> str:
        name = self.signal.name if self.signal else "nothing"
        return f"stopped by {name}: the rest is left for the next run"


def _exit_after(seconds: float, code: int) -> None:
    """End the process in `seconds` unless it has ended by then."""

    def watchdog() -> None:
        time.sleep(seconds)
        logger.error("still running %g s after the stop signal: exiting now", seconds)
        os._exit(code)

    threading.Thread(target=watchdog, name="stop-watchdog", daemon=True).start()


@contextmanager
def stop_on_signals(*, grace_s: float) -> Iterator[Stop]:
    """While the block runs, SIGTERM/SIGINT cancel the current task (see the module).

    Signal handlers belong to the main thread's event loop: elsewhere the block runs without
    them (the process's own handlers apply)."""
    stop = Stop()
    task = asyncio.current_task()
    if task is None or threading.current_thread() is not threading.main_thread():
        yield stop
        return
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}

    def on_signal(sig: signal.Signals) -> None:
        if stop.signal is not None:
            if sig is signal.SIGTERM or time.monotonic() - stop.at < REPEAT_S:
                return  # the same stop, sent twice: to the process group and to this process
            os._exit(128 + sig.value)  # a second Ctrl-C: the operator means now
        stop.signal, stop.at = sig, time.monotonic()
        logger.warning("%s received: stopping the run (at most %g s)", sig.name, grace_s)
        _exit_after(grace_s, 128 + sig.value)
        task.cancel(stop.reason)

    for sig in SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        yield stop
    finally:
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)
            if previous[sig] is not None:
                signal.signal(sig, previous[sig])
