"""Times typed on the command line: a span back from now (`7d`, `24h`) or a date/time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from wirehouse.errors import ConfigError

_SPAN = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """`7d`, `24h`, `30m`, `2w` back from now, or an ISO date/time (UTC unless it says)."""
    match = _SPAN.match(text)
    if match:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"cannot read time {text!r}: use e.g. 7d, 24h, 2026-03-01 or 2026-03-01T12:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
