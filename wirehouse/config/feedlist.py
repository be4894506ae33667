"""The feeds the operator asked for, from whatever file they have at hand.

Three formats, told apart by content rather than extension (an OPML export is often saved as
`.xml` or `.txt`, a URL list as anything):

- the project's TOML (`[[feeds]]` tables, see config/feeds.toml);
- OPML, as exported by feed readers: every `<outline xmlUrl=...>` is a feed and the titles of
  the outlines around it become its tags;
- a plain list of URLs, one a line, `#` comments and blank lines ignored.

Only the TOML format carries per-feed settings (`timezone`, `language`, `prefer_feed_text`,
`user_agent`, `per_host_delay_s`, `per_host_connections`); OPML and URL-list feeds take the
defaults.

Every mistake is a `ConfigError` with one line naming the file (and line where known) and the
problem, because a typo in a feed list should be fixed, not retried or half-loaded. Disabled
feeds are returned with `enabled=False`; the caller filters. `add_feeds` appends to a TOML or
URL-list file as text (`wirehouse feeds add`), keeping what the user wrote.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

from wirehouse.config.settings import MAX_USER_AGENT, Settings, fill_contact, sendable_header
from wirehouse.errors import ConfigError
from wirehouse.escape import strip_controls
from wirehouse.languages import tag_language
from wirehouse.records import FeedSource, SourceRules
from wirehouse.urls import check_url, normalise_url

logger = logging.getLogger(__name__)


class FeedListFormat(StrEnum):
    TOML = "toml"
    OPML = "opml"
    URLS = "url list"


FEED_KEYS = (
    "url",
    "name",
    "enabled",
    "tags",
    "interval_minutes",
    "respect_robots",
    "timezone",
    "language",
    "prefer_feed_text",
    "user_agent",
    "per_host_delay_s",
    "per_host_connections",
)
# one feed-list entry tightens a host for every feed on it: its gap is capped like a robots.txt
# Crawl-delay (fetch/hosts.py MAX_CRAWL_DELAY_S), its connections at what a polite crawler opens
MAX_PER_HOST_DELAY_S = 10.0
MAX_PER_HOST_CONNECTIONS = 16
_TOML_START = re.compile(r"^\s*(?:\[|[A-Za-z0-9_\"'.-]+\s*=)")
_FEEDS_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*feeds[ \t]*\]\]", re.MULTILINE)
_XML_BOMS = (b"\xff\xfe", b"\xfe\xff")


def load_feed_list(path: Path, *, contact_url: str | None = None) -> list[FeedSource]:
    """Read a feed list in any of the three formats; raises ConfigError on any mistake.

    `contact_url` (the settings') is filled into each `user_agent` to check the header it
    makes; without it the template alone is checked."""
    sources = _parse(_read(path), path, contact_url)
    logger.debug("loaded %d feeds from %s", len(sources), path)
    return sources


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read feed list: {exc.strerror or exc}") from exc


def _format(body: bytes, path: Path) -> FeedListFormat:
    """Which of the three formats `body` is in (by content; see the module docstring)."""
    body = body.removeprefix(b"\xef\xbb\xbf")
    if body.lstrip().startswith(b"<") or body.startswith(_XML_BOMS):
        return FeedListFormat.OPML
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    return FeedListFormat.TOML if _looks_like_toml(text) else FeedListFormat.URLS


def _parse(raw: bytes, path: Path, contact_url: str | None = None) -> list[FeedSource]:
    body = raw.removeprefix(b"\xef\xbb\xbf")
    kind = _format(body, path)
    if kind is FeedListFormat.OPML:
        sources = _from_opml(body, path)
    elif kind is FeedListFormat.TOML:
        sources = _from_toml(body.decode("utf-8"), path, contact_url)
    else:
        sources = _from_url_lines(body.decode("utf-8"), path)
    if not sources:
        raise ConfigError(f"{path}: no feeds in the feed list")
    return sources


def sources_from_urls(urls: Iterable[str], what: str = "feed URL") -> list[FeedSource]:
    """Feed sources for URLs given directly (e.g. on the command line); repeats are dropped.

    A URL that is not absolute http(s) is a ConfigError naming it (and `what` it was given as).
    """
    sources: list[FeedSource] = []
    seen: set[str] = set()
    for value in urls:
        url, key = _check_url(value, what)
        if key not in seen:
            seen.add(key)
            sources.append(FeedSource(url=url))
    return sources


def _check_url(value: object, where: str) -> tuple[str, str]:
    """(url as written but stripped, normalised key); the message of the error names `where`."""
    try:
        return check_url(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _looks_like_toml(text: str) -> bool:
    """TOML if the first meaningful line is a table header or `key = value`; URLs are neither."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return bool(_TOML_START.match(stripped))
    return False


# --- TOML -------------------------------------------------------------------------------------


def _from_toml(text: str, path: Path, contact_url: str | None) -> list[FeedSource]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: bad TOML: {exc}") from exc
    unknown = sorted(set(document) - {"feeds"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key {unknown[0]!r} (expected [[feeds]] tables)"
        )
    feeds = document.get("feeds")
    if feeds is None:
        raise ConfigError(f"{path}: no [[feeds]] tables")
    if not isinstance(feeds, list) or not all(isinstance(f, dict) for f in feeds):
        raise ConfigError(f"{path}: 'feeds' must be an array of tables ([[feeds]])")
    header_lines = [text.count("\n", 0, m.start()) + 1 for m in _FEEDS_HEADER.finditer(text)]
    located = len(header_lines) == len(feeds)
    sources: list[FeedSource] = []
    first_seen: dict[str, str] = {}
    for index, table in enumerate(feeds):
        where = f"{path}:{header_lines[index]}" if located else f"{path}"
        where += f": feed #{index + 1}"
        source = _source_from_table(table, where, contact_url)
        key = normalise_url(source.url)
        if key in first_seen:
            raise ConfigError(
                f"{where}: duplicate feed URL {source.url} (same as {first_seen[key]})"
            )
        first_seen[key] = f"feed #{index + 1}"
        sources.append(source)
    return sources


def _source_from_table(table: dict[str, Any], where: str, contact_url: str | None) -> FeedSource:
    unknown = [key for key in table if key not in FEED_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(FEED_KEYS)})")
    if "url" not in table:
        raise ConfigError(f"{where}: missing url")
    url, _ = _check_url(table["url"], where)
    where = f"{where} ({url})"
    name = table.get("name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{where}: name must be a string")
    enabled = _bool(table, "enabled", True, where)
    respect_robots = _bool(table, "respect_robots", True, where)
    interval = table.get("interval_minutes")
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0
    ):
        raise ConfigError(
            f"{where}: interval_minutes must be a positive whole number, not {interval!r}"
        )
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ConfigError(f"{where}: tags must be a list of strings")
    return FeedSource(
        url=url,
        name=(name.strip() or None) if name is not None else None,
        enabled=enabled,
        tags=_tidy_tags(tags),
        interval_minutes=interval,
        respect_robots=respect_robots,
        rules=SourceRules(
            timezone=_timezone(table.get("timezone"), where),
            language=_language(table.get("language"), where),
            prefer_feed_text=_bool(table, "prefer_feed_text", False, where),
        ),
        user_agent=_user_agent(table.get("user_agent"), where, contact_url),
        per_host_delay_s=_delay(table.get("per_host_delay_s"), where),
        per_host_connections=_connections(table.get("per_host_connections"), where),
    )


def _timezone(value: object, where: str) -> str | None:
    """An IANA zone name zoneinfo knows ("Europe/Berlin"), for the feed's dates without offset."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: timezone must be an IANA zone name such as 'Europe/Berlin'")
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # ValueError: "../x", absolute paths
        raise ConfigError(
            f"{where}: unknown timezone {name[:100]!r} (an IANA name such as 'Europe/Berlin')"
        ) from None
    return name


def _language(value: object, where: str) -> str | None:
    """The language of a BCP 47 tag ("pt-BR" -> "pt", "ger" -> "de"), as extraction stores
    languages (`languages.tag_language`)."""
    if value is None:
        return None
    try:
        return tag_language(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _user_agent(value: object, where: str, contact_url: str | None) -> str | None:
    """A User-Agent header template: `{contact}` is replaced by `http.contact_url` (plain text
    replacement, nothing else is interpreted); the header it makes is printable ASCII on one
    line, at most `MAX_USER_AGENT` characters (`sendable_header`)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: user_agent must be a non-empty string")
    agent = value.strip()
    if "{" in agent.replace("{contact}", "") or "}" in agent.replace("{contact}", ""):
        raise ConfigError(
            f"{where}: user_agent may hold no braces but the placeholder {{contact}}: "
            f"{agent[:100]!r}"
        )
    header = agent if contact_url is None else fill_contact(agent, contact_url)
    if not sendable_header(header):
        raise ConfigError(
            f"{where}: user_agent must make a header of at most {MAX_USER_AGENT} printable "
            f"ASCII characters ({{contact}} filled in), not {len(header)} characters"
        )
    return agent


def _delay(value: object, where: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_PER_HOST_DELAY_S
    ):
        raise ConfigError(
            f"{where}: per_host_delay_s must be a number of seconds from 0 to "
            f"{MAX_PER_HOST_DELAY_S:g}, not {value!r}"
        )
    return float(value)


def _connections(value: object, where: str) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_PER_HOST_CONNECTIONS
    ):
        raise ConfigError(
            f"{where}: per_host_connections must be a whole number from 1 to "
            f"{MAX_PER_HOST_CONNECTIONS}, not {value!r}"
        )
    return value


def _bool(table: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    return value


def _tidy_tags(tags: Iterable[str]) -> tuple[str, ...]:
    tidy: list[str] = []
    for tag in tags:
        text = " ".join(tag.split())
        if text and text not in tidy:
            tidy.append(text)
    return tuple(tidy)


# --- OPML -------------------------------------------------------------------------------------


def _from_opml(body: bytes, path: Path) -> list[FeedSource]:
    """Feeds of an OPML export. lxml is set up so the file cannot expand or fetch anything:
    no entity substitution, no DTD loading, no network; libxml2 also caps entity amplification
    in attributes. A document that declares entities is refused outright."""
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        detail = re.sub(r" ?\(<string>, line \d+\)$", "", " ".join(str(exc).split()))
        raise ConfigError(f"{path}: not valid XML: {detail}") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ConfigError(f"{path}: OPML declares XML entities; refusing to expand them")
    if local_name(root.tag) != "opml":
        raise ConfigError(f"{path}: XML but not OPML (root element <{local_name(root.tag)}>)")
    body_element = next((child for child in root if local_name(child.tag) == "body"), None)
    if body_element is None:
        raise ConfigError(f"{path}: OPML has no <body>")
    sources: list[FeedSource] = []
    first_seen: dict[str, int] = {}
    for outline, parents in _outlines(body_element):
        xml_url = _attribute(outline, "xmlurl")
        where = f"{path}:{outline.sourceline}"
        if xml_url is None:
            continue  # a folder, or a plain link outline
        url, key = _check_url(xml_url, where)
        if key in first_seen:
            raise ConfigError(
                f"{where}: duplicate feed URL {url} (first on line {first_seen[key]})"
            )
        first_seen[key] = outline.sourceline or 0
        name = _attribute(outline, "title") or _attribute(outline, "text")
        sources.append(FeedSource(url=url, name=name, tags=_tidy_tags(parents)))
    return sources


def _outlines(body: etree._Element) -> Iterator[tuple[etree._Element, list[str]]]:
    """Every <outline> under body with the titles of its ancestor outlines (iteratively)."""
    stack: list[tuple[etree._Element, list[str]]] = [
        (child, []) for child in reversed(body) if local_name(child.tag) == "outline"
    ]
    while stack:
        outline, parents = stack.pop()
        yield outline, parents
        title = _attribute(outline, "title") or _attribute(outline, "text")
        inner = [*parents, title] if title and _attribute(outline, "xmlurl") is None else parents
        stack.extend(
            (child, inner) for child in reversed(outline) if local_name(child.tag) == "outline"
        )


def _attribute(element: etree._Element, name: str) -> str | None:
    """An attribute by case-insensitive name (exports write xmlUrl, xmlurl or XMLURL)."""
    for key, value in element.attrib.items():
        if local_name(str(key)).lower() == name:
            text = " ".join(str(value).split())
            return text or None
    return None


def local_name(tag: object) -> str:
    """An XML element's or attribute's name without its namespace (publishers get the
    namespaces wrong); "" for a comment or processing instruction."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- plain URL list ---------------------------------------------------------------------------


def _from_url_lines(text: str, path: Path) -> list[FeedSource]:
    sources: list[FeedSource] = []
    first_seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        value = re.split(r"\s#", line, maxsplit=1)[0].strip()  # "url  # comment"
        if not value or value.startswith("#"):
            continue
        where = f"{path}:{number}"
        url, key = _check_url(value, where)
        if key in first_seen:
            raise ConfigError(
                f"{where}: duplicate feed URL {url} (first on line {first_seen[key]})"
            )
        first_seen[key] = number
        sources.append(FeedSource(url=url))
    return sources


def resolve_sources(
    settings: Settings, *, feeds: Sequence[str] | None, feeds_file: str | None
) -> list[FeedSource]:
    """The feeds of a run: URLs given on the command line win over a feed-list file."""
    if feeds:
        return sources_from_urls(feeds)
    path = Path(feeds_file) if feeds_file else settings.feeds_file
    return load_feed_list(path, contact_url=settings.http.contact_url)


# --- adding feeds -----------------------------------------------------------------------------


def add_feeds(
    path: Path,
    sources: Sequence[FeedSource],
    *,
    also_at: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[FeedSource], list[str]]:
    """Append the feeds not yet in the list at `path`: (added, the list's URLs already there).

    `also_at` gives, by a source's url, other addresses of the same feed (where a redirect
    began or ended): a list holding any of them holds the feed.

    The file is appended to as text, so the user's comments and layout stay as they were: a
    `[[feeds]]` table each in a TOML list, a line each in a URL list. An OPML export is refused
    (a feed reader owns that file). A missing or feedless file is begun in TOML if its name
    ends in .toml, else as a URL list. The result is read back before it is written, so a
    list that would not load is never left behind.
    """
    raw = _read(path) if path.exists() else b""
    existing: list[FeedSource] = []
    has_feeds = _has_content(raw)
    if has_feeds:
        kind = _format(raw, path)
        if kind is FeedListFormat.OPML:
            raise ConfigError(
                f"{path}: an OPML file; add the feeds in the feed reader that exports it, or "
                "point feeds_file (or --feeds) at a TOML or URL-list file"
            )
        existing = _parse(raw, path)
    else:
        kind = FeedListFormat.TOML if path.suffix.lower() == ".toml" else FeedListFormat.URLS
    listed = {normalise_url(s.url): s.url for s in existing}
    added: list[FeedSource] = []
    present: list[str] = []
    for source in sources:
        url, key = _check_url(source.url, "feed URL")
        others = (_check_url(a, "feed URL")[1] for a in (also_at or {}).get(source.url, ()))
        keys = [key, *others]
        known = next((listed[k] for k in keys if k in listed), None)
        if known is not None:
            present.append(known)
            continue
        listed.update(dict.fromkeys(keys, url))
        added.append(source)
    if not added:
        return added, present
    if kind is FeedListFormat.TOML:
        text = "\n".join(_toml_table(s) for s in added)  # tables apart, as in config/feeds.toml
    else:
        text = "".join(f"{s.url}\n" for s in added)
    body = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    separator = "\n" if body and not body.endswith("\n") else ""
    if kind is FeedListFormat.TOML and body.strip():
        separator += "\n"  # a blank line before each new table, as in config/feeds.toml
    addition = (separator + text).encode("utf-8")
    _parse(raw + addition, path)  # raises, with the file untouched, if the result would not load
    try:
        with path.open("ab") as file:
            file.write(addition)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write feed list: {exc.strerror or exc}") from exc
    return added, present


def _has_content(raw: bytes) -> bool:
    """True unless the file is empty or holds only blank lines and # comments."""
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return True  # let the reader name the problem
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def _toml_table(source: FeedSource) -> str:
    """One `[[feeds]]` table; strings as JSON strings, which TOML reads the same way once
    control characters (which TOML wants escaped differently) are gone."""
    lines = ["[[feeds]]", f"url = {json.dumps(source.url, ensure_ascii=False)}"]
    if source.name:
        name = " ".join(strip_controls(source.name).split())
        if name:
            lines.append(f"name = {json.dumps(name, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
