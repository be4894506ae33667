"""The generated newsroom, for scale: N hosts x M feeds x K articles, drawn from a seed.

Everything is a pure function of (seed, dataset, index, edition), so two processes (the HTTP
server, the bare-trafilatura baseline) render byte-identical pages without sharing state, and
nothing is stored: a page is assembled in well under a millisecond from per-host chrome (menus,
scripts, footer: built once per host) and per-article text drawn from a pseudo-English
vocabulary. Pages weigh 100-200 KB like real news pages: inline scripts and JSON-LD, a mega
menu, a ticker, the article with a figure and an inline promo, related links, reader comments,
a footer and trailing scripts.

Datasets share the hosts and live under their own path prefix (``/<name>/feed/<f>.xml``,
``/<name>/news/<k>/<slug>.html``), so a benchmark can ingest several fresh batches from one
server. Within a dataset:

- feed ``f`` lives on host ``f % hosts``; article ``k`` is listed in feed ``k % feeds``;
- ``syndicated`` of the articles are wire copies of an earlier article on another host: a third
  of them verbatim (an exact duplicate), the rest edited (a near duplicate);
- every 50th article is listed in a second feed too (a URL seen twice, never fetched twice);
- from edition 1 on, ``updated`` of the articles carry an extra paragraph and a later
  ``<atom:updated>`` in their feed (a new version).

An article is a `Piece` (with its expected story, kind and copy_of) and its update a `Revision`,
as in the curated newsroom.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from devkit.newsroom.feeds import FeedEntry, render_feed
from devkit.newsroom.generated_pages import render_chrome, render_page
from devkit.newsroom.model import Piece, Revision
from devkit.newsroom.outlets import FeedSpec, Outlet

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ARTICLES_PER_DAY = 300
_STOP = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "is",
    "was",
    "for",
    "on",
    "with",
    "as",
    "by",
    "at",
    "from",
    "his",
    "her",
    "it",
    "said",
    "has",
    "have",
    "be",
    "will",
    "an",
    "are",
    "were",
    "which",
    "this",
    "after",
    "more",
    "than",
    "their",
    "about",
    "who",
    "they",
    "been",
    "also",
    "would",
    "over",
    "into",
    "two",
    "new",
    "but",
    "its",
    "not",
    "up",
    "out",
    "last",
    "year",
    "first",
    "other",
    "one",
    "when",
    "some",
]
_SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "da",
    "de",
    "di",
    "do",
    "du",
    "fa",
    "fe",
    "fi",
    "fo",
    "ga",
    "ge",
    "go",
    "ka",
    "ke",
    "ki",
    "ko",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
    "na",
    "ne",
    "ni",
    "no",
    "nu",
    "pa",
    "pe",
    "pi",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "ru",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "tu",
    "va",
    "ve",
    "vi",
    "vo",
    "za",
    "ze",
    "zo",
    "an",
    "en",
    "in",
    "on",
    "ar",
    "er",
    "or",
    "al",
    "el",
    "il",
    "ol",
    "ast",
    "est",
    "ist",
    "ost",
    "ant",
    "ent",
    "int",
]


@dataclass(frozen=True, slots=True)
class Dataset:
    """One batch of feeds and articles under a path prefix; `day0` shifts its dates."""

    name: str
    feeds: int
    articles: int
    day0: int = 0


@dataclass(frozen=True, slots=True)
class Scale:
    """The newsroom's shape; every dataset is spread over the same hosts."""

    hosts: int = 100
    seed: int = 6
    syndicated: float = 0.10
    updated: float = 0.05


def host_address(i: int) -> str:
    """Host i's loopback address: Linux routes all of 127/8 to lo, so each is its own host."""
    return f"127.77.{i // 200}.{i % 200 + 10}"


def feed_path(dataset: Dataset, feed: int) -> str:
    return f"/{dataset.name}/feed/{feed}.xml"


def article_path(dataset: Dataset, k: int) -> str:
    return f"/{dataset.name}/news/{k}/{_slug(dataset, k)}.html"


class Generator:
    """Renders feeds and pages of `datasets` over `scale.hosts` hosts; stateless but cached."""

    def __init__(self, scale: Scale, datasets: list[Dataset]) -> None:
        self.scale = scale
        self.datasets = {d.name: d for d in datasets}
        self._words = _vocabulary(scale.seed)

    def host_of_feed(self, dataset: Dataset, feed: int) -> int:
        return feed % self.scale.hosts

    def feed_of(self, dataset: Dataset, k: int) -> int:
        return k % dataset.feeds

    def feed_urls(self, dataset: Dataset, port: int) -> list[str]:
        return [
            f"http://{host_address(self.host_of_feed(dataset, f))}:{port}{feed_path(dataset, f)}"
            for f in range(dataset.feeds)
        ]

    def host_of_article(self, dataset: Dataset, k: int) -> int:
        return self.host_of_feed(dataset, self.feed_of(dataset, k))

    def article_url(self, dataset: Dataset, k: int, port: int) -> str:
        host = host_address(self.host_of_article(dataset, k))
        return f"http://{host}:{port}{article_path(dataset, k)}"

    def listed(self, dataset: Dataset, feed: int) -> list[int]:
        """The articles in a feed: its own, and every 50th of the previous feed's again."""
        own = list(range(feed, dataset.articles, dataset.feeds))
        previous = (feed - 1) % dataset.feeds
        return own + [k for k in range(previous, dataset.articles, dataset.feeds) if k % 50 == 7]

    def is_updated(self, dataset: Dataset, k: int, edition: int) -> bool:
        return edition > 0 and _unit(self.scale.seed, dataset.name, k, "upd") < self.scale.updated

    def piece(self, dataset: Dataset, k: int) -> Piece:
        """Article k as first published, with its expected story and the original it copies."""
        host = self.host_of_article(dataset, k)
        original = self._original_of(dataset, k)
        kind = "article"
        if original is None:
            title, paragraphs = self._text(dataset, k)
        else:
            title, paragraphs = self._text(dataset, original)
            kind = "wire-verbatim"
            if _unit(self.scale.seed, dataset.name, k, "exact") >= 1 / 3:
                paragraphs = self._edited(dataset, k, paragraphs)
                kind = "wire-edited"
        return Piece(
            key=_key(dataset, k),
            outlet=host_address(host),
            path=article_path(dataset, k),
            title=title,
            paragraphs=paragraphs,
            published=_published(dataset, k),
            story=f"{dataset.name}-event-{(original if original is not None else k) // 4}",
            author=f"Staff {host}",
            kind=kind,
            copy_of=None if original is None else _key(dataset, original),
        )

    def revision(self, dataset: Dataset, k: int, edition: int) -> Revision | None:
        """Article k's new text in `edition` (an extra paragraph), or None if it has none."""
        if not self.is_updated(dataset, k, edition):
            return None
        piece = self.piece(dataset, k)
        extra = self._sentences(random.Random(f"{dataset.name}:{k}:update"), 3)
        assert piece.published is not None
        return Revision(
            key=piece.key,
            edition=1,
            paragraphs=(*piece.paragraphs, "Update: " + extra),
            modified=piece.published + timedelta(hours=6),
        )

    def page(self, dataset: Dataset, k: int, port: int, edition: int = 0) -> bytes:
        """The article page as the outlet's CMS serves it (UTF-8 bytes)."""
        piece = self.piece(dataset, k)
        revision = self.revision(dataset, k, edition)
        related = [
            (
                _title(self.scale.seed, dataset.name, j),
                self.article_url(dataset, j, port),
            )
            for j in _related(dataset, k)
        ]
        comments = self._comments(dataset, k)
        host = self.host_of_article(dataset, k)
        return render_page(
            piece, revision.paragraphs if revision else piece.paragraphs, host=host,
            url=self.article_url(dataset, k, port), related=related, comments=comments,
            chrome=_chrome(self.scale.seed, host, port),
        ).encode()  # fmt: skip

    def feed(self, dataset: Dataset, feed: int, port: int, edition: int = 0) -> bytes:
        """RSS 2.0 of the feed's articles, newest first (a second listing for every 50th)."""
        entries = [self._entry(dataset, k, port, edition) for k in self.listed(dataset, feed)]
        entries.sort(key=lambda e: e.published or EPOCH, reverse=True)
        host = self.host_of_feed(dataset, feed)
        address = host_address(host)
        title = f"Outlet {address} feed {feed}"
        spec = FeedSpec(
            path=feed_path(dataset, feed),
            format="rss2",
            title=title,
            description=title,
            items=(),
            tags=(),
            date_style="gmt",
            permalink_guids=True,
        )
        outlet = Outlet(
            slug=f"host{host}",
            name=f"Outlet {address}",
            lang="en",
            domain=f"outlet{host}.example",
            dates="time",
            robots_disallow="/private/",
            feeds=(spec,),
        )
        built = max((e.updated or e.published or EPOCH for e in entries), default=EPOCH)
        return render_feed(
            spec, outlet, origin=f"http://{address}:{port}", entries=entries, built=built
        )

    def _entry(self, dataset: Dataset, k: int, port: int, edition: int) -> FeedEntry:
        piece = self.piece(dataset, k)
        revision = self.revision(dataset, k, edition)
        paragraphs = revision.paragraphs if revision else piece.paragraphs
        return FeedEntry(
            key=piece.key,
            title=piece.title,
            link=self.article_url(dataset, k, port),
            published=piece.published,
            updated=revision.modified if revision else None,
            author=piece.author,
            summary=paragraphs[0][:200],
            paragraphs=paragraphs,
            categories=(),
        )

    # --------------------------------------------------------------------------- internals

    def _original_of(self, dataset: Dataset, k: int) -> int | None:
        """The earlier article this one is a wire copy of, or None."""
        if k < 50 or _unit(self.scale.seed, dataset.name, k, "syn") >= self.scale.syndicated:
            return None
        return k - 37 - int(_unit(self.scale.seed, dataset.name, k, "off") * 10)

    def _text(self, dataset: Dataset, k: int) -> tuple[str, tuple[str, ...]]:
        return _text(self.scale.seed, dataset.name, k)

    def _edited(self, dataset: Dataset, k: int, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
        """A republication: last paragraph dropped, a few words changed, a credit line."""
        rng = random.Random(f"{dataset.name}:{k}:edit")
        kept = list(paragraphs[:-1])
        for _ in range(3):
            i = rng.randrange(len(kept))
            words = kept[i].split()
            words[rng.randrange(len(words))] = "reportedly"
            kept[i] = " ".join(words)
        return (*kept, "Additional reporting by Continental Wire Service.")

    def _comments(self, dataset: Dataset, k: int) -> list[tuple[str, str]]:
        """15-40 comments drawn from a pool: readers repeat themselves, and it keeps pages cheap."""
        rng = random.Random(f"{dataset.name}:{k}:comments")
        return rng.sample(_comment_pool(self.scale.seed), rng.randint(15, 40))

    def _sentences(self, rng: random.Random, n: int) -> str:
        return _sentences(rng, n, self._words)


_NAMES = [
    "Harbour",
    "Watcher",
    "Marlow",
    "Quayside",
    "Tidal",
    "Reader",
    "Oakfield",
    "Citizen",
    "Brennick",
    "Local",
    "Northgate",
    "Commuter",
    "Riverside",
    "Fan",
    "Coastal",
    "Voter",
    "Pennant",
    "Skipper",
    "Lantern",
    "Keeper",
]


def _unit(seed: int, *parts: object) -> float:
    """A deterministic number in [0, 1) for the parts (stable across processes)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _published(dataset: Dataset, k: int) -> datetime:
    step = 86_400 / ARTICLES_PER_DAY
    return EPOCH + timedelta(days=dataset.day0, seconds=round(k * step))


def _related(dataset: Dataset, k: int) -> list[int]:
    picks = ((k * 7 + j * 13) % dataset.articles for j in range(1, 31))
    return [j for j in picks if j != k]


def _key(dataset: Dataset, k: int) -> str:
    return f"{dataset.name}-{k}"


def _slug(dataset: Dataset, k: int) -> str:
    return f"report-{dataset.name}-{k:06d}"


@lru_cache(maxsize=4)
def _vocabulary(seed: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[float, ...]]:
    """(words, capitalised names, cumulative weights): stop words are frequent, as in English."""
    rng = random.Random(seed)
    made: set[str] = set()
    while len(made) < 6000:
        made.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    words = tuple(sorted(made))
    names = tuple(w.capitalize() for w in words[:800])
    vocab = (*_STOP, *words[800:])
    weights = [30.0] * len(_STOP) + [1.0 / (1 + i) ** 0.7 for i in range(len(words) - 800)]
    total = 0.0
    cumulative = []
    for w in weights:
        total += w
        cumulative.append(total)
    return vocab, names, tuple(cumulative)


Vocabulary = tuple[tuple[str, ...], tuple[str, ...], tuple[float, ...]]


def _sentences(rng: random.Random, n: int, words: Vocabulary) -> str:
    vocab, names, cumulative = words
    out = []
    for _ in range(n):
        toks = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(12, 26))
        toks[rng.randrange(1, len(toks))] = rng.choice(names)
        out.append(toks[0].capitalize() + " " + " ".join(toks[1:]) + ".")
    return " ".join(out)


# the caches below are keyed by the seed, not by the vocabulary: hashing its 6,000-word tuples
# on every call cost ~50 µs, a tenth of a page's rendering


@lru_cache(maxsize=4096)
def _text(seed: int, dataset: str, k: int) -> tuple[str, tuple[str, ...]]:
    """Title and paragraphs of an original article; events of four share their names."""
    words = _vocabulary(seed)
    rng = random.Random(f"{seed}:{dataset}:{k}")
    event = random.Random(f"{seed}:{dataset}:event:{k // 4}")
    cast = event.sample(words[1], 4)
    paragraphs = []
    for _ in range(rng.randint(8, 18)):
        text = _sentences(rng, rng.randint(2, 4), words)
        paragraphs.append(f"{rng.choice(cast)} {text[0].lower()}{text[1:]}")
    return _title(seed, dataset, k), tuple(paragraphs)


def _title(seed: int, dataset: str, k: int) -> str:
    words = _vocabulary(seed)
    rng = random.Random(f"{seed}:{dataset}:title:{k}")
    cast = random.Random(f"{seed}:{dataset}:event:{k // 4}").sample(words[1], 1)
    return " ".join(rng.choices(words[0][len(_STOP) :], k=rng.randint(5, 9))).capitalize() + (
        f" {cast[0]}"
    )


@lru_cache(maxsize=4)
def _comment_pool(seed: int) -> list[tuple[str, str]]:
    words = _vocabulary(seed)
    rng = random.Random(f"{seed}:comments")
    return [
        (rng.choice(_NAMES) + str(rng.randrange(100)), _sentences(rng, rng.randint(1, 4), words))
        for _ in range(400)
    ]


@lru_cache(maxsize=512)
def _chrome(seed: int, host: int, port: int) -> dict[str, str]:
    """The host's template parts (menus, scripts, footer), the same on every page."""
    return render_chrome(random.Random(f"{seed}:chrome:{host}"), host_address(host), port)
