"""Which feeds are due this run: their own interval, and back-off after failures in a row.

A 15-minute schedule must not refetch a daily feed 96 times a day, nor hammer a feed that has
been failing for a week. Pure: takes state and a clock, returns a decision per feed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wirehouse.records import FeedSource, FeedState

# a run that starts a little early must not skip a feed that is due "now"
_SLACK = timedelta(seconds=30)
# back-off after N failures in a row: 15 min, 30 min, 1 h, ... capped at one day
BACKOFF_BASE = timedelta(minutes=15)
BACKOFF_CAP = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Due:
    source: FeedSource
    due: bool
    reason: str  # "new", "due", "interval", "backoff"


def backoff_delay(failures: int) -> timedelta:
    """How long to leave a feed alone after `failures` failures in a row."""
    if failures <= 0:
        return timedelta(0)
    return min(BACKOFF_BASE * (2 ** min(failures - 1, 20)), BACKOFF_CAP)


def due_feeds(
    sources: Sequence[FeedSource],
    states: Mapping[str, FeedState],
    *,
    now: datetime,
) -> list[Due]:
    """Decide for each enabled feed whether this run fetches it.

    A feed's interval is its configured `interval_minutes`, else the `<ttl>` it announced
    (capped at a day), else every run.
    """
    decisions = []
    for source in sources:
        if not source.enabled:
            continue
        state = states.get(source.url)
        if state is None or state.last_fetch_at is None:
            decisions.append(Due(source, True, "new"))
            continue
        since = now - state.last_fetch_at + _SLACK
        if state.consecutive_failures and since < backoff_delay(state.consecutive_failures):
            decisions.append(Due(source, False, "backoff"))
            continue
        minutes = source.interval_minutes or min(state.ttl_minutes or 0, 1440)
        if not state.consecutive_failures and minutes and since < timedelta(minutes=minutes):
            decisions.append(Due(source, False, "interval"))
            continue
        decisions.append(Due(source, True, "due"))
    return decisions
