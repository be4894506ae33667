"""Feed documents: RSS 2.0, Atom 1.0 and RSS 1.0 (RDF), plus the deliberately broken one.

Dates come in the styles real publishers use (RFC 822 with an offset, without weekday and
seconds, in GMT; RFC 3339 in Atom; ISO 8601 in dc:date) so that date parsing is exercised.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from devkit.newsroom.outlets import FeedSpec, Outlet


@dataclass(frozen=True)
class FeedEntry:
    """One item as a feed lists it; `link` may carry tracking parameters."""

    key: str
    title: str
    link: str
    published: datetime | None
    updated: datetime | None
    author: str | None
    summary: str
    paragraphs: tuple[str, ...]
    categories: tuple[str, ...]
    guid_suffix: str = ""  # set on a second listing of the same piece


def render_feed(
    spec: FeedSpec,
    outlet: Outlet,
    *,
    origin: str,
    entries: list[FeedEntry],
    built: datetime,
) -> bytes:
    """The feed document for `entries`, in the spec's format (broken if the spec says so)."""
    if spec.format == "atom":
        text = _atom(spec, outlet, origin, entries, built)
    elif spec.format == "rdf":
        text = _rdf(spec, outlet, origin, entries, built)
    else:
        text = _rss2(spec, outlet, origin, entries, built)
    if spec.broken:
        text = _break(text)
    return text.encode("utf-8")


def _x(text: str) -> str:
    return escape(text, quote=True)


def _text(text: str) -> str:
    return escape(text, quote=False)


def _summary_html(entry: FeedEntry) -> str:
    return f"<p>{_text(entry.summary)}</p>"


def _content_html(entry: FeedEntry) -> str:
    return "".join(f"<p>{_text(p)}</p>" for p in entry.paragraphs)


def _rfc822(when: datetime, style: str) -> str:
    if style == "gmt":
        return format_datetime(when.astimezone(UTC), usegmt=True)
    if style == "short":
        return f"{when.day} {when:%b %Y %H:%M} {when:%z}"
    return format_datetime(when)


def _guid(spec: FeedSpec, outlet: Outlet, entry: FeedEntry) -> str:
    if spec.permalink_guids and not entry.guid_suffix:
        return f"<guid>{_x(entry.link)}</guid>"
    number = zlib.crc32(entry.key.encode()) % 1_000_000
    return f'<guid isPermaLink="false">{outlet.slug}-{number}{entry.guid_suffix}</guid>'


def _rss2(
    spec: FeedSpec, outlet: Outlet, origin: str, entries: list[FeedEntry], built: datetime
) -> str:
    items = []
    for entry in entries:
        parts = [
            f"<title>{_x(entry.title)}</title>",
            f"<link>{_x(entry.link)}</link>",
            _guid(spec, outlet, entry),
        ]
        if entry.published is not None:
            parts.append(f"<pubDate>{_rfc822(entry.published, spec.date_style)}</pubDate>")
        if entry.updated is not None:
            parts.append(f"<atom:updated>{_rfc3339(entry.updated)}</atom:updated>")
        if entry.author:
            parts.append(f"<dc:creator>{_x(entry.author)}</dc:creator>")
        parts += [f"<category>{_x(c)}</category>" for c in entry.categories]
        parts.append(f"<description>{_x(_summary_html(entry))}</description>")
        if spec.full_content and entry.paragraphs:
            parts.append(f"<content:encoded><![CDATA[{_content_html(entry)}]]></content:encoded>")
        items.append("<item>\n" + "\n".join(parts) + "\n</item>")
    ttl = f"<ttl>{spec.interval_minutes}</ttl>\n" if spec.interval_minutes else ""
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{_x(spec.title)}</title>
<link>{origin}/</link>
<description>{_x(spec.description)}</description>
<language>{outlet.lang.lower()}</language>
<lastBuildDate>{_rfc822(built, spec.date_style)}</lastBuildDate>
<generator>Newsdesk CMS 4.2</generator>
{ttl}<atom:link href="{origin}{spec.path}" rel="self" type="application/rss+xml"/>
{body}
</channel>
</rss>
"""


def _rfc3339(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def _atom(
    spec: FeedSpec, outlet: Outlet, origin: str, entries: list[FeedEntry], built: datetime
) -> str:
    items = []
    for entry in entries:
        parts = [
            f"<title>{_x(entry.title)}</title>",
            f'<link rel="alternate" type="text/html" href="{_x(entry.link)}"/>',
            f"<id>tag:{outlet.domain},2026:{entry.key}</id>",
        ]
        if entry.published is not None:
            parts.append(f"<published>{_rfc3339(entry.published)}</published>")
        updated = entry.updated or entry.published or built
        parts.append(f"<updated>{_rfc3339(updated)}</updated>")
        if entry.author:
            parts.append(f"<author><name>{_x(entry.author)}</name></author>")
        parts += [f'<category term="{_x(c)}"/>' for c in entry.categories]
        parts.append(f'<summary type="html">{_x(_summary_html(entry))}</summary>')
        if spec.full_content and entry.paragraphs:
            parts.append(f'<content type="html">{_x(_content_html(entry))}</content>')
        items.append("<entry>\n" + "\n".join(parts) + "\n</entry>")
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.lang}">
<title>{_x(spec.title)}</title>
<subtitle>{_x(spec.description)}</subtitle>
<id>tag:{outlet.domain},2026:feed{spec.path}</id>
<link rel="self" type="application/atom+xml" href="{origin}{spec.path}"/>
<link rel="alternate" type="text/html" href="{origin}/"/>
<updated>{_rfc3339(built)}</updated>
<rights>© {_x(outlet.name)}</rights>
{body}
</feed>
"""


def _rdf(
    spec: FeedSpec, outlet: Outlet, origin: str, entries: list[FeedEntry], built: datetime
) -> str:
    seq = "\n".join(f'<rdf:li rdf:resource="{_x(e.link)}"/>' for e in entries)
    items = []
    for entry in entries:
        parts = [
            f"<title>{_x(entry.title)}</title>",
            f"<link>{_x(entry.link)}</link>",
            f"<description>{_x(_summary_html(entry))}</description>",
        ]
        if entry.author:
            parts.append(f"<dc:creator>{_x(entry.author)}</dc:creator>")
        if entry.published is not None:
            parts.append(f"<dc:date>{_rfc3339(entry.published)}</dc:date>")
        if entry.updated is not None:
            parts.append(f"<dcterms:modified>{_rfc3339(entry.updated)}</dcterms:modified>")
        parts += [f"<dc:subject>{_x(c)}</dc:subject>" for c in entry.categories]
        items.append(f'<item rdf:about="{_x(entry.link)}">\n' + "\n".join(parts) + "\n</item>")
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="{origin}{spec.path}">
<title>{_x(spec.title)}</title>
<link>{origin}/</link>
<description>{_x(spec.description)}</description>
<dc:language>{outlet.lang.lower()}</dc:language>
<dc:date>{_rfc3339(built)}</dc:date>
<sy:updatePeriod>hourly</sy:updatePeriod>
<sy:updateFrequency>1</sy:updateFrequency>
<items><rdf:Seq>
{seq}
</rdf:Seq></items>
</channel>
{body}
</rdf:RDF>
"""


def _break(text: str) -> str:
    """Malform a feed the way buggy CMSs do: a raw ampersand, then a cut-off last item.

    feedparser flags the result (bozo) but its loose parser still reads the complete items.
    """
    text = text.replace("&amp;", "&", 1)
    last = text.rfind("<item>")
    if last == -1:
        return text[: len(text) // 2]
    cut = text.find("</title>", last)
    return text[: cut + len("</title>")] + "\n<li"
