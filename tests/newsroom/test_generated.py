"""The generated newsroom (the benchmarks'): deterministic, realistic in size, polite HTTP."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from devkit.newsroom.generated import Dataset, Generator, Scale
from devkit.newsroom.generated_server import start_process, stop_process

SCALE = Scale(hosts=3, seed=11)
DATA = Dataset("t", feeds=6, articles=120)


def test_the_same_seed_renders_the_same_bytes_and_another_seed_does_not() -> None:
    one = Generator(SCALE, [DATA])
    two = Generator(SCALE, [DATA])
    other = Generator(Scale(hosts=3, seed=12), [DATA])
    assert one.page(DATA, 77, 8000) == two.page(DATA, 77, 8000)
    assert one.feed(DATA, 2, 8000) == two.feed(DATA, 2, 8000)
    assert one.page(DATA, 77, 8000) != other.page(DATA, 77, 8000)


def test_pages_weigh_like_real_news_pages_and_copies_share_their_text() -> None:
    room = Generator(SCALE, [DATA])
    sizes = [len(room.page(DATA, k, 8000)) for k in range(0, 120, 7)]
    assert min(sizes) >= 100_000 and max(sizes) <= 200_000
    pieces = {piece.key: piece for piece in (room.piece(DATA, k) for k in range(120))}
    copies = [piece for piece in pieces.values() if piece.copy_of is not None]
    assert {piece.kind for piece in copies} == {"wire-verbatim", "wire-edited"}
    for copy in copies:
        original = pieces[copy.copy_of or ""]
        assert copy.story == original.story and copy.title == original.title
        assert set(copy.paragraphs[1:3]) & set(original.paragraphs)
        if copy.kind == "wire-verbatim":
            assert copy.paragraphs == original.paragraphs


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Generator, int]]:
    proc, port = start_process(SCALE, [DATA], latency_s=0.0)
    try:
        yield Generator(SCALE, [DATA]), port
    finally:
        stop_process(proc)


def test_a_matching_etag_gets_304_and_pages_live_on_their_own_host(
    served: tuple[Generator, int],
) -> None:
    room, port = served
    url = room.feed_urls(DATA, port)[1]
    with httpx.Client(trust_env=False) as client:
        first = client.get(url)
        assert first.status_code == 200 and first.content == room.feed(DATA, 1, port)
        again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        page = room.article_url(DATA, 1, port)
        assert client.get(page).content == room.page(DATA, 1, port)
        elsewhere = page.replace(
            httpx.URL(page).host, httpx.URL(room.feed_urls(DATA, port)[0]).host
        )
        assert client.get(elsewhere).status_code == 404


def test_a_new_edition_changes_exactly_the_feeds_that_list_an_updated_article() -> None:
    scale = Scale(hosts=3, seed=6, updated=0.3)
    data = Dataset("u", feeds=100, articles=200)  # two articles a feed, and the cross-listings
    room = Generator(scale, [data])
    changes = {
        f: any(room.is_updated(data, k, 1) for k in room.listed(data, f)) for f in range(data.feeds)
    }
    # feed 8 changes only through article 7, listed again from feed 7
    assert changes[8] and not any(room.is_updated(data, k, 1) for k in (8, 108))
    assert 7 in room.listed(data, 8)
    proc, port = start_process(scale, [data], latency_s=0.0)
    try:
        urls = room.feed_urls(data, port)
        with httpx.Client(trust_env=False) as client:
            etags = {f: client.get(urls[f]).headers["etag"] for f in range(data.feeds)}
            proc.send_signal(signal.SIGUSR1)
            time.sleep(0.5)  # the server's loop takes the signal between two requests
            for f in range(data.feeds):
                again = client.get(urls[f], headers={"If-None-Match": etags[f]})
                if changes[f]:
                    assert again.status_code == 200, f
                    assert again.content == room.feed(data, f, port, edition=1)
                else:
                    assert again.status_code == 304, f
    finally:
        stop_process(proc)
