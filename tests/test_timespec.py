"""One grammar for ages and times on the command line: `prune`, `lake maintain`, `--since`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wirehouse.errors import ConfigError
from wirehouse.timespec import parse_duration, parse_since

NOW = datetime(2026, 3, 18, 12, tzinfo=UTC)


@pytest.mark.parametrize("text", ["90d", "12h", "2w", "30m", " 7D ", "0m", "99999d"])
def test_a_span_back_from_now_is_the_same_age_prune_and_maintain_read(text):
    assert parse_since(text, now=NOW) == NOW - parse_duration(text, allow_zero=True)


def test_a_span_longer_than_the_calendar_means_since_the_beginning():
    assert parse_since("999999d", now=NOW) == datetime.min.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T12:30", datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
        ("2026-03-01T12:30+02:00", datetime(2026, 3, 1, 10, 30, tzinfo=UTC)),
    ],
)
def test_a_date_is_a_time_utc_unless_it_says(text, expected):
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "7 d", "7days", "٧d", "1.5h", "-1d", "9" * 7 + "d", "1" * 100_000 + "d"]
)
def test_anything_else_is_a_one_line_config_error(text):
    with pytest.raises(ConfigError, match="cannot read time"):
        parse_since(text, now=NOW)
    with pytest.raises(ConfigError, match="bad duration"):
        parse_duration(text, allow_zero=True)


def test_zero_is_an_age_only_where_asked_for():
    assert parse_duration("0d", allow_zero=True) == timedelta(0)
    with pytest.raises(ConfigError):
        parse_duration("0d")
