"""Times typed on the command line: an age (`90d`, `24h`) or a span back from now, or a date.

One parser for every command that takes an age (`prune --older-than`, `lake maintain`) or a
time (`search --since`, `export --since`), so they all read `7d` alike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirehouse.errors import ConfigError

_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
# six digits is 2,739 years in days: enough for any age, and int() never sees a huge number
_MAX_DIGITS = 6


def parse_duration(text: str, *, allow_zero: bool = False) -> timedelta:
    """``90d``, ``12h``, ``2w``, ``30m`` -> a timedelta; anything else is a `ConfigError`.

    Strict by construction: ASCII digits then one unit letter, no regex, no spaces inside.
    Zero is refused unless `allow_zero`: `prune --older-than 0d` would empty the fetch log."""
    value = text.strip().lower()
    number, unit = value[:-1], value[-1:]
    if (
        unit not in _UNITS
        or not number
        or len(number) > _MAX_DIGITS
        or not number.isascii()
        or not number.isdigit()
        or (int(number) == 0 and not allow_zero)
    ):
        raise ConfigError(f"bad duration {text!r}: use a number and m, h, d or w, e.g. 90d")
    return int(number) * _UNITS[unit]


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """`7d`, `24h`, `30m`, `2w` back from now, or an ISO date/time (UTC unless it says)."""
    try:
        age = parse_duration(text, allow_zero=True)
    except ConfigError:
        pass
    else:
        try:
            return (now or datetime.now(UTC)) - age
        except OverflowError:  # before the year 1: nothing is that old
            return datetime.min.replace(tzinfo=UTC)
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"cannot read time {text!r}: use e.g. 7d, 24h, 2026-03-01 or 2026-03-01T12:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
