"""The one HTTP fetcher: every feed, article page and robots.txt goes through `Fetcher.fetch`.

It never raises for a problem with one URL; it returns a `Fetched` whose `error` says what went
wrong (``timeout:read``, ``too_large``, ``http_404``, ``refused_address:...``,
``robots_disallowed``, ``host_backed_off:...``, ``deferred_retry_after:until=...``). Per
request hop it checks the address policy, robots.txt (when asked), waits for the host's
politeness slot, then sends with connect/read timeouts plus a total deadline and streams the
body under a decompressed-size cap.

A request goes out under a `FetchProfile`: the User-Agent, the robots.txt token and the host
limits of the settings, or of its feed when the feed list gives it its own (`profile_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType

import httpx

from wirehouse.config.settings import HttpSettings, fill_contact
from wirehouse.fetch.addresses import AddressPolicy, AddressRefused, Resolver
from wirehouse.fetch.bodies import BadEncoding, TooLarge, drain, gunzip_capped, read_capped
from wirehouse.fetch.hosts import (
    HostBackedOff,
    HostGate,
    HostLimits,
    host_key,
    parse_retry_after,
    refusal,
)
from wirehouse.fetch.robots import (
    ROBOTS_MAX_BYTES,
    RobotsCache,
    RobotsRules,
    origin_of,
    product_token,
)
from wirehouse.fetch.transport import guarded_transport
from wirehouse.records import FeedSource, Fetched, FetchKind

log = logging.getLogger(__name__)

ACCEPT = {
    FetchKind.FEED: "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8",
    FetchKind.PAGE: "text/html, application/xhtml+xml;q=0.9, */*;q=0.8",
    FetchKind.ROBOTS: "text/plain, */*;q=0.5",
    FetchKind.SITEMAP: "application/xml, text/xml;q=0.9, application/gzip;q=0.8, */*;q=0.5",
}
_GZIP_MAGIC = b"\x1f\x8b"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_NETWORK_FAILURES = ("timeout", "connect_error", "dns_error", "tls_error", "read_error")
# a page refused with one of these may be a bot challenge: its body is kept (up to
# REFUSAL_MAX_BYTES) so extraction can say so (extractors/access.py)
_REFUSALS = frozenset({401, 403, 405, 429, 503})
REFUSAL_MAX_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FetchProfile:
    """Who a request says it is and how politely it goes: one per feed list entry at most."""

    user_agent: str
    limits: HostLimits

    @property
    def robots_agent(self) -> str:
        """The token whose robots.txt rules apply: the User-Agent's product name."""
        return product_token(self.user_agent)


@dataclass(frozen=True, slots=True)
class _Hop:
    """What one request/response exchange produced."""

    status: int | None = None
    headers: httpx.Headers | None = None
    body: bytes | None = None
    error: str | None = None
    retry_after_s: float | None = None
    elapsed_s: float = 0.0


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _describe(exc: Exception) -> str:
    """A machine-readable reason for an exception raised while talking to a server."""
    if isinstance(exc, AddressRefused):
        return f"refused_address:{exc}"
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connect",
            httpx.ReadTimeout: "read",
            httpx.WriteTimeout: "write",
            httpx.PoolTimeout: "pool",
        }.get(type(exc), "other")
        return f"timeout:{phase}"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return f"tls_error:{_short(cause)}"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return f"connect_error:{_short(exc)}"
    if isinstance(exc, httpx.ProtocolError):
        return f"protocol_error:{_short(exc)}"
    if isinstance(exc, httpx.NetworkError):
        return f"read_error:{_short(exc)}"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"bad_url:{_short(exc)}"
    if isinstance(exc, httpx.HTTPError):
        return f"http_error:{type(exc).__name__}"
    return f"dns_error:{_short(exc)}"  # OSError from getaddrinfo


class Fetcher:
    """Polite, bounded, SSRF-safe async HTTP fetcher sharing one pooled httpx client.

    `operator_hosts` are the ``host:port`` origins of the operator's feeds: they (and
    `settings.allow_private_hosts`) may live on loopback/private addresses; links and redirects
    elsewhere may not. `deferred` maps URLs whose host deferred an earlier run (a long
    Retry-After) to the time the host named: until then that host is not asked. `transport`
    replaces the network (tests); `resolver` replaces DNS (tests).
    """

    def __init__(
        self,
        settings: HttpSettings,
        *,
        operator_hosts: Iterable[str] = (),
        deferred: Mapping[str, datetime] | None = None,
        host_budget_s: float = math.inf,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._settings = settings
        self._policy = AddressPolicy(
            operator_hosts, settings.allow_private_hosts, resolver=resolver
        )
        self._hosts = HostGate(
            per_host_connections=settings.per_host_connections,
            per_host_delay_s=settings.per_host_delay_s,
            max_connections=settings.max_connections,
            max_pause_s=settings.max_retry_after_s,
            busy_budget_s=host_budget_s,
        )
        for url, until in (deferred or {}).items():
            with contextlib.suppress(httpx.InvalidURL):  # a log row no URL parser reads
                self._hosts.defer(host_key(httpx.URL(url)), until)
        self._default = FetchProfile(
            user_agent=settings.user_agent_header(),
            limits=HostLimits(settings.per_host_delay_s, settings.per_host_connections),
        )
        self._robots = RobotsCache()
        if transport is None:
            limits = httpx.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_connections,
                keepalive_expiry=15.0,
            )
            transport = guarded_transport(self._policy, limits)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # no proxies or .netrc picked up from the environment
            timeout=httpx.Timeout(
                connect=settings.connect_timeout_s,
                read=settings.read_timeout_s,
                write=settings.read_timeout_s,
                pool=settings.total_timeout_s,
            ),
            headers={"Accept-Encoding": "gzip, deflate"},  # User-Agent: per request
        )
        self._closed = False

    @property
    def policy(self) -> AddressPolicy:
        """The address policy in force (exposed for callers that pre-screen links)."""
        return self._policy

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; pending robots.txt fetches are cancelled."""
        if self._closed:
            return
        self._closed = True
        await self._robots.aclose()
        await self._client.aclose()

    def _cap(self, kind: FetchKind) -> int:
        if kind in (FetchKind.FEED, FetchKind.SITEMAP):
            return self._settings.feed_max_bytes
        if kind is FetchKind.PAGE:
            return self._settings.page_max_bytes
        return ROBOTS_MAX_BYTES

    def profile_for(self, source: FeedSource) -> FetchProfile:
        """The profile of a feed's requests: its own settings from the feed list, else ours."""
        default = self._default
        if source.user_agent is None and (
            source.per_host_delay_s is None and source.per_host_connections is None
        ):
            return default
        user_agent = default.user_agent
        if source.user_agent is not None:
            user_agent = fill_contact(source.user_agent, self._settings.contact_url)
        limits = HostLimits(
            default.limits.delay_s if source.per_host_delay_s is None else source.per_host_delay_s,
            default.limits.connections
            if source.per_host_connections is None
            else source.per_host_connections,
        )
        return FetchProfile(user_agent, limits)

    async def robots_rules(self, url: str, profile: FetchProfile | None = None) -> RobotsRules:
        """The robots.txt rules of `url`'s origin under `profile`: the ones its page fetches
        obey, from the same one fetch per origin and User-Agent (a backfill reads its
        `Sitemap:` lines)."""
        profile = profile or self._default
        return await self._robots.rules_for(
            httpx.URL(url),
            profile.user_agent,
            partial(self.fetch, kind=FetchKind.ROBOTS, profile=profile),
        )

    async def fetch(
        self,
        url: str,
        *,
        kind: FetchKind,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        profile: FetchProfile | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """Fetch `url`, following redirects; any per-URL problem comes back as `Fetched.error`.

        `etag`/`last_modified` make the request conditional (a 304 comes back with body None).
        `check_robots` obeys the origin's robots.txt for every hop (used for article pages).
        `profile` (default: the settings') gives the User-Agent and the host limits.
        `max_bytes` caps the decoded body instead of the kind's setting (a backfill's sitemaps);
        a `SITEMAP` that is a gzip file comes back inflated, under the same cap.
        `deadline` (a `time.monotonic()` value) ends the fetch, queued or not, with
        ``deadline_passed``: a stage's deadline, so politeness queues cannot hold a run.
        `elapsed_ms` is time on the network, not time queued behind politeness limits.
        """
        if self._closed:
            raise RuntimeError("Fetcher is closed")
        profile = profile or self._default
        headers = {"Accept": ACCEPT[kind], "User-Agent": profile.user_agent}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        elapsed_s = 0.0
        seen: set[str] = set()
        cookie_revisits: set[str] = set()
        redirects = 0

        def result(hop: _Hop | None = None, error: str | None = None) -> Fetched:
            response_headers = hop.headers if hop and hop.headers is not None else httpx.Headers()
            status = hop.status if hop else None
            new_etag = response_headers.get("etag")
            new_modified = response_headers.get("last-modified")
            if status == 304:  # a 304 may omit validators: the ones we sent still hold
                new_etag = new_etag or etag
                new_modified = new_modified or last_modified
            return Fetched(
                url=url,
                kind=kind,
                final_url=current,
                status=status,
                fetched_at=datetime.now(UTC),
                elapsed_ms=round(elapsed_s * 1000.0, 3),
                body=hop.body if hop and error is None else None,
                content_type=response_headers.get("content-type"),
                etag=new_etag,
                last_modified=new_modified,
                error=error or (hop.error if hop else None),
                retry_after_s=hop.retry_after_s if hop else None,
            )

        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            async with asyncio.timeout(remaining) as limit:
                while True:
                    refusal, target = await self._screen(current, kind, check_robots, profile)
                    if refusal is not None or target is None:
                        return result(error=refusal)
                    seen.add(str(target))
                    cap = self._cap(kind) if max_bytes is None else max_bytes
                    hop = await self._exchange(target, kind, headers, profile.limits, cap)
                    elapsed_s += hop.elapsed_s
                    if hop.status not in _REDIRECT_STATUSES or hop.error is not None:
                        return result(hop)
                    assert hop.headers is not None
                    location = hop.headers.get("location")
                    if not location:
                        return result(hop, error="redirect_without_location")
                    try:
                        next_url = target.join(location.strip())
                    except httpx.InvalidURL as exc:
                        return result(hop, error=f"bad_redirect:{_short(exc)}")
                    next_url = next_url.copy_with(fragment=None)
                    current = str(next_url)
                    redirects += 1
                    if current in seen:
                        # a cookie wall sets a cookie and redirects back once; anything else loops
                        if "set-cookie" not in hop.headers or current in cookie_revisits:
                            return result(hop, error="redirect_loop")
                        cookie_revisits.add(current)
                    if redirects > self._settings.max_redirects:
                        return result(hop, error="too_many_redirects")
        except TimeoutError:
            if limit.expired():
                log.info("deadline passed fetching %s", current)
                return result(error="deadline_passed")
            log.exception("unexpected timeout fetching %s", current)
            return result(error="internal_error:TimeoutError")
        except Exception as exc:  # a bug must not end a run of thousands of fetches
            log.exception("unexpected failure fetching %s", current)
            return result(error=f"internal_error:{type(exc).__name__}")

    async def _screen(
        self, url: str, kind: FetchKind, check_robots: bool, profile: FetchProfile
    ) -> tuple[str | None, httpx.URL | None]:
        """Everything that may refuse a URL before a byte is sent: (error, parsed URL)."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return f"bad_url:{_short(exc)}", None
        if target.scheme not in ("http", "https"):
            return f"unsupported_scheme:{target.scheme or 'none'}", None
        if not target.raw_host:
            return "bad_url:no host", None
        key = host_key(target)
        backed_off = self._hosts.backed_off(key, profile.user_agent)
        if backed_off:
            return refusal(backed_off), None
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            async with asyncio.timeout(self._settings.connect_timeout_s):
                await self._policy.allowed_addresses(target.raw_host.decode("ascii"), port)
        except AddressRefused as exc:
            log.info("refused %s: %s", url, exc)
            return f"refused_address:{exc}", None
        except TimeoutError:
            return "timeout:dns", None
        except OSError as exc:
            self._hosts.observe_failure(key, "dns_error")
            return f"dns_error:{_short(exc)}", None
        if check_robots and kind is not FetchKind.ROBOTS:
            rules = await self.robots_rules(str(target), profile)
            if backed_off := self._hosts.backed_off(key, profile.user_agent):
                # robots.txt was the host's first answer: a long Retry-After there defers the
                # page too (and the page's row carries the deferral to the next runs)
                return refusal(backed_off), None
            if rules.crawl_delay_s is not None:
                self._hosts.set_crawl_delay(key, rules.crawl_delay_s)
            verdict = rules.verdict(str(target))
            if verdict is not None:
                log.debug("%s: %s (%s)", verdict, url, origin_of(target))
                return verdict, None
        return None, target

    async def _exchange(
        self,
        url: httpx.URL,
        kind: FetchKind,
        headers: dict[str, str],
        limits: HostLimits,
        cap: int,
    ) -> _Hop:
        """One request under the host's politeness slot and the total deadline."""
        key = host_key(url)
        started = time.perf_counter()
        try:
            counted = kind is FetchKind.PAGE  # a host's budget is its pages' (`HostGate`)
            async with self._hosts.slot(key, limits, headers["User-Agent"], counted=counted):
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(self._settings.total_timeout_s):
                        hop = await self._send(url, kind, headers, cap)
                except TimeoutError:
                    hop = _Hop(error="timeout:total")
                except (httpx.HTTPError, AddressRefused, OSError) as exc:
                    hop = _Hop(error=_describe(exc))
                elapsed = time.perf_counter() - started
        except HostBackedOff as exc:
            return _Hop(error=refusal(str(exc)))
        error = hop.error
        if hop.status is not None:
            self._hosts.observe_response(key, hop.status, hop.retry_after_s, headers["User-Agent"])
            if hop.status in (429, 503) and self._hosts.deferred(key):
                error = self._hosts.backed_off(key)  # deferred, not failed: a later run fetches it
        elif hop.error and hop.error.startswith(_NETWORK_FAILURES):
            self._hosts.observe_failure(key, hop.error.split(":", 1)[0])
        return _Hop(
            status=hop.status,
            headers=hop.headers,
            body=hop.body,
            error=error,
            retry_after_s=hop.retry_after_s,
            elapsed_s=elapsed,
        )

    async def _send(
        self, url: httpx.URL, kind: FetchKind, headers: dict[str, str], cap: int
    ) -> _Hop:
        request = self._client.build_request("GET", url, headers=headers)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.InvalidURL as exc:
            # the URL was screened: httpx read a redirect's Location it cannot make a URL of
            # (javascript:, mailto:), to offer the next request this client never sends
            return _Hop(error=f"bad_redirect:{_short(exc)}")
        try:
            status = response.status_code
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            if status == 304 or status in _REDIRECT_STATUSES:
                await drain(response)
                return _Hop(status=status, headers=response.headers)
            if not 200 <= status < 300:
                refused = None
                if kind is FetchKind.PAGE and status in _REFUSALS:
                    with contextlib.suppress(TooLarge, BadEncoding):
                        refused = await read_capped(response, REFUSAL_MAX_BYTES)
                else:
                    await drain(response)
                return _Hop(
                    status=status,
                    headers=response.headers,
                    body=refused,
                    error=f"http_{status}",
                    retry_after_s=retry_after,
                )
            try:
                body = await read_capped(response, cap)
                if kind is FetchKind.SITEMAP and body.startswith(_GZIP_MAGIC):
                    body = await asyncio.to_thread(gunzip_capped, body, cap)
            except TooLarge as exc:
                return _Hop(status=status, headers=response.headers, error=f"too_large:{exc}")
            except BadEncoding as exc:
                return _Hop(status=status, headers=response.headers, error=f"decoding_error:{exc}")
            return _Hop(status=status, headers=response.headers, body=body)
        finally:
            await response.aclose()
