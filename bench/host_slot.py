"""CPU cost of the per-host slot against `asyncio.Semaphore`, with thousands queued on one host.

    .venv/bin/python -m bench.host_slot [--requests 500 1000 2000 4000] [--rounds 3]

Each request takes `HostGate.slot` for one host of two connections (no gap), yields once and
lets go; the same with a bare `asyncio.Semaphore(2)` is the floor. Event-loop CPU time
(`time.process_time`, best of `--rounds`) is printed for both, and their ratio: a slot that
wakes every waiter on every release grows quadratically (the ratio grows with the queue), one
that wakes the first waiter stays a small constant factor.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from wirehouse.fetch.hosts import HostGate


async def _cpu(requests: int, slot: Callable[[], AbstractAsyncContextManager[object]]) -> float:
    async def request() -> None:
        async with slot():
            await asyncio.sleep(0)

    started = time.process_time()
    await asyncio.gather(*(request() for _ in range(requests)))
    return time.process_time() - started


def gate_cpu(requests: int) -> float:
    async def main() -> float:
        gate = HostGate(
            per_host_connections=2, per_host_delay_s=0.0, max_connections=32, max_pause_s=60.0
        )
        return await _cpu(requests, lambda: gate.slot("h:80"))

    return asyncio.run(main())


def semaphore_cpu(requests: int) -> float:
    async def main() -> float:
        semaphore = asyncio.Semaphore(2)
        return await _cpu(requests, lambda: semaphore)

    return asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'requests':>8}  {'slot s':>8}  {'semaphore s':>11}  {'ratio':>6}")
    for requests in args.requests:
        slot = min(gate_cpu(requests) for _ in range(args.rounds))
        floor = min(semaphore_cpu(requests) for _ in range(args.rounds))
        print(f"{requests:>8}  {slot:>8.3f}  {floor:>11.3f}  {slot / max(floor, 1e-6):>6.1f}")


if __name__ == "__main__":
    main()
