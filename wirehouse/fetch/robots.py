"""robots.txt, fetched once per origin and User-Agent per run, obeyed for the agent's token.

The token is the product token of the User-Agent the requests send (the text before the first
``/`` or space): ``wirehouse`` for the settings' default one, ``PartnerBot`` for a feed whose
`user_agent` in the feed list is ``PartnerBot/2.0 (+url)``, and the operator's own bot name when
`http.user_agent` names one. Each User-Agent fetches robots.txt with its own header.

How a robots.txt fetch outcome is read (RFC 9309, section 2.3.1):

* 2xx: parse it with `urllib.robotparser` (UTF-8, a leading byte order mark dropped);
* 4xx other than 429 (none there, forbidden, gone): no rules apply, everything is allowed;
* 5xx, 429, network failure, refused, too large: the file is "unreachable", and the RFC says a
  crawler MUST then assume complete disallow. We do, for the rest of the run; the page fetch
  fails with ``robots_unavailable:<why>`` so a caller can keep the feed's text and retry later.

Known limit of `urllib.robotparser`: it applies the first matching rule in file order, not the
longest match the RFC asks for; and it reads Crawl-delay as whole seconds only.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from wirehouse.records import Fetched, is_deferral

log = logging.getLogger(__name__)

AGENT = "wirehouse"
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """What one origin's robots.txt says to us."""

    parser: urllib.robotparser.RobotFileParser | None
    unavailable: str | None = None  # set when the file could not be read: disallow everything
    crawl_delay_s: float | None = None
    agent: str = AGENT  # the token whose rules apply

    def verdict(self, url: str) -> str | None:
        """None if `url` may be fetched, else the error to report."""
        if self.unavailable is not None:
            return f"robots_unavailable:{self.unavailable}"
        if self.parser is not None and not self.parser.can_fetch(self.agent, url):
            return "robots_disallowed"
        return None


def origin_of(url: httpx.URL) -> str:
    """``scheme://host:port``, the unit robots.txt applies to."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host.decode("ascii").lower()
    host = f"[{host}]" if ":" in host else host
    return f"{url.scheme}://{host}:{port}"


def product_token(user_agent: str) -> str:
    """The robots.txt token of a User-Agent header: its first product's name."""
    first = user_agent.strip().split(maxsplit=1)[0] if user_agent.strip() else AGENT
    return first.split("/", 1)[0] or AGENT


def rules_from(fetched: Fetched, agent: str = AGENT) -> RobotsRules:
    """Turn the outcome of fetching a robots.txt into `agent`'s rules (see the module docstring)."""
    if fetched.ok and fetched.body is not None:
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(fetched.body.decode("utf-8-sig", errors="replace").splitlines())
        delay: float | None = None
        crawl_delay = parser.crawl_delay(agent)
        if crawl_delay is not None:
            delay = float(crawl_delay)
        rate = parser.request_rate(agent)
        if rate is not None and rate.requests > 0:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        return RobotsRules(parser=parser, crawl_delay_s=delay, agent=agent)
    status = fetched.status
    if status is not None and 400 <= status < 500 and status != 429:
        return RobotsRules(parser=None, agent=agent)
    reason = fetched.error or f"http_{status}"
    return RobotsRules(parser=None, unavailable=reason.split(":", 1)[0], agent=agent)


class RobotsCache:
    """One robots.txt fetch per origin and User-Agent per run (the host limits a request goes
    under do not change what the file says), and one more after a deferral of its host has
    ended; concurrent callers await the same fetch."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str], asyncio.Task[RobotsRules]] = {}

    async def rules_for(
        self,
        url: httpx.URL,
        user_agent: str,
        fetch_robots: Callable[[str], Awaitable[Fetched]],
    ) -> RobotsRules:
        """The rules of `url`'s origin for `user_agent`'s product token; on first use by
        `user_agent` its robots.txt is fetched with `fetch_robots(robots_url)` (which sends
        that User-Agent)."""
        origin = origin_of(url)
        key = (origin, user_agent)
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, product_token(user_agent), fetch_robots))
            self._tasks[key] = task
        # shield: one impatient caller being cancelled must not cancel everyone's fetch
        return await asyncio.shield(task)

    async def _load(
        self,
        key: tuple[str, str],
        agent: str,
        fetch_robots: Callable[[str], Awaitable[Fetched]],
    ) -> RobotsRules:
        origin = key[0]
        fetched = await fetch_robots(f"{origin}/robots.txt")
        if is_deferral(fetched.error):
            # refused unsent while its host is deferred: not the file's answer, so the next
            # caller asks again (the fetcher refuses it unsent till the deferral ends)
            self._tasks.pop(key, None)
        rules = rules_from(fetched, agent)
        if rules.unavailable:
            log.info(
                "robots.txt of %s unavailable (%s): not fetching its pages",
                origin,
                rules.unavailable,
            )
        return rules

    async def aclose(self) -> None:
        """Cancel fetches still running (the fetcher is closing)."""
        pending = [t for t in self._tasks.values() if not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
