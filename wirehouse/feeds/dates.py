"""Feed dates to timezone-aware UTC datetimes.

feedparser already converts most dates to UTC `struct_time`s, but it reads a zone abbreviation
it does not know (CEST, BST, JST, AEST, ... all common in news feeds) as UTC, silently shifting
the time by hours, and it gives up on an RFC 822 date without a zone. So the raw string is
parsed here first (RFC 822 with a wider zone table, then ISO 8601) and feedparser's value is the
fallback for the exotic formats it knows.

A date without any zone is read in the feed's `timezone` (the feed list's, with that zone's
daylight-saving rules; a wall time that happens twice is its first occurrence) or else as UTC.
A date without a time of day (``2026-10-25``, or a zoneless ``T00:00:00``, which CMSs write for
one) is the day it names, midnight UTC, as a page's day-only date is
(`wirehouse.extractors.dates`): read as local midnight in a zone east of UTC it would move to the
previous day.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

logger = logging.getLogger(__name__)

# zone abbreviations seen in news feeds, as minutes east of UTC. Ambiguous ones (IST: India,
# Ireland or Israel) are left out on purpose; CST is the US one, as in RFC 822.
ZONE_OFFSETS: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "BST": 60, "CET": 60, "MET": 60, "WAT": 60, "WEST": 60,
    "CEST": 120, "MEST": 120, "EET": 120, "SAST": 120, "CAT": 120,
    "EEST": 180, "MSK": 180, "EAT": 180,
    "PKT": 300, "WIB": 420, "HKT": 480, "SGT": 480, "PHT": 480, "AWST": 480,
    "JST": 540, "KST": 540, "ACST": 570, "AEST": 600, "ACDT": 630, "AEDT": 660,
    "NZST": 720, "NZDT": 780,
    "NDT": -150, "NST": -210, "ADT": -180, "AST": -240,
    "EDT": -240, "EST": -300, "CDT": -300, "CST": -360,
    "MDT": -360, "MST": -420, "PDT": -420, "PST": -480,
    "AKDT": -480, "AKST": -540, "HST": -600,
}  # fmt: skip
_TRAILING_ZONE = re.compile(r"^(?P<head>.*\d)\s*\(?(?P<zone>[A-Za-z]{1,5})\)?$")
_ISO_HINT = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ISO_Z = re.compile(r"[zZ]$")
# fractional seconds longer than Python's microseconds ("...:00.123456789Z")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_feed_date(
    raw: str | None, parsed: time.struct_time | None = None, *, zone: tzinfo = UTC
) -> datetime | None:
    """A feed's date string (with feedparser's reading as fallback) as aware UTC, or None.

    `zone` is the zone of a date written without one."""
    if raw:
        text = " ".join(raw.split())
        result = _parse_iso(text, zone) if _ISO_HINT.match(text) else _parse_rfc822(text, zone)
        if result is not None:
            return result
    if parsed is not None:
        try:
            return datetime(*parsed[:6], tzinfo=UTC)
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _parse_iso(text: str, zone: tzinfo) -> datetime | None:
    candidate = _LONG_FRACTION.sub(r"\1", _ISO_Z.sub("+00:00", text))
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return _to_utc(value, zone)


def _parse_rfc822(text: str, zone: tzinfo) -> datetime | None:
    offset_minutes: int | None = None
    match = _TRAILING_ZONE.match(text)
    if match and match["zone"].upper() in ZONE_OFFSETS:
        offset_minutes = ZONE_OFFSETS[match["zone"].upper()]
        text = match["head"]
    elif text.rstrip().endswith("-0000"):
        # RFC 5322 3.3: "-0000" is Universal Time (only the sender's own zone is unknown);
        # email.utils returns it naive, which would read it in the feed's zone
        offset_minutes = 0
    try:
        value = parsedate_to_datetime(text)  # naive when the date names no zone
    except (ValueError, IndexError, TypeError, OverflowError):  # email.utils on odd input
        return None
    if offset_minutes is not None:
        value = value.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    return _to_utc(value, zone)


def _to_utc(value: datetime, zone: tzinfo) -> datetime | None:
    try:
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.replace(tzinfo=UTC)  # a day, not a time: the day it names
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)  # a feed date without a zone: the feed's zone
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
