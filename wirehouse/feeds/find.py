"""Find a site's feeds over the network: fetch its home page, then fetch and check each candidate.

The fetching and the checking come in as functions (the project's `Fetcher.fetch`, and
`discover.check_feed` run where it has a deadline), so this stage stays apart from the fetch
layer and every request keeps the fetcher's rules: address policy, size caps, timeouts,
politeness. The address the operator gives and the feeds the site advertises (`<link>`) are
fetched as a run fetches a listed feed, without robots.txt; feed-looking `<a>` links and the
guessed paths are requests nobody asked for, so they obey the robots.txt of their host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from wirehouse.errors import DiscoveryError
from wirehouse.feeds.discover import (
    Candidate,
    FeedCheck,
    Via,
    common_paths,
    feed_links,
    is_comments_feed,
    same_items,
)
from wirehouse.records import Fetched, FetchKind
from wirehouse.urls import check_url, normalise_url

Check = Callable[[Fetched], Awaitable[FeedCheck]]
# fetched as a run fetches a listed feed; any other candidate obeys robots.txt
_INVITED = frozenset({Via.GIVEN, Via.LINK})


class Fetch(Protocol):
    """`Fetcher.fetch`'s shape: never raises for a URL's problem, returns it in `error`."""

    async def __call__(
        self, url: str, *, kind: FetchKind, check_robots: bool = False
    ) -> Fetched: ...


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A candidate after its fetch and check; `error` None means it is a feed wirehouse reads."""

    url: str
    via: Via
    title: str | None = None
    latest: tuple[str, ...] = ()
    entries: int = 0
    error: str | None = None
    comments: bool = False
    final_url: str | None = None  # where the fetch ended, after redirects
    links: tuple[str, ...] = ()  # its entries' normalised links
    same_as: str | None = None  # the url of an earlier feed with the same items

    @property
    def ok(self) -> bool:
        return self.error is None


def site_address(address: str) -> str:
    """The address as an absolute http(s) URL (checked as a feed list checks its URLs), or a
    DiscoveryError saying why it is not one."""
    try:
        url, _ = check_url(address)
    except ValueError as exc:
        raise DiscoveryError(f"{exc} (give the whole URL, e.g. https://outlet.example/)") from None
    return url


async def find_feeds(
    address: str, *, fetch: Fetch, check: Check, deadline_s: float
) -> list[FoundFeed]:
    """Every candidate feed of the site at `address`, checked, in the order found.

    The address is fetched once, as a feed: a feed address is that feed alone, anything else
    is the page whose links are read. Common paths are probed only when the page's own links
    give no working feed, and only the ones that work are kept (a 404 there says nothing).
    Candidates still unchecked at the deadline come back with a `timeout` error.
    """
    url = site_address(address)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    try:
        async with asyncio.timeout_at(deadline):
            home = await fetch(url, kind=FetchKind.FEED)
    except TimeoutError:
        raise DiscoveryError(f"cannot fetch {url}: no answer in {deadline_s:g} s") from None
    if not home.ok or home.body is None:
        raise DiscoveryError(f"cannot fetch {url}: {home.error or f'status {home.status}'}")
    itself = await _check_within(check, home, deadline)
    if itself.error is None:
        return [_found(Candidate(url, Via.GIVEN), itself, final_url=home.final_url)]
    candidates = feed_links(home.body, base_url=home.final_url)
    found = await _check_all(candidates, fetch, check, deadline)
    if not any(f.ok for f in found):
        seen = {normalise_url(c.url) for c in candidates}
        guesses = [c for c in common_paths(home.final_url) if normalise_url(c.url) not in seen]
        found += [f for f in await _check_all(guesses, fetch, check, deadline) if f.ok]
    return _same_items_marked(_without_repeats(found))


async def _check_all(
    candidates: list[Candidate], fetch: Fetch, check: Check, deadline: float
) -> list[FoundFeed]:
    async def one(candidate: Candidate) -> FoundFeed:
        robots = candidate.via not in _INVITED
        fetched = await fetch(candidate.url, kind=FetchKind.FEED, check_robots=robots)
        if not fetched.ok or fetched.body is None:
            reason = fetched.error or f"status {fetched.status}"
            return FoundFeed(candidate.url, candidate.via, error=reason)
        return _found(candidate, await check(fetched), final_url=fetched.final_url)

    if not candidates:
        return []
    tasks = [asyncio.ensure_future(one(c)) for c in candidates]
    _, pending = await asyncio.wait(
        tasks, timeout=max(0.0, deadline - asyncio.get_running_loop().time())
    )
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return [
        FoundFeed(c.url, c.via, error="timeout:discovery") if task in pending else task.result()
        for c, task in zip(candidates, tasks, strict=True)
    ]


async def _check_within(check: Check, fetched: Fetched, deadline: float) -> FeedCheck:
    try:
        async with asyncio.timeout_at(deadline):
            return await check(fetched)
    except TimeoutError:
        return FeedCheck(title=None, latest=(), entries=0, error="timeout:discovery")


def _found(candidate: Candidate, checked: FeedCheck, *, final_url: str | None = None) -> FoundFeed:
    return FoundFeed(
        url=candidate.url,
        via=candidate.via,
        final_url=final_url or candidate.url,
        title=checked.title,
        latest=checked.latest,
        entries=checked.entries,
        error=checked.error,
        links=checked.links,
        comments=is_comments_feed(candidate.url, candidate.label, checked.title)
        or (final_url is not None and is_comments_feed(final_url)),
    )


def _without_repeats(found: list[FoundFeed]) -> list[FoundFeed]:
    """One row per working feed: links that redirect to the same feed (`/feed`, `/feed/`)
    count once, as the first of them."""
    seen: set[str] = set()
    kept = []
    for feed in found:
        if feed.ok and feed.final_url:
            key = normalise_url(feed.final_url)
            if key in seen:
                continue
            seen.add(key)
        kept.append(feed)
    return kept


def _same_items_marked(found: list[FoundFeed]) -> list[FoundFeed]:
    """Each working feed with the items of an earlier one (the site's Atom beside its RSS)
    marked `same_as` that one: reading both would fetch and count every item twice. Comments
    feeds are left out of the comparison (their links are the posts' own)."""
    marked: list[FoundFeed] = []
    firsts: list[FoundFeed] = []
    for feed in found:
        if feed.ok and not feed.comments:
            first = next((f for f in firsts if same_items(f.links, feed.links)), None)
            if first is None:
                firsts.append(feed)
            else:
                feed = replace(feed, same_as=first.url)
        marked.append(feed)
    return marked
