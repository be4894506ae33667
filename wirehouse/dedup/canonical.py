"""Which `<link rel=canonical>` declarations are trusted to merge two pages into one article.

A page may name any URL as its canonical one, so a canonical link is the publisher's word about
its own site only: one to another registrable domain is trusted only between syndication
partners the operator lists. Any other cross-site canonical is kept as a claim (provenance) and
the page is deduplicated by its text alone (exact or near), so a page at `evil.example` cannot
make the real article at `victim-news.example` a duplicate of its own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from wirehouse.records import Article
from wirehouse.urls import site_of


def trusted_pairs(groups: Iterable[Sequence[str]]) -> frozenset[tuple[str, str]]:
    """Ordered pairs of sites whose canonicals point at each other's articles, from groups of
    syndication partners (each a domain, a host or a URL: its site is what counts)."""
    pairs: set[tuple[str, str]] = set()
    for group in groups:
        sites = [_partner_site(g) for g in group if g.strip()]
        pairs |= {(a, b) for a in sites for b in sites if a != b}
    return frozenset(pairs)


def _partner_site(name: str) -> str:
    name = name.strip()
    return site_of(name if "://" in name else f"https://{name}/")


@dataclass(frozen=True, slots=True)
class Claim:
    """A page declaring a canonical URL on another site; `trusted` when the two are partners."""

    url: str
    url_key: str
    claimed_url: str
    claimed_key: str
    claimer_site: str
    claimed_site: str
    trusted: bool


def screen_canonicals(
    articles: Sequence[Article], partners: frozenset[tuple[str, str]]
) -> tuple[list[Article], list[Claim]]:
    """The articles with each untrusted cross-site canonical key removed (its URL stays in
    `canonical_url` as declared), and every cross-site claim, trusted or not."""
    screened: list[Article] = []
    claims: list[Claim] = []
    for a in articles:
        if not a.canonical_key or not a.canonical_url:
            screened.append(a)
            continue
        mine, theirs = site_of(a.url), site_of(a.canonical_key)
        if mine == theirs:
            screened.append(a)
            continue
        trusted = (mine, theirs) in partners
        claims.append(
            Claim(a.url, a.entry.url_key, a.canonical_url, a.canonical_key, mine, theirs, trusted)
        )
        screened.append(a if trusted else replace(a, canonical_key=None))
    return screened, claims


def stored_key_trusted(
    article_url: str, canonical_key: str, partners: frozenset[tuple[str, str]]
) -> bool:
    """Whether a stored article's canonical key may match: same site, or partners (rows stored
    before claims were screened may hold a cross-site key)."""
    mine, theirs = site_of(article_url), site_of(canonical_key)
    return mine == theirs or (mine, theirs) in partners
