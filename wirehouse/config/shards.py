"""Split one feed list between n ingest workers: `--shard I/N`, numbered 1 to N.

A feed belongs to a shard by a stable hash of its origin (`host:port`, as `url_origin` gives
it), not of its full URL: the fetcher's per-host limits, delay, robots.txt and back-off are
kept per origin within one process, so the feeds of one outlet must stay in one shard, or two
workers would hit its pages at once at twice the agreed rate. The price is balance: an outlet
with many feeds weighs its whole share on one shard.

The hash is BLAKE2b (Python's `hash()` of a string changes from one process to the next), so
every machine given the same feed list and N agrees. Changing N moves most feeds to another
shard; each shard's warehouse then meets feeds it has no state for and fetches them in full.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from wirehouse.errors import ConfigError
from wirehouse.records import FeedSource
from wirehouse.urls import url_origin


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`, 1-based as people count them: 1/3, 2/3, 3/3."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """`"2/3"` -> Shard(2, 3); anything else is a one-line ConfigError."""
    index, slash, count = (part.strip() for part in text.partition("/"))
    if slash and _is_number(index) and _is_number(count) and 1 <= int(index) <= int(count):
        return Shard(int(index), int(count))
    raise ConfigError(f"bad shard {text!r}: expected I/N with 1 <= I <= N, e.g. 1/3")


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdecimal()


def shard_of(url: str, count: int) -> int:
    """The shard (1 to `count`) of a feed URL: by the hash of its origin."""
    digest = hashlib.blake2b(url_origin(url).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


def select_shard(sources: Sequence[FeedSource], shard: Shard) -> list[FeedSource]:
    """The feeds of `shard`, in their order; a shard left with none is a ConfigError."""
    chosen = [s for s in sources if shard_of(s.url, shard.count) == shard.index]
    if not chosen:
        origins = len({url_origin(s.url) for s in sources})
        raise ConfigError(
            f"shard {shard} holds none of the {len(sources)} feeds (they are split by host, "
            f"and there are {origins} hosts): use fewer shards"
        )
    return chosen
