"""Redirects are followed by hand: counted, loop-checked, and every hop address-checked."""

from __future__ import annotations

import asyncio
import logging

import pytest

from wirehouse.fetch import Fetcher
from wirehouse.records import Fetched, FetchKind


def redirect(location: str, status: int = 302, headers: dict[str, str] | None = None):
    def route(h):
        h.reply(status, b"moved", {"Location": location, **(headers or {})})

    return route


def run_fetch(settings, operator_hosts, url: str) -> Fetched:
    async def go() -> Fetched:
        async with Fetcher(settings, operator_hosts=operator_hosts) as fetcher:
            return await fetcher.fetch(url, kind=FetchKind.PAGE)

    return asyncio.run(go())


def test_redirect_chain_is_followed(server, http_settings):
    server.routes["/r1"] = redirect("/r2", 301)
    server.routes["/r2"] = redirect(server.url("/final"), 307)
    server.routes["/final"] = lambda h: h.reply(200, b"article", {"Content-Type": "text/html"})
    result = run_fetch(http_settings(), [server.netloc], server.url("/r1"))
    assert result.ok and result.body == b"article" and result.status == 200
    assert result.url == server.url("/r1") and result.final_url == server.url("/final")
    assert [len(server.hits(p)) for p in ("/r1", "/r2", "/final")] == [1, 1, 1]


def test_redirect_loop_is_refused(server, http_settings):
    server.routes["/l1"] = redirect("/l2")
    server.routes["/l2"] = redirect("/l1")
    result = run_fetch(http_settings(max_redirects=10), [server.netloc], server.url("/l1"))
    assert result.error == "redirect_loop" and result.body is None and result.status == 302
    assert len(server.hits("/l1")) == 1 and len(server.hits("/l2")) == 1


def test_too_many_redirects(server, http_settings):
    for i in range(10):
        server.routes[f"/c{i}"] = redirect(f"/c{i + 1}")
    result = run_fetch(http_settings(max_redirects=3), [server.netloc], server.url("/c0"))
    assert result.error == "too_many_redirects" and result.final_url == server.url("/c4")
    assert len(server.hits("/c3")) == 1 and not server.hits("/c4")


def test_cookie_wall_may_redirect_back_once(server, http_settings):
    def wall(h):
        if "seen=1" in h.headers.get("Cookie", ""):
            h.reply(200, b"behind the wall")
        else:
            h.reply(302, b"", {"Location": "/wall", "Set-Cookie": "seen=1; Path=/"})

    server.routes["/wall"] = wall
    result = run_fetch(http_settings(), [server.netloc], server.url("/wall"))
    assert result.ok and result.body == b"behind the wall"


def test_redirect_from_operator_origin_to_other_loopback_port_is_refused(
    make_server, http_settings
):
    feed_host, internal = make_server(), make_server()  # internal plays the Prefect API
    feed_host.routes["/go"] = redirect(internal.url("/api/admin"))
    internal.routes["/api/admin"] = lambda h: h.reply(200, b"secret")
    result = run_fetch(http_settings(), [feed_host.netloc], feed_host.url("/go"))
    assert result.error is not None and result.error.startswith("refused_address:")
    assert result.final_url == internal.url("/api/admin") and result.body is None
    assert not internal.seen


def test_redirect_to_metadata_address_is_refused(server, http_settings):
    server.routes["/meta"] = redirect("http://169.254.169.254/latest/meta-data/")
    server.routes["/scheme"] = redirect("file:///etc/passwd")
    result = run_fetch(http_settings(), [server.netloc], server.url("/meta"))
    assert result.error is not None and result.error.startswith("refused_address:")
    result = run_fetch(http_settings(), [server.netloc], server.url("/scheme"))
    assert result.error == "unsupported_scheme:file"


def test_redirect_without_location(server, http_settings):
    server.routes["/bare"] = lambda h: h.reply(302, b"")
    result = run_fetch(http_settings(), [server.netloc], server.url("/bare"))
    assert result.error == "redirect_without_location" and result.status == 302


@pytest.mark.parametrize(
    "location",
    ["javascript:alert(1)", "mailto:desk@outlet.test", "data:text/html,hi", "about:blank", "tel:1"],
)
def test_a_redirect_to_what_is_no_web_address_is_a_recorded_failure(
    server, http_settings, location, caplog
):
    # httpx cannot make a URL of these: that must not be an internal error, logged with a
    # traceback on every run the outlet's page is in the feed
    server.routes["/odd"] = redirect(location)
    with caplog.at_level(logging.INFO):
        result = run_fetch(http_settings(), [server.netloc], server.url("/odd"))
    assert result.error is not None
    assert result.error.startswith(("bad_redirect:", "unsupported_scheme:")), result.error
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
