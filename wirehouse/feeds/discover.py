"""Where a site's feeds may be, and whether a fetched candidate is one (pure, no network).

A home page names its feeds in `<link rel="alternate">` elements typed as RSS, Atom or JSON
Feed, and often in plain `<a>` links ("RSS", "/feed/"); sites that do neither usually still
serve one at a conventional path. The feed types and the look of a feed link are trafilatura's
(`trafilatura.feeds`), the same rules its own feed finder uses.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from trafilatura.feeds import FEED_TYPES, LINK_VALIDATION_RE

from wirehouse.feeds.parse import http_link, parse_feed
from wirehouse.records import Fetched
from wirehouse.urls import check_url, normalise_url

# WordPress advertises its REST API on every page as an alternate "application/json": JSON,
# but never a feed (a JSON Feed says application/feed+json)
LINK_TYPES = FEED_TYPES - {"application/json"}
# where blogs and CMSs serve a feed they do not link (WordPress, Ghost, Hugo, Jekyll, Blogger)
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feeds/posts/default",
)
# a home page with more feed-looking links than this is a directory of feeds; its first ones
# (the `<link>` elements come first) are the site's own
MAX_CANDIDATES = 20
# past this an href is not a feed link but junk (or an attack on what prints it)
_MAX_HREF = 2000
_COMMENTS = re.compile(r"\bcomments\b", re.IGNORECASE)
LATEST_TITLES = 3


class Via(StrEnum):
    """How a candidate was found."""

    GIVEN = "given"  # the address itself is a feed
    LINK = "link"  # <link rel="alternate"> in the page's head
    ANCHOR = "anchor"  # an <a> that looks like a feed link
    PATH = "path"  # a common feed path, probed


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL that may be a feed; `label` is the page's own title for it, if any."""

    url: str
    via: Via
    label: str | None = None


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What a candidate's body turned out to be: a feed (error None) with its newest titles."""

    title: str | None
    latest: tuple[str, ...]
    entries: int
    error: str | None
    links: tuple[str, ...] = ()  # the entries' normalised links, once each, in the feed's order


def feed_links(body: bytes, *, base_url: str) -> list[Candidate]:
    """Candidate feed URLs named by an HTML page, absolute, without repeats, links first.

    Relative, root-relative and protocol-relative hrefs resolve against the page's `<base>`
    (if any) and `base_url`; anything that is not http(s) is dropped.
    """
    root = _html_root(body)
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        href = element.get("href")
        if href and href.strip():
            base = _link(href, base_url) or base_url
            break
    found: list[Candidate] = []
    seen: set[str] = set()

    def add(href: str | None, via: Via, label: str | None) -> None:
        url = _link(href, base)
        if url is None or len(found) >= MAX_CANDIDATES:
            return
        key = normalise_url(url)
        if key not in seen:
            seen.add(key)
            found.append(Candidate(url, via, _clean(label)))

    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        mime = (element.get("type") or "").split(";")[0].strip().lower()
        href = element.get("href")
        if "feed" in rel or ("alternate" in rel and _is_feed_type_or_href(mime, href)):
            add(href, Via.LINK, element.get("title"))
    for element in root.iter("a"):
        href = element.get("href")
        if _looks_like_feed(href):
            add(href, Via.ANCHOR, element.text_content())
    return found


def common_paths(site_url: str) -> list[Candidate]:
    """The conventional feed locations at the root of `site_url`'s origin."""
    return [Candidate(urljoin(site_url, path), Via.PATH) for path in COMMON_PATHS]


def check_feed(fetched: Fetched) -> FeedCheck:
    """Parse a fetched candidate with the feed parser: a feed if it read without error, or
    read some entries despite being malformed (as a run would use them)."""
    parsed = parse_feed(fetched)
    usable = parsed.error is None or (parsed.error.startswith("malformed") and parsed.entries)
    dated = sorted(
        (e for e in parsed.entries if e.published_at is not None),
        key=lambda e: e.published_at,  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    newest = dated or list(parsed.entries)
    titles = tuple(dict.fromkeys(e.title for e in newest if e.title))[:LATEST_TITLES]
    return FeedCheck(
        title=parsed.title,
        latest=titles,
        entries=len(parsed.entries),
        error=None if usable else parsed.error,
        links=tuple(dict.fromkeys(e.url_key for e in parsed.entries)),
    )


def same_items(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Two feeds of one site's newest items in two formats (WordPress's RSS and Atom, Blogger's
    Atom and `?alt=rss`): the newest entries of the shorter one are, but for one in ten (a post
    that came out between the two fetches), the newest of the other. A section's feed shares
    some links with the site's main feed but not its newest ones."""
    count = min(len(first), len(second))
    if count == 0:
        return False
    shared = len(set(first[:count]) & set(second[:count]))
    return shared * 10 >= count * 9


def is_comments_feed(url: str, *titles: str | None) -> bool:
    """A feed of readers' comments (WordPress's /comments/feed/, "Comments for ..."), not of
    articles: listed, but not taken by `--all`."""
    return any(_COMMENTS.search(text) for text in (urlsplit(url).path, *titles) if text)


def _is_feed_type_or_href(mime: str, href: str | None) -> bool:
    if mime:
        return mime in LINK_TYPES
    return _looks_like_feed(href)


def _looks_like_feed(href: str | None) -> bool:
    """trafilatura's look of a feed link, whatever the case and trailing slashes of the href
    (`/RSS.xml`, WordPress's `/feed/`): its pattern is written for lower case, no slash."""
    if not href or len(href) > _MAX_HREF:
        return False
    return LINK_VALIDATION_RE.search(href.strip().lower().rstrip("/")) is not None


def _html_root(body: bytes) -> lxml_html.HtmlElement | None:
    """The page's tree: decoded as UTF-8 when it is valid UTF-8 (most pages, and lxml would
    otherwise read an undeclared page as Latin-1), else by lxml from its meta charset."""
    if not body.strip():
        return None
    parser = lxml_html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True)
    attempts: list[str | bytes] = [body]
    with contextlib.suppress(UnicodeDecodeError):
        attempts.insert(0, body.decode("utf-8"))
    for markup in attempts:  # lxml refuses text that declares an encoding: then the bytes
        try:
            return lxml_html.document_fromstring(markup, parser=parser)
        except (etree.ParserError, ValueError):
            continue
    return None


def _link(href: str | None, base: str) -> str | None:
    """`href` resolved against `base` as a feed's links are (`parse.http_link`), without its
    fragment, if it is a URL the feed list can hold (`urls.check_url`); else None."""
    if not href or len(href) > _MAX_HREF:
        return None
    url = http_link(href, base)
    try:
        url, _ = check_url(url)
    except ValueError:
        return None
    return urldefrag(url).url


def _clean(text: str | None) -> str | None:
    return " ".join(text.split())[:200] or None if text else None
