"""The per-host slot under load and cancellation: first come first served, one wakeup per
grant, and no slot lost or over-granted whatever is cancelled when."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from wirehouse.fetch.hosts import HostGate, HostLimits


def gate(connections: int, max_connections: int = 32) -> HostGate:
    return HostGate(
        per_host_connections=connections,
        per_host_delay_s=0.0,
        max_connections=max_connections,
        max_pause_s=60.0,
    )


class CountingLoop(asyncio.SelectorEventLoop):
    """Counts callbacks scheduled: every task wakeup is one."""

    scheduled = 0

    def call_soon(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        self.scheduled += 1
        return super().call_soon(callback, *args, context=context)


def wakeups(requests: int) -> int:
    """Callbacks scheduled while `requests` queue on one host of two connections."""
    loop = CountingLoop()

    async def main() -> None:
        host = gate(2)

        async def request() -> None:
            async with host.slot("h:80"):
                await asyncio.sleep(0)

        await asyncio.gather(*(request() for _ in range(requests)))

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    return loop.scheduled


def test_a_release_wakes_one_waiter_not_all() -> None:
    # waking every waiter on every release is quadratic: 400 queued requests cost ~80k wakeups
    small, large = wakeups(100), wakeups(400)
    assert large < 40 * 400, large
    assert large < 6 * small, (small, large)  # linear: 4x the requests, ~4x the wakeups


def test_slots_are_granted_in_order_of_arrival() -> None:
    async def main() -> list[int]:
        host = gate(1)
        order: list[int] = []

        async def request(i: int) -> None:
            async with host.slot("h:80"):
                order.append(i)
                await asyncio.sleep(0.001)

        await asyncio.gather(*(request(i) for i in range(20)))
        return order

    assert asyncio.run(main()) == list(range(20))


@pytest.mark.parametrize("seed", range(40))
def test_random_cancellations_lose_no_slot_and_never_exceed_the_limit(seed: int) -> None:
    rnd = random.Random(seed)
    connections = rnd.choice([1, 2, 3])
    max_connections = rnd.choice([1, 2, 8])

    async def main() -> None:
        host = gate(connections, max_connections)
        held = peak = 0
        finished = 0

        async def request() -> None:
            nonlocal held, peak, finished
            limits = HostLimits(rnd.choice([0.0, 0.001]), connections)
            async with host.slot("h:80", limits):
                held += 1
                peak = max(peak, held)
                try:
                    await asyncio.sleep(rnd.random() * 0.003)
                finally:
                    held -= 1
            finished += 1

        tasks = [asyncio.create_task(request()) for _ in range(30)]
        for _ in range(40):  # cancel at random moments: waiting, just granted, or holding
            await asyncio.sleep(rnd.random() * 0.002)
            victim = rnd.choice(tasks)
            victim.cancel()
            if rnd.random() < 0.3:
                await asyncio.sleep(0)
                victim.cancel()
        async with asyncio.timeout(10):  # a lost wakeup would hang here
            results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(r is None or isinstance(r, asyncio.CancelledError) for r in results)
        assert finished == sum(r is None for r in results)
        assert held == 0
        assert peak <= min(connections, max_connections), (peak, connections, max_connections)
        # every slot came back: as many requests as allowed hold one at the same time
        together = min(connections, max_connections)
        barrier = asyncio.Barrier(together)

        async def hold() -> None:
            async with host.slot("h:80"):
                await barrier.wait()

        async with asyncio.timeout(5):
            await asyncio.gather(*(hold() for _ in range(together)))

    asyncio.run(main())
