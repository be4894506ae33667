"""HTTP behaviour: validators and 304s, robots.txt, the faults, loopback-only binding, the log."""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from devkit.newsroom import Newsroom
from devkit.ports import free_port_run
from tests.newsroom.conftest import SLOW_SECONDS


def _some_page(newsroom: Newsroom) -> str:
    return newsroom.truth[0].url


def test_feeds_and_pages_have_strong_etags_and_last_modified(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    for url in [*newsroom.feed_urls, _some_page(newsroom), newsroom.faults["pdf"]]:
        response = client.get(url)
        etag = response.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/"), url
        assert response.headers["last-modified"].endswith("GMT")


def test_if_none_match_answers_304_without_a_body(newsroom: Newsroom, client: httpx.Client) -> None:
    for url in [newsroom.feed_urls[0], _some_page(newsroom)]:
        etag = client.get(url).headers["etag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag


def test_a_stale_etag_gets_the_full_body(newsroom: Newsroom, client: httpx.Client) -> None:
    response = client.get(newsroom.feed_urls[0], headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.content


def test_if_modified_since_answers_304_when_nothing_changed(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    url = newsroom.feed_urls[0]
    last_modified = client.get(url).headers["last-modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    early = "Mon, 02 Mar 2026 08:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": early}).status_code == 200


def test_head_sends_headers_only(newsroom: Newsroom, client: httpx.Client) -> None:
    response = client.head(_some_page(newsroom))
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 1000


def test_robots_txt_allows_all_but_one_path_no_feed_links_to(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    linked = {urlsplit(article.url).path for article in newsroom.truth}
    for origin in newsroom.origins.values():
        robots = client.get(origin + "/robots.txt")
        assert robots.status_code == 200
        assert robots.headers["content-type"].startswith("text/plain")
        disallowed = re.findall(r"^Disallow: (\S+)$", robots.text, flags=re.MULTILINE)
        assert len(disallowed) == 1
        assert not any(path.startswith(disallowed[0]) for path in linked)


def test_the_missing_page_is_a_404(newsroom: Newsroom, client: httpx.Client) -> None:
    assert client.get(newsroom.faults["missing_page"]).status_code == 404


def test_the_slow_page_answers_after_the_configured_delay(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    started = time.monotonic()
    response = client.get(newsroom.faults["slow_page"])
    assert response.status_code == 200
    assert time.monotonic() - started >= SLOW_SECONDS


def test_the_pdf_link_serves_a_well_formed_pdf(newsroom: Newsroom, client: httpx.Client) -> None:
    response = client.get(newsroom.faults["pdf"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-1.")
    assert body.rstrip().endswith(b"%%EOF")
    startxref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[startxref:].startswith(b"xref")
    offsets = [int(line[:10]) for line in body[startxref:].splitlines()[3:9]]
    for number, offset in enumerate(offsets, start=1):
        assert body[offset:].startswith(b"%d 0 obj" % number)


def test_servers_bind_only_to_127_0_0_1(newsroom: Newsroom) -> None:
    for origin in newsroom.origins.values():
        port = urlsplit(origin).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        # another loopback address reaches the same host but not a 127.0.0.1-only socket
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", port), timeout=1).close()


def test_requests_are_logged_with_method_url_and_status(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    page = _some_page(newsroom)
    client.get(page)
    client.head(page)
    client.get(newsroom.faults["missing_page"])
    log = newsroom.requests()
    assert ("GET", page, 200) in log
    assert ("HEAD", page, 200) in log
    assert ("GET", newsroom.faults["missing_page"], 404) in log


def test_fixed_ports_follow_the_port_base() -> None:
    base = free_port_run(5)
    with Newsroom(port_base=base) as fixed:
        ports = sorted(urlsplit(origin).port or 0 for origin in fixed.origins.values())
    assert ports == list(range(base, base + 5))


def test_the_newsroom_refuses_to_answer_before_start() -> None:
    with pytest.raises(RuntimeError, match="start"):
        _ = Newsroom().feed_urls
