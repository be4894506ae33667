"""Exact deduplication: the same canonical link or the same text is one article seen again.

Decisions are made per batch against what the warehouse already holds (passed in as lookups),
then against the articles decided earlier in the same batch, in batch order: the first one wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from wirehouse.dedup.ids import article_id_for
from wirehouse.records import Article, MatchKind


class Outcome(StrEnum):
    NEW = "new"  # a new row in `articles`
    DUPLICATE = "duplicate"  # one more URL of an article already known
    VERSION = "version"  # an article already known, with changed text
    UNCHANGED = "unchanged"  # an article already known, fetched again, same text


@dataclass(frozen=True, slots=True)
class Known:
    """An article already in the warehouse that a re-fetched entry belongs to."""

    article_id: str
    content_hash: str
    version: int


@dataclass(frozen=True, slots=True)
class Decision:
    article: Article
    outcome: Outcome
    article_id: str
    match_kind: MatchKind
    version: int = 1
    similarity: float | None = None


def decide_exact(
    articles: Sequence[Article],
    *,
    by_canonical: Mapping[str, str],
    by_hash: Mapping[str, str],
    refetched: Mapping[str, Known],
) -> list[Decision]:
    """Decide each article of a batch.

    `by_canonical` maps canonical/URL keys of stored articles to their ids, `by_hash` maps
    content hashes to ids, and `refetched` maps the url_key of entries fetched again on purpose
    (a retry or an update) to the article they belong to.
    """
    canonical = dict(by_canonical)
    hashes = dict(by_hash)
    decisions = []
    for article in articles:
        known = refetched.get(article.entry.url_key)
        if known is not None:
            if known.content_hash == article.content_hash:
                decisions.append(
                    Decision(article, Outcome.UNCHANGED, known.article_id, MatchKind.URL)
                )
            else:
                decisions.append(
                    Decision(
                        article,
                        Outcome.VERSION,
                        known.article_id,
                        MatchKind.URL,
                        version=known.version + 1,
                    )
                )
            continue
        keys = [k for k in (article.canonical_key, article.entry.url_key) if k and _usable(k)]
        match = next((canonical[k] for k in keys if k in canonical), None)
        if match is not None:
            decisions.append(Decision(article, Outcome.DUPLICATE, match, MatchKind.CANONICAL))
            continue
        if article.content_hash in hashes:
            decisions.append(
                Decision(article, Outcome.DUPLICATE, hashes[article.content_hash], MatchKind.EXACT)
            )
            continue
        article_id = article_id_for(article.entry.url_key)
        decisions.append(Decision(article, Outcome.NEW, article_id, MatchKind.NEW))
        for key in keys:
            canonical.setdefault(key, article_id)
        hashes.setdefault(article.content_hash, article_id)
    return decisions


def _usable(key: str) -> bool:
    """A canonical link to a site's front page is a template bug, not an identity."""
    path = key.split("://", 1)[-1].partition("/")[2]
    return path.split("?", 1)[0].strip("/") != ""
