"""Cutting the run's new entries into batches that spread over hosts.

Per-host politeness allows only a few requests in flight per host, so a batch made of one
outlet's fifty entries would crawl while the other hosts sit idle. Round-robin over hosts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import chain, zip_longest
from urllib.parse import urlsplit

from wirehouse.records import Entry


def interleave_by_host(entries: Sequence[Entry]) -> list[Entry]:
    """Reorder entries so that consecutive ones come from different hosts where possible."""
    by_host: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_host[urlsplit(entry.url).netloc].append(entry)
    rounds = zip_longest(*by_host.values())
    return [e for e in chain.from_iterable(rounds) if e is not None]


def batches(entries: Sequence[Entry], size: int) -> Iterator[list[Entry]]:
    """Consecutive batches of at most `size` entries, hosts interleaved."""
    ordered = interleave_by_host(entries)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
