"""`parse_in_worker`, the one way feeds are parsed off the event loop (a run's feeds and the
candidates of `feeds find`): the parse's value, or a `parse_timeout`/`parse_error` value made by
the caller, never an exception, whatever the worker does."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.pool import DeadlinePool, parse_in_worker


def _echo(arg: str) -> str:
    return f"parsed {arg}"


def _hang(arg: str) -> str:
    time.sleep(60)
    return arg


def _raise(arg: str) -> str:
    raise ValueError(f"no feed in {arg}")


def _die(arg: str) -> str:
    os._exit(3)


def test_every_outcome_of_a_worker_is_a_value() -> None:
    settings = ExtractSettings(feed_parse_timeout_s=1.0, crash_retries=1)

    async def run() -> list[str]:
        with DeadlinePool(
            workers=2,
            max_calls_per_worker=100,
            context=multiprocessing.get_context("spawn"),
        ) as pool:
            return list(
                await asyncio.gather(
                    *(
                        parse_in_worker(
                            pool, parse, "a", settings, label=name, failed=lambda e: f"failed {e}"
                        )
                        for name, parse in (
                            ("echo", _echo),
                            ("hang", _hang),
                            ("raise", _raise),
                            ("die", _die),
                        )
                    )
                )
            )

    started = time.monotonic()
    echoed, hung, raised, died = asyncio.run(run())
    assert echoed == "parsed a"
    assert hung.startswith("failed parse_timeout: ")
    assert raised.startswith("failed parse_error: ") and "no feed in a" in raised
    assert died.startswith("failed parse_error: ") and "died" in died
    assert time.monotonic() - started < 50  # the hung call was cut, not waited for
