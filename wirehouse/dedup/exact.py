"""Exact deduplication: the same canonical link or the same text is one article seen again.

Decisions are made per batch against what the warehouse already holds (passed in as lookups),
then against the other articles of the batch, taken in order of publication: the copy published
first is the article (the wire original beats its reprints), the others are its duplicates,
unless its claimed lead is too large to trust (`leads_too_much`).
Canonical keys arrive screened (`dedup.canonical`): only same-site and partner ones are here.
A canonical names the article at that URL, or the page that another's canonical names; two
pages that only claim the same canonical (a template's section link on every article, a
canonical that drops the article's id) are judged by their text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from wirehouse.dedup.ids import article_id_for
from wirehouse.records import Access, Article, Decision, Known, MatchKind, Outcome
from wirehouse.urls import normalise_url


def decide_exact(
    articles: Sequence[Article],
    *,
    by_url: Mapping[str, str],
    by_claim: Mapping[str, str],
    by_hash: Mapping[str, str],
    refetched: Mapping[str, Known],
    lead: timedelta,
) -> list[Decision]:
    """Decide each article of a batch.

    `by_url` maps URL keys of stored articles to their ids, `by_claim` the canonical keys they
    claim, `by_hash` maps content hashes to ids, and `refetched` maps the url_key of entries
    fetched again on purpose (a retry or an update) to the article they belong to; a copy of
    the batch leading another by more than `lead` is not its article (`leads_too_much`).
    """
    urls, claims, hashes = dict(by_url), dict(by_claim), dict(by_hash)
    decided: dict[int, Decision] = {}
    dated: dict[str, datetime | None] = {}  # the batch's new articles, by id: their dates
    for i in sorted(range(len(articles)), key=lambda i: _publication_order(articles[i])):
        article = articles[i]
        homes = _homes(article)
        claimed = _claimed(article, homes)
        decision = _decide_one(article, homes, claimed, urls, claims, hashes, refetched)
        earlier = decision.article_id
        if (
            decision.match_kind is MatchKind.EXACT
            and earlier in dated
            and leads_too_much(dated[earlier], article.published_at, lead)
        ):
            del dated[earlier]
            # the batch's copy takes no lead a stored one could not: this one is the article
            decision = Decision(
                article, Outcome.NEW, article_id_for(article.entry.url_key), MatchKind.NEW
            )
            _follow(decided, (urls, claims, hashes), earlier, decision.article_id)
        decided[i] = decision
        if decision.outcome is Outcome.NEW:
            dated[decision.article_id] = article.published_at
            for key in homes:
                urls.setdefault(key, decision.article_id)
            if claimed is not None:
                claims.setdefault(claimed, decision.article_id)
            if comparable(article) and (text_hash := article.content_hash):
                hashes.setdefault(text_hash, decision.article_id)
    return [decided[i] for i in range(len(articles))]


def _follow(
    decided: dict[int, Decision], keys: Sequence[dict[str, str]], old: str, new: str
) -> None:
    """The batch's article `old` becomes an exact copy of `new`, and what pointed at it (its
    duplicates, its URLs, claims and text) now points at `new`."""
    for i, d in decided.items():
        decided[i] = followed(d, old, new, MatchKind.EXACT)
    for table in keys:
        for key, value in table.items():
            if value == old:
                table[key] = new


def _decide_one(
    article: Article,
    homes: list[str],
    claimed: str | None,
    urls: Mapping[str, str],
    claims: Mapping[str, str],
    hashes: Mapping[str, str],
    refetched: Mapping[str, Known],
) -> Decision:
    known = refetched.get(article.entry.url_key)
    if known is not None:
        if known.content_hash == article.content_hash:
            return Decision(article, Outcome.UNCHANGED, known.article_id, MatchKind.URL)
        return Decision(
            article, Outcome.VERSION, known.article_id, MatchKind.URL, version=known.version + 1
        )
    # the article at its canonical's URL; or the one whose canonical this page is
    match = urls.get(claimed or "") or next(
        (found for key in homes if (found := claims.get(key) or urls.get(key))), None
    )
    if match is not None:
        return Decision(article, Outcome.DUPLICATE, match, MatchKind.CANONICAL)
    copy_of = hashes.get(article.content_hash or "") if comparable(article) else None
    if copy_of is not None:
        return Decision(article, Outcome.DUPLICATE, copy_of, MatchKind.EXACT)
    return Decision(article, Outcome.NEW, article_id_for(article.entry.url_key), MatchKind.NEW)


# accesses whose text is a stand-in (a wall's teaser, or the feed's summary in the page's place)
STAND_INS = frozenset({Access.PAYWALLED, Access.BOT_WALL, Access.JS_SHELL, Access.FEED_ONLY})


def comparable(article: Article) -> bool:
    """Whether the article's text can make it a copy of another (exact or near): only the
    page's own text (access ok or truncated). A wall's teaser is the outlet's, and a feed's
    summary standing in for a page is the outlet's blurb, not the article: two outlets' teasers,
    "subscribe to read" lines and summaries are alike when their articles are not."""
    return article.content_hash is not None and article.access not in STAND_INS


def _homes(article: Article) -> list[str]:
    """The keys of the URLs an article's page is at: its feed link's, and where that link
    redirected to (an http link to an https page, a redirector's)."""
    keys = [article.entry.url_key]
    if article.url == article.entry.url:  # not redirected: the feed link's key is the one
        return keys
    try:
        final = normalise_url(article.url)
    except ValueError:
        return keys
    return keys if final == keys[0] else [*keys, final]


def _claimed(article: Article, homes: list[str]) -> str | None:
    """The canonical key the article names, if it is a usable one and not where it is."""
    key = article.canonical_key
    return key if key and key not in homes and _usable(key) else None


def _publication_order(article: Article) -> tuple[bool, datetime]:
    """Earliest published first; articles with no date after every dated one."""
    published = article.published_at
    return (published is None, published or datetime.max.replace(tzinfo=UTC))


def followed(
    d: Decision, old: str, new: str, kind: MatchKind, similarity: float | None = None
) -> Decision:
    """`d` once the batch's article `old` turned out to be a copy of `new` (found by `kind`):
    `old` itself a duplicate of `new`, and a decision that pointed at `old` pointing at `new`."""
    if d.article_id != old:
        return d
    if d.outcome is Outcome.NEW:
        return replace(
            d, outcome=Outcome.DUPLICATE, article_id=new, match_kind=kind, similarity=similarity
        )
    return replace(d, article_id=new)


def leads_too_much(first: datetime | None, then: datetime | None, lead: timedelta) -> bool:
    """Whether a copy dated `first` claims to precede one dated `then` by more than `lead`: a
    claim that large is evidence of little (a wire original is seen within hours or a day of
    its reprints; a copy back-dated by years is not), so it does not make `first` the article."""
    return first is not None and then is not None and then - first > lead


def _usable(key: str) -> bool:
    """A canonical link to a site's front page is a template bug, not an identity."""
    path = key.split("://", 1)[-1].partition("/")[2]
    return path.split("?", 1)[0].strip("/") != ""
