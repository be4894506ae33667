"""Politeness measured at the server: per-host concurrency, minimum gap, pauses, back-off."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import partial

import pytest

from devkit.ports import free_port
from wirehouse.config.settings import HttpSettings
from wirehouse.fetch import Fetcher
from wirehouse.fetch.hosts import HostGate, parse_retry_after
from wirehouse.records import (
    BUSY_PREFIX,
    Fetched,
    FetchKind,
    deferral,
    deferred_until,
    is_deferral,
)


def slow(seconds: float, body: bytes = b"ok"):
    def route(h):
        time.sleep(seconds)
        h.reply(200, body)

    return route


def fetch_all(
    settings, operator_hosts, urls: list[str], warm_up: str | None = None
) -> list[Fetched]:
    """Fetch `urls` concurrently, after one sequential `warm_up` fetch (first-use jitter)."""

    async def go() -> list[Fetched]:
        async with Fetcher(settings, operator_hosts=operator_hosts) as fetcher:
            if warm_up:
                assert (await fetcher.fetch(warm_up, kind=FetchKind.PAGE)).ok
            return list(
                await asyncio.gather(*(fetcher.fetch(u, kind=FetchKind.PAGE) for u in urls))
            )

    return asyncio.run(go())


def test_per_host_concurrency_and_min_gap(server, http_settings):
    server.routes["/a"] = slow(0.2)
    server.routes["/warm"] = lambda h: h.reply(200, b"")
    settings = http_settings(per_host_connections=2, per_host_delay_s=0.1)
    urls = [server.url("/a")] * 6
    results = fetch_all(settings, [server.netloc], urls, warm_up=server.url("/warm"))
    assert all(r.ok for r in results)
    assert server.tracker.max_in_flight == 2  # parallel, but never more than allowed
    starts = sorted(s.started for s in server.hits("/a"))
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.1 - 0.02, gaps


def test_global_connection_cap_across_hosts(make_server, tracker, http_settings):
    one, two = make_server(tracker), make_server(tracker)
    one.routes["/a"] = two.routes["/a"] = slow(0.1)
    settings = http_settings(per_host_connections=4, max_connections=3)
    urls = [one.url("/a")] * 4 + [two.url("/a")] * 4
    results = fetch_all(settings, [one.netloc, two.netloc], urls)
    assert all(r.ok for r in results)
    assert tracker.max_in_flight == 3


def test_retry_after_pauses_the_host(server, http_settings):
    server.routes["/busy"] = lambda h: h.reply(429, b"slow down", {"Retry-After": "1"})
    server.routes["/next"] = lambda h: h.reply(200, b"ok")

    async def go() -> tuple[Fetched, Fetched]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            busy = await fetcher.fetch(server.url("/busy"), kind=FetchKind.PAGE)
            after = await fetcher.fetch(server.url("/next"), kind=FetchKind.PAGE)
            return busy, after

    busy, after = asyncio.run(go())
    assert busy.error == "http_429" and busy.retry_after_s == 1.0 and busy.status == 429
    assert after.ok
    waited = server.hits("/next")[0].started - server.hits("/busy")[0].started
    assert waited >= 1.0 - 0.05, waited


def _defer_run(server, settings, first_path: str, kind: FetchKind):
    async def go() -> tuple[Fetched, list[Fetched]]:
        async with Fetcher(settings, operator_hosts=[server.netloc]) as fetcher:
            first = await fetcher.fetch(server.url(first_path), kind=kind)
            later = await asyncio.gather(
                *(fetcher.fetch(server.url(f"/next/{i}"), kind=kind) for i in range(3))
            )
            return first, list(later)

    return asyncio.run(go())


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_beyond_cap_defers_the_host_to_a_later_run(server, http_settings, status, form):
    """A long Retry-After is not a failure: the host is deferred, its pages are refused without
    a request, and the reason says until when; either status, either form of the header."""
    before = datetime.now(UTC)
    day = timedelta(days=1)
    header = "86400" if form == "seconds" else format_datetime(before + day, usegmt=True)
    server.routes["/down"] = lambda h: h.reply(status, b"", {"Retry-After": header})
    for i in range(3):
        server.routes[f"/next/{i}"] = lambda h: h.reply(200, b"ok")
    down, later = _defer_run(server, http_settings(), "/down", FetchKind.FEED)
    assert down.status == status and down.retry_after_s is not None
    assert abs(down.retry_after_s - 86400.0) <= 2.0  # an HTTP-date is whole seconds
    assert down.error is not None and down.error.startswith("deferred_retry_after:until=")
    until = datetime.fromisoformat(down.error.split("until=", 1)[1])
    assert (
        before + timedelta(hours=23, minutes=59) <= until <= before + timedelta(hours=24, minutes=1)
    )
    assert all(r.error == down.error and r.status is None for r in later)
    assert not any(server.hits(f"/next/{i}") for i in range(3))


def test_retry_after_cap_is_a_setting_and_reads_http_dates(server, http_settings):
    when = datetime.now(UTC) + timedelta(minutes=10)
    server.routes["/busy"] = lambda h: h.reply(
        429, b"", {"Retry-After": format_datetime(when, usegmt=True)}
    )
    for i in range(3):
        server.routes[f"/next/{i}"] = lambda h: h.reply(200, b"ok")
    busy, later = _defer_run(server, http_settings(max_retry_after_s=60.0), "/busy", FetchKind.PAGE)
    assert busy.error is not None and busy.error.startswith("deferred_retry_after:")
    assert all(r.error == busy.error for r in later)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "retry_after", ["1" + "0" * 300, "31536000", "Fri, 01 Jan 2100 00:00:00 GMT"]
)
def test_an_absurd_retry_after_defers_for_a_day_without_overflow(
    server, http_settings, retry_after
):
    """A pause of a year (or 1e300 s) would silence the host's feed and give up its pages."""
    server.routes["/busy"] = lambda h: h.reply(429, b"", {"Retry-After": retry_after})
    started = datetime.now(UTC)
    busy, _ = _defer_run(server, http_settings(), "/busy", FetchKind.PAGE)
    assert busy.error is not None and busy.error.startswith("deferred_retry_after:until=")
    until = datetime.fromisoformat(busy.error.split("until=", 1)[1])
    assert timedelta(hours=23) < until - started <= timedelta(days=1, minutes=1)


def test_403_storm_backs_the_host_off(server, http_settings):
    server.routes["/x"] = lambda h: h.reply(403, b"forbidden")

    async def go() -> list[Fetched]:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            return [await fetcher.fetch(server.url("/x"), kind=FetchKind.PAGE) for _ in range(7)]

    results = asyncio.run(go())
    assert [r.error for r in results[:5]] == ["http_403"] * 5
    assert all(r.error == "host_backed_off:http_403 x5" for r in results[5:])
    assert all(r.status is None for r in results[5:])
    assert len(server.hits("/x")) == 5


def test_parse_retry_after():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("-5") == 0.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    )
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_gate_unit_pause_and_crawl_delay():
    clock = [100.0]
    gate = HostGate(
        per_host_connections=1,
        per_host_delay_s=0.5,
        max_connections=4,
        max_pause_s=HttpSettings().max_retry_after_s,
        clock=lambda: clock[0],
    )
    gate.observe_response("h:80", 429, None)  # no Retry-After: default pause, not a back-off
    assert gate.backed_off("h:80") is None
    gate.set_crawl_delay("h:80", 3600)  # capped
    gate.set_crawl_delay("g:80", 0.1)  # never below the configured gap
    assert gate._hosts["h:80"].delay_s == 10.0
    assert gate._hosts["g:80"].delay_s == 0.5
    for _ in range(5):
        gate.observe_failure("d:80", "connect_error")
    assert gate.backed_off("d:80") == "network_failures x5 (connect_error)"


def test_dead_host_is_backed_off_after_repeated_failures(http_settings):
    netloc = f"127.0.0.1:{free_port()}"  # nothing listens there

    async def go() -> list[Fetched]:
        async with Fetcher(http_settings(), operator_hosts=[netloc]) as fetcher:
            return [
                await fetcher.fetch(f"http://{netloc}/p{i}", kind=FetchKind.PAGE) for i in range(6)
            ]

    results = asyncio.run(go())
    assert all(r.error and r.error.startswith("connect_error:") for r in results[:5])
    assert results[5].error == "host_backed_off:network_failures x5 (connect_error)"


def test_a_deadline_ends_fetches_still_queued_behind_a_hosts_gap(server, http_settings):
    # five feeds on one host 2 s apart would take 8 s; the stage's deadline ends the wait at 1 s
    for i in range(5):
        server.routes[f"/feed{i}"] = lambda h: h.reply(200, b"<rss/>")

    async def go() -> tuple[list[Fetched], float]:
        async with Fetcher(
            http_settings(per_host_delay_s=2.0), operator_hosts=[server.netloc]
        ) as fetcher:
            started = time.monotonic()
            results = await asyncio.gather(
                *(
                    fetcher.fetch(
                        server.url(f"/feed{i}"), kind=FetchKind.FEED, deadline=started + 1.0
                    )
                    for i in range(5)
                )
            )
            return list(results), time.monotonic() - started

    results, took = asyncio.run(go())
    assert sum(r.ok for r in results) == 1
    assert sorted(r.error or "" for r in results) == [""] + ["deadline_passed"] * 4
    assert all(r.status is None and r.body is None for r in results if not r.ok)
    assert len(server.seen) == 1
    assert 1.0 - 0.05 <= took < 4.0, took


def test_a_host_deferred_by_an_earlier_run_is_not_asked_before_its_time(server, http_settings):
    """The deferral an earlier run was given holds in the next runs: the host's requests are
    refused without a request, with the time it named; one whose time passed is asked."""
    server.routes["/p"] = lambda h: h.reply(200, b"ok")
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    earlier = datetime.now(UTC) - timedelta(seconds=1)

    async def go(until: datetime) -> Fetched:
        async with Fetcher(
            http_settings(),
            operator_hosts=[server.netloc],
            deferred={server.url("/another-page"): until},
        ) as fetcher:
            return await fetcher.fetch(server.url("/p"), kind=FetchKind.PAGE)

    refused = asyncio.run(go(later))
    assert refused.status is None and refused.error == deferral(later)
    assert deferred_until(refused.error) == later
    assert not server.hits("/p")
    assert asyncio.run(go(earlier)).ok and len(server.hits("/p")) == 1


def test_a_deferral_ends_at_its_time_within_one_run(server, http_settings):
    """A run that outlasts a host's deferral asks the host again once the time has passed."""
    server.routes["/p"] = lambda h: h.reply(200, b"ok")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)  # whole seconds

    async def go() -> tuple[Fetched, Fetched]:
        async with Fetcher(
            http_settings(), operator_hosts=[server.netloc], deferred={server.url("/"): until}
        ) as fetcher:
            before = await fetcher.fetch(server.url("/p"), kind=FetchKind.PAGE)
            await asyncio.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.1)
            return before, await fetcher.fetch(server.url("/p"), kind=FetchKind.PAGE)

    before, after = asyncio.run(go())
    assert deferred_until(before.error) is not None and before.status is None
    assert after.ok and len(server.hits("/p")) == 1


@pytest.mark.parametrize(
    "reason",
    [None, "", "http_403 x5", "deferred_retry_after:until=soon", "deferred_retry_after:until="],
)
def test_only_a_deferral_names_a_time(reason: str | None) -> None:
    assert deferred_until(reason) is None
    assert not is_deferral(reason)


def test_a_deferral_reads_back_as_one_to_the_second_rounded_up() -> None:
    reason = deferral(datetime(2026, 3, 1, 12, 30, 1, 500, tzinfo=UTC))
    assert is_deferral(reason)
    assert deferred_until(reason) == datetime(2026, 3, 1, 12, 30, 2, tzinfo=UTC)


def test_a_long_retry_after_on_robots_txt_defers_the_page_it_was_asked_for(server, http_settings):
    """robots.txt is a host's first answer: its pause defers the page, which is never asked."""
    server.routes["/robots.txt"] = lambda h: h.reply(503, b"", {"Retry-After": "86400"})
    server.routes["/p"] = lambda h: h.reply(200, b"ok")

    async def go() -> Fetched:
        async with Fetcher(http_settings(), operator_hosts=[server.netloc]) as fetcher:
            return await fetcher.fetch(server.url("/p"), kind=FetchKind.PAGE, check_robots=True)

    page = asyncio.run(go())
    assert page.status is None and deferred_until(page.error) is not None
    assert len(server.hits("/robots.txt")) == 1 and not server.hits("/p")


def test_a_robots_txt_deferred_in_a_run_is_asked_again_when_the_deferral_ends(
    server, http_settings
):
    """The page waits out its host's pause and is then fetched, its robots.txt read anew; a
    refused robots.txt is not kept as the file's answer for the rest of the run."""
    asked = itertools.count()

    def robots(h):
        if next(asked) == 0:
            return h.reply(503, b"", {"Retry-After": "2"})  # above the 1 s a run waits
        return h.reply(200, b"User-agent: *\nAllow: /\n")

    server.routes["/robots.txt"] = robots
    server.routes["/p"] = lambda h: h.reply(200, b"ok")

    async def go() -> tuple[Fetched, Fetched]:
        settings = http_settings(max_retry_after_s=1.0)
        async with Fetcher(settings, operator_hosts=[server.netloc]) as fetcher:
            fetch = partial(fetcher.fetch, server.url("/p"), kind=FetchKind.PAGE, check_robots=True)
            before = await fetch()
            until = deferred_until(before.error)
            assert until is not None
            await asyncio.sleep((until - datetime.now(UTC)).total_seconds() + 0.1)
            return before, await fetch()

    before, after = asyncio.run(go())
    assert before.status is None and after.ok
    assert len(server.hits("/robots.txt")) == 2 and len(server.hits("/p")) == 1


def test_of_several_deferrals_of_one_host_the_latest_holds(server, http_settings):
    server.routes["/p"] = lambda h: h.reply(200, b"ok")
    now = datetime.now(UTC).replace(microsecond=0)
    soon, later = now + timedelta(hours=1), now + timedelta(days=1)

    async def go() -> Fetched:
        deferred = {server.url("/a"): soon, server.url("/b"): later, server.url("/c"): soon}
        async with Fetcher(
            http_settings(), operator_hosts=[server.netloc], deferred=deferred
        ) as fetcher:
            return await fetcher.fetch(server.url("/p"), kind=FetchKind.PAGE)

    assert asyncio.run(go()).error == deferral(later)
    assert not server.hits("/p")


def test_a_host_past_its_time_budget_is_deferred_and_another_host_is_not(
    make_server, http_settings
):
    # pages that each crawl in under the timeout: the host is served until its requests have
    # taken its share of the run, then its pages wait for a later run; a quick host goes on
    slow_host, quick_host = make_server(), make_server()
    slow_host.routes["/p"] = slow(0.3)
    quick_host.routes["/p"] = lambda h: h.reply(200, b"ok")
    settings = http_settings(per_host_connections=1)
    urls = [slow_host.url(f"/p?{i}") for i in range(8)] + [
        quick_host.url(f"/p?{i}") for i in range(8)
    ]

    async def go() -> tuple[list[Fetched], float]:
        hosts = [slow_host.netloc, quick_host.netloc]
        async with Fetcher(settings, operator_hosts=hosts, host_budget_s=1.0) as fetcher:
            started = time.monotonic()
            done = await asyncio.gather(*(fetcher.fetch(u, kind=FetchKind.PAGE) for u in urls))
            return list(done), time.monotonic() - started

    results, took = asyncio.run(go())
    slow_results, quick_results = results[:8], results[8:]
    assert all(r.ok for r in quick_results)
    served = [r for r in slow_results if r.ok]
    waiting = [r for r in slow_results if not r.ok]
    assert 3 <= len(served) <= 5, [r.error for r in slow_results]  # 1 s of 0.3 s pages, and one
    assert waiting and all(is_deferral(r.error) for r in waiting), [r.error for r in waiting]
    until = deferred_until(waiting[0].error)
    assert until is not None and until > datetime.now(UTC)
    assert waiting[0].error.startswith(BUSY_PREFIX)  # this run's only: not kept in the log
    assert took < 8 * 0.3  # not every page waited for


def test_a_hosts_feeds_and_robots_txt_do_not_count_against_its_budget(server, http_settings):
    server.routes["/feed"] = slow(0.3, b"<rss/>")
    settings = http_settings(per_host_connections=2)

    async def go() -> list[Fetched]:
        async with Fetcher(settings, operator_hosts=[server.netloc], host_budget_s=0.5) as f:
            urls = [server.url(f"/feed?{i}") for i in range(6)]
            return list(await asyncio.gather(*(f.fetch(u, kind=FetchKind.FEED) for u in urls)))

    assert all(r.ok for r in asyncio.run(go()))
