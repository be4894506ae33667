"""Per-host politeness, all in one place: concurrency, minimum gap, pauses and back-off.

Hosts are keyed by ``host:port``. A request takes its host's slot (at most
`per_host_connections` in flight, granted first come first served), waits until the host's
minimum gap (`per_host_delay_s`) since the previous request start has passed and any
Retry-After pause is over, then takes a global slot (at most `max_connections` in flight).

A host that keeps refusing us (a storm of 403s, repeated network failures) is backed off for
the rest of the run: its requests fail at once instead of being sent. A 403 storm backs off
only the User-Agent it was sent to (a partner's agent may be let in where ours is refused);
network failures and pauses are the host's, whoever asks. A Retry-After longer than the run
waits defers the host instead: its requests fail with `deferred_retry_after:until=<time>`, a
reason that tells the flow to leave those pages (and feeds) for later rather than count them as
failures. The runs that start before that time are given the deferral (`HostGate.defer`, from
the fetches the warehouse logged), so the host is not asked again until the time it named.

Each request carries its `HostLimits` (the settings', or its feed's from the feed list): a host
keeps the strictest limits of the requests that reached it, so a feed asking for more gap is
obeyed, and a feed asking for less gets it only on hosts no stricter request reaches.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from wirehouse.records import MAX_DEFER_S, busy_deferral, deferral, deferred_until, is_deferral

log = logging.getLogger(__name__)

DEFAULT_429_PAUSE_S = 30.0  # a 429 without Retry-After still means "slow down"
MAX_CRAWL_DELAY_S = 10.0  # robots.txt Crawl-delay is honoured up to this
FORBIDDEN_STORM = 5  # this many 403s in a row: the host is blocking us
UNREACHABLE_STORM = 5  # this many network failures/timeouts in a row: down or stalling


@dataclass(frozen=True, slots=True)
class HostLimits:
    """A host's politeness: minimum gap between request starts, and requests in flight."""

    delay_s: float
    connections: int


class HostBackedOff(Exception):
    """The host is backed off for this run; the message is the reason."""


def host_key(url: httpx.URL) -> str:
    """``host:port`` of a URL, with the scheme's default port filled in."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host.decode("ascii").lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if bad."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


class _Slots:
    """At most `limit` holders, granted in order of arrival as `asyncio.Semaphore` does: a
    release wakes the first waiter only, so a host with thousands of queued requests costs a
    wakeup per request, not one per waiter per release. `limit` may only go down."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.held < self.limit and not self._waiters:
            self.held += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted, then cancelled before it ran: the slot passes on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.held -= 1
        while self._waiters and self.held < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter is skipped; the next one gets the slot
                waiter.set_result(None)
                self.held += 1


@dataclass
class _Agent:
    """How a host has treated one User-Agent this run."""

    forbidden_streak: int = 0
    backed_off: str | None = None


@dataclass
class _Host:
    slots: _Slots
    delay_s: float
    last_start: float = -math.inf
    paused_until: float = -math.inf
    backed_off: str | None = None  # the host's own: down, or deferred by a long Retry-After
    failure_streak: int = 0
    busy_s: float = 0.0  # this run's request durations, summed over its connections
    agents: dict[str, _Agent] = field(default_factory=dict)

    def agent(self, user_agent: str) -> _Agent:
        return self.agents.setdefault(user_agent, _Agent())

    def holding_back_off(self) -> str | None:
        """The host's own back-off, if it still holds: a deferral ends at the time the host
        named, within a long run too; other back-offs last the run."""
        until = deferred_until(self.backed_off)
        if until is not None and until <= datetime.now(UTC):
            self.backed_off = None
        return self.backed_off

    def refused(self, user_agent: str) -> str | None:
        """Why a request with `user_agent` may not be sent, or None."""
        if reason := self.holding_back_off():
            return reason
        agent = self.agents.get(user_agent)
        return agent.backed_off if agent else None


class HostGate:
    """Grants request slots per host and remembers how each host has treated us this run (and
    which hosts earlier runs were told to leave alone for a while: `defer`)."""

    def __init__(
        self,
        *,
        per_host_connections: int,
        per_host_delay_s: float,
        max_connections: int,
        max_pause_s: float,  # `http.max_retry_after_s`: a longer Retry-After defers the host
        busy_budget_s: float = math.inf,  # a host busy longer is deferred for as long again
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = HostLimits(per_host_delay_s, per_host_connections)
        self._max_pause_s = max_pause_s
        self._busy_budget_s = busy_budget_s
        self._global = asyncio.Semaphore(max_connections)
        self._clock = clock
        self._hosts: dict[str, _Host] = {}

    def _host(self, key: str, limits: HostLimits | None = None) -> _Host:
        """The host's record; `limits` tighten it (larger gap, fewer connections)."""
        host = self._hosts.get(key)
        if host is None:
            first = limits or self._limits
            host = _Host(slots=_Slots(first.connections), delay_s=first.delay_s)
            self._hosts[key] = host
        elif limits is not None:
            host.slots.limit = min(host.slots.limit, limits.connections)
            host.delay_s = max(host.delay_s, limits.delay_s)
        return host

    def backed_off(self, key: str, user_agent: str = "") -> str | None:
        """Why this host is backed off for the run (for everyone, or for `user_agent`), or None."""
        host = self._hosts.get(key)
        return host.refused(user_agent) if host else None

    def deferred(self, key: str) -> bool:
        """Whether the host asked for a longer pause than the run waits (see `refusal`)."""
        host = self._hosts.get(key)
        return host is not None and is_deferral(host.holding_back_off())

    def defer(self, key: str, until: datetime) -> None:
        """Refuse the host's requests as deferred until `until`, as an earlier run was asked
        to: of several deferrals the latest holds, and a time already past defers nothing."""
        host = self._host(key)
        current = deferred_until(host.backed_off)
        if until <= datetime.now(UTC) or (
            host.backed_off and (current is None or until <= current)
        ):
            return
        host.backed_off = None  # an earlier deferral gives way to the later one
        self._back_off(key, host, deferral(until))

    def set_crawl_delay(self, key: str, seconds: float) -> None:
        """Raise the host's minimum gap to its robots.txt Crawl-delay (capped, never lowered)."""
        host = self._host(key)
        host.delay_s = max(host.delay_s, min(seconds, MAX_CRAWL_DELAY_S))

    @asynccontextmanager
    async def slot(
        self,
        key: str,
        limits: HostLimits | None = None,
        user_agent: str = "",
        *,
        counted: bool = True,
    ) -> AsyncIterator[None]:
        """Hold a request slot for `key` under `limits` (default: the gate's) for a request
        sent as `user_agent`; raises `HostBackedOff` instead of sending. A `counted` request's
        time goes against the host's budget (pages: not its feeds or robots.txt)."""
        host = self._host(key, limits or self._limits)
        await host.slots.acquire()
        try:
            while True:
                if reason := host.refused(user_agent):
                    raise HostBackedOff(reason)
                wait = max(host.last_start + host.delay_s, host.paused_until) - self._clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                await self._global.acquire()
                # waiting for the global slot may have let another request start, or a pause begin
                ready_at = max(host.last_start + host.delay_s, host.paused_until)
                if host.refused(user_agent) or self._clock() < ready_at:
                    self._global.release()
                    continue
                break
            host.last_start = started = self._clock()
            try:
                yield
            finally:
                self._global.release()
                if counted:
                    self._spent(key, host, self._clock() - started)
        finally:
            host.slots.release()

    def _spent(self, key: str, host: _Host, seconds: float) -> None:
        """Count a request's time against its host's budget: a host past it (pages that crawl
        in under the timeout, each one) is deferred for as long again in this run, its pages
        left for a later run rather than holding this one's batches (`busy_deferral`: the
        next runs ask the host as usual)."""
        host.busy_s += seconds
        if host.busy_s > self._busy_budget_s and not host.holding_back_off():
            until = datetime.now(UTC) + timedelta(seconds=min(self._busy_budget_s, MAX_DEFER_S))
            self._back_off(key, host, busy_deferral(until))

    def observe_response(
        self, key: str, status: int, retry_after_s: float | None, user_agent: str = ""
    ) -> None:
        """Learn from a response to `user_agent`: pause on 429/503, back off on a long pause,
        and back that agent off on a 403 storm."""
        host = self._host(key)
        host.failure_streak = 0
        agent = host.agent(user_agent)
        agent.forbidden_streak = agent.forbidden_streak + 1 if status == 403 else 0
        if agent.forbidden_streak >= FORBIDDEN_STORM and agent.backed_off is None:
            agent.backed_off = f"http_403 x{agent.forbidden_streak}"
            log.warning(
                "backing off %s for %r for the rest of the run: %s",
                key,
                user_agent,
                agent.backed_off,
            )
        if status in (429, 503):
            pause = retry_after_s
            if pause is None and status == 429:
                pause = DEFAULT_429_PAUSE_S
            if pause is None:
                return
            if pause > self._max_pause_s:
                until = datetime.now(UTC) + timedelta(seconds=min(pause, MAX_DEFER_S))
                self._back_off(key, host, deferral(until))
                return
            host.paused_until = max(host.paused_until, self._clock() + pause)
            log.info("pausing %s for %.1fs (http_%d)", key, pause, status)

    def observe_failure(self, key: str, error: str) -> None:
        """Learn from a network failure; a host failing again and again is backed off."""
        host = self._host(key)
        host.failure_streak += 1
        if host.failure_streak >= UNREACHABLE_STORM:
            self._back_off(key, host, f"network_failures x{host.failure_streak} ({error})")

    def _back_off(self, key: str, host: _Host, reason: str) -> None:
        if host.backed_off is None:
            host.backed_off = reason
            log.warning("backing off %s: %s", key, reason)


def refusal(reason: str) -> str:
    """The `Fetched.error` of a request refused because its host is backed off or deferred."""
    return reason if is_deferral(reason) else f"host_backed_off:{reason}"
