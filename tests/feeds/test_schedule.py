from datetime import timedelta

from tests.factories import NOW
from wirehouse.feeds.schedule import backoff_delay, due_feeds
from wirehouse.records import FeedSource, FeedState

URL = "http://a.test/feed.xml"


def decide(source, state):
    [d] = due_feeds([source], {URL: state} if state else {}, now=NOW)
    return d.due, d.reason


def state(minutes_ago, failures=0, ttl=None):
    return FeedState(
        URL,
        last_fetch_at=NOW - timedelta(minutes=minutes_ago),
        consecutive_failures=failures,
        ttl_minutes=ttl,
    )


def test_a_feed_never_fetched_is_due():
    assert decide(FeedSource(URL, interval_minutes=60), None) == (True, "new")


def test_a_feed_is_left_alone_until_its_interval_has_passed():
    assert decide(FeedSource(URL, interval_minutes=60), state(20)) == (False, "interval")
    assert decide(FeedSource(URL, interval_minutes=60), state(61)) == (True, "due")


def test_the_ttl_a_feed_announced_is_honoured_when_no_interval_is_configured():
    assert decide(FeedSource(URL), state(30, ttl=1440)) == (False, "interval")
    assert decide(FeedSource(URL), state(30)) == (True, "due")


def test_a_failing_feed_backs_off_exponentially_up_to_a_cap():
    assert [backoff_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(minutes=60),
    ]
    assert backoff_delay(50) == timedelta(days=1)
    assert decide(FeedSource(URL), state(20, failures=2)) == (False, "backoff")
    assert decide(FeedSource(URL), state(31, failures=2)) == (True, "due")


def test_disabled_feeds_are_not_scheduled():
    assert due_feeds([FeedSource(URL, enabled=False)], {}, now=NOW) == []
