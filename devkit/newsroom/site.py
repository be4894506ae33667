"""One edition of the newsroom: every resource each outlet serves, and the matching truth.

An edition is rebuilt from the content data, so building edition N twice gives identical bytes.
Last-Modified is the time the resource's content last changed, so it only moves forward.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from devkit.newsroom.curated import BY_KEY, PIECES, REVISIONS
from devkit.newsroom.documents import annual_report_pdf, robots_txt
from devkit.newsroom.feeds import FeedEntry, render_feed
from devkit.newsroom.http import Resource
from devkit.newsroom.model import Piece, Revision, TruthArticle
from devkit.newsroom.outlets import OUTLETS, TRACKING_QUERY, FeedSpec, Outlet
from devkit.newsroom.pages import PageContext, render_page

LAST_EDITION = max(
    [piece.edition for piece in PIECES] + [revision.edition for revision in REVISIONS]
)
# when robots.txt and front pages without dated content were last touched
_SITE_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

SLOW_PAGE = "courier-gallery"
MISSING_PAGE = "post-gone"
PDF_DOCUMENT = "ledger-report"
TRACKED_PIECE = "ledger-wind"
BROKEN_FEED = ("post", "/sport/feed.rss")

_CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
}
_HTML = "text/html; charset=utf-8"


def _resource(
    body: bytes, content_type: str, last_modified: datetime, *, slow: bool = False
) -> Resource:
    """A rendered body with a strong ETag of its bytes, so a changed body gets a new one."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Resource(etag, content_type, lambda: body, last_modified, slow=slow)


@dataclass(frozen=True)
class Site:
    edition: int
    resources: Mapping[str, Mapping[str, Resource]]  # outlet slug -> path -> resource
    truth: tuple[TruthArticle, ...]


def build_site(edition: int, origins: Mapping[str, str]) -> Site:
    """Every outlet's resources at `edition`, with URLs on the given origins."""
    if not 0 <= edition <= LAST_EDITION:
        raise ValueError(f"edition {edition} does not exist (0..{LAST_EDITION})")
    resources = {
        outlet.slug: _outlet_resources(outlet, origins[outlet.slug], edition) for outlet in OUTLETS
    }
    truth = tuple(_truth(piece, origins, edition) for piece in PIECES if _visible(piece, edition))
    return Site(edition=edition, resources=resources, truth=truth)


def fault_urls(origins: Mapping[str, str]) -> dict[str, str]:
    """Where each deliberate fault lives, for tests and the demo's own checks."""

    def url(key: str) -> str:
        return origins[BY_KEY[key].outlet] + BY_KEY[key].path

    return {
        "broken_feed": origins[BROKEN_FEED[0]] + BROKEN_FEED[1],
        "missing_page": url(MISSING_PAGE),
        "slow_page": url(SLOW_PAGE),
        "pdf": url(PDF_DOCUMENT),
        "tracking_link": f"{url(TRACKED_PIECE)}?{TRACKING_QUERY}",
    }


def _visible(piece: Piece, edition: int) -> bool:
    return piece.is_article and piece.edition <= edition


def _revision(key: str, edition: int) -> Revision | None:
    found = [r for r in REVISIONS if r.key == key and r.edition <= edition]
    return max(found, key=lambda r: r.edition) if found else None


def _truth(piece: Piece, origins: Mapping[str, str], edition: int) -> TruthArticle:
    revision = _revision(piece.key, edition)
    original = BY_KEY[piece.copy_of] if piece.copy_of else None
    return TruthArticle(
        url=origins[piece.outlet] + piece.path,
        outlet=_outlet(piece.outlet).name,
        title=piece.title,
        paragraphs=revision.paragraphs if revision else piece.paragraphs,
        published_at=piece.published.astimezone(UTC) if piece.published else None,
        story=piece.story,
        copy_of=origins[original.outlet] + original.path if original else None,
        kind="updated" if revision else piece.kind,
    )


def _outlet(slug: str) -> Outlet:
    return next(outlet for outlet in OUTLETS if outlet.slug == slug)


def _outlet_resources(outlet: Outlet, origin: str, edition: int) -> dict[str, Resource]:
    pieces = [p for p in PIECES if p.outlet == outlet.slug]
    # most-read lists use the first edition only, so that advancing changes no other page
    most_read = tuple((p.title, origin + p.path) for p in pieces if p.is_article and p.edition == 0)
    resources: dict[str, Resource] = {
        "/robots.txt": _resource(
            robots_txt(outlet, origin).encode(), "text/plain; charset=utf-8", _SITE_EPOCH
        )
    }
    for piece in pieces:
        if piece.edition > edition or piece.kind == "missing":
            continue
        if piece.kind == "document":
            resources[piece.path] = _resource(
                annual_report_pdf(), "application/pdf", _when(piece.published)
            )
            continue
        revision = _revision(piece.key, edition)
        ctx = PageContext(
            piece=piece,
            outlet=outlet,
            origin=origin,
            paragraphs=revision.paragraphs if revision else piece.paragraphs,
            modified=revision.modified if revision else None,
            most_read=tuple(item for item in most_read if item[1] != origin + piece.path)[:5],
        )
        changed = revision.modified if revision else piece.published
        resources[piece.path] = _resource(
            render_page(ctx).encode("utf-8"),
            _HTML,
            _when(changed),
            slow=piece.key == SLOW_PAGE,
        )
    for spec in outlet.feeds:
        entries = _feed_entries(spec, origin, edition)
        built = max((_changed(e) for e in entries), default=_SITE_EPOCH)
        body = render_feed(spec, outlet, origin=origin, entries=entries, built=built)
        resources[spec.path] = _resource(body, _CONTENT_TYPES[spec.format], _when(built))
    resources["/"] = _front_page(outlet, origin, resources)
    return resources


def _when(moment: datetime | None) -> datetime:
    return moment.astimezone(UTC) if moment else _SITE_EPOCH


def _changed(entry: FeedEntry) -> datetime:
    return _when(entry.updated or entry.published)


def _feed_entries(spec: FeedSpec, origin: str, edition: int) -> list[FeedEntry]:
    entries = []
    for item in spec.items:
        piece = BY_KEY[item.key]
        if piece.edition > edition:
            continue
        revision = _revision(piece.key, edition)
        text = revision.paragraphs if revision else piece.paragraphs
        entries.append(
            FeedEntry(
                key=piece.key,
                title=piece.title,
                link=origin + piece.path + (f"?{item.query}" if item.query else ""),
                published=piece.published,
                updated=revision.modified if revision else None,
                author=piece.author,
                summary=piece.summary or _lead(text),
                paragraphs=text,
                categories=piece.tags,
                guid_suffix=item.guid_suffix,
            )
        )
    return entries


def _lead(paragraphs: tuple[str, ...]) -> str:
    return paragraphs[0] if paragraphs else ""


def _front_page(outlet: Outlet, origin: str, resources: Mapping[str, Resource]) -> Resource:
    """A plain section front linking the current articles (feeds are what the pipeline reads)."""
    listed = [p for p in PIECES if p.outlet == outlet.slug and p.path in resources]
    links = "\n".join(
        f'<li><a href="{escape(origin + p.path)}">{escape(p.title)}</a></li>' for p in listed
    )
    feeds = "\n".join(
        f'<link rel="alternate" type="{_CONTENT_TYPES[s.format].split(";")[0]}" '
        f'href="{origin}{s.path}" title="{escape(s.title)}">'
        for s in outlet.feeds
    )
    html = (
        f'<!DOCTYPE html>\n<html lang="{outlet.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(outlet.name)}</title>\n{feeds}\n</head>\n<body><h1>{escape(outlet.name)}"
        f"</h1>\n<ul>\n{links}\n</ul>\n</body></html>\n"
    )
    latest = max((r.last_modified or _SITE_EPOCH for r in resources.values()), default=_SITE_EPOCH)
    return _resource(html.encode("utf-8"), _HTML, latest)
