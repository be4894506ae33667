"""The daily digest: what arrived in the last hours, as one HTML page a person reads.

Stories are ranked by how many outlets carried them, each with its outlets and links, above a
small chart of articles per outlet per hour of publication (inline SVG: the page needs no
script and no network). `digest_data` queries, `render_digest` is pure.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from wirehouse.warehouse.location import Warehouse, as_warehouse

_STORIES = """
    WITH recent AS (
        SELECT a.article_id, a.story_id, a.title, a.url,
               coalesce(a.sitename, regexp_extract(a.url, '://([^/]+)', 1)) AS outlet,
               coalesce(a.published_at, a.first_seen_at) AS published
        FROM articles a WHERE a.first_seen_at >= ?
    ),
    links AS (
        SELECT r.story_id, u.url, regexp_extract(u.url, '://([^/]+)', 1) AS host
        FROM recent r JOIN article_urls u USING (article_id)
    )
    SELECT r.story_id,
           arg_min(r.title, r.published) AS title,
           min(r.published) AS first, max(r.published) AS last,
           count(DISTINCT r.article_id) AS articles,
           (SELECT count(DISTINCT host) FROM links l WHERE l.story_id = r.story_id) AS outlets,
           list(DISTINCT r.outlet ORDER BY r.outlet) AS outlet_names,
           (SELECT list(DISTINCT l.url ORDER BY l.url) FROM links l
            WHERE l.story_id = r.story_id) AS urls
    FROM recent r
    GROUP BY r.story_id
    ORDER BY outlets DESC, articles DESC, last DESC
"""

_HOURLY = """
    SELECT coalesce(sitename, regexp_extract(url, '://([^/]+)', 1)) AS outlet,
           hour(coalesce(published_at, first_seen_at) AT TIME ZONE 'UTC') AS h,
           count(*) AS n
    FROM articles WHERE first_seen_at >= ?
    GROUP BY ALL ORDER BY ALL
"""


@dataclass(frozen=True, slots=True)
class DigestStory:
    title: str
    first: datetime
    last: datetime
    articles: int
    outlets: int
    outlet_names: tuple[str, ...]
    urls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    stories: tuple[DigestStory, ...]
    hourly: tuple[tuple[str, int, int], ...]  # (outlet, hour of day UTC, articles)


def digest_data(con: duckdb.DuckDBPyConnection, *, now: datetime, hours: int = 24) -> Digest:
    """The stories and hourly counts of the articles first seen in the last `hours`."""
    since = now - timedelta(hours=hours)
    stories = tuple(
        DigestStory(title or "(untitled)", first, last, n, outlets, tuple(names), tuple(urls))
        for _, title, first, last, n, outlets, names, urls in con.execute(
            _STORIES, [since]
        ).fetchall()
    )
    hourly = tuple((o, int(h), int(n)) for o, h, n in con.execute(_HOURLY, [since]).fetchall())
    return Digest(since, now, stories, hourly)


_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def _chart(hourly: tuple[tuple[str, int, int], ...]) -> str:
    """Stacked bars: one per hour of the day, one colour per outlet."""
    outlets = sorted({o for o, _, _ in hourly})
    colour = {o: _PALETTE[i % len(_PALETTE)] for i, o in enumerate(outlets)}
    per_hour: dict[int, int] = {}
    for _, h, n in hourly:
        per_hour[h] = per_hour.get(h, 0) + n
    top = max(per_hour.values(), default=1)
    width, height, bar = 24 * 26 + 40, 180, 22
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height + 40 + 18 * len(outlets)}" role="img" '
        'aria-label="articles per outlet per hour of publication (UTC)">'
    ]
    stacked: dict[int, int] = {}
    for outlet, h, n in hourly:
        y0 = stacked.get(h, 0)
        stacked[h] = y0 + n
        x = 30 + h * 26
        top_px = height - (y0 + n) * height / top
        parts.append(
            f'<rect class="bar" x="{x}" y="{top_px:.1f}" width="{bar}" '
            f'height="{n * height / top:.1f}" fill="{colour[outlet]}">'
            f"<title>{html.escape(outlet)}: {n} at {h:02d}:00</title></rect>"
        )
    for h in range(0, 24, 3):
        parts.append(f'<text x="{30 + h * 26}" y="{height + 14}" font-size="10">{h:02d}h</text>')
    for i, outlet in enumerate(outlets):
        y = height + 34 + 18 * i
        parts.append(f'<rect x="30" y="{y - 10}" width="10" height="10" fill="{colour[outlet]}"/>')
        parts.append(f'<text x="46" y="{y}" font-size="12">{html.escape(outlet)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_digest(digest: Digest) -> str:
    """The digest as a self-contained HTML page."""
    esc = html.escape
    rows = []
    for story in digest.stories:
        links = "".join(f'<li><a href="{esc(u)}">{esc(u)}</a></li>' for u in story.urls)
        rows.append(
            '<section class="story">'
            f"<h2>{esc(story.title)}</h2>"
            f'<p class="meta">{story.outlets} outlet(s), {story.articles} article(s): '
            f"{esc(', '.join(story.outlet_names))} · {story.first:%Y-%m-%d %H:%M} to "
            f"{story.last:%Y-%m-%d %H:%M} UTC</p><ul>{links}</ul></section>"
        )
    body = "".join(rows) or "<p>No articles arrived in this period.</p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>wirehouse digest</title><style>"
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        ".meta{color:#555}.story{border-top:1px solid #ddd;padding-top:.5rem}"
        "</style></head><body>"
        f"<h1>News digest: {digest.since:%Y-%m-%d %H:%M} to {digest.until:%Y-%m-%d %H:%M} UTC"
        "</h1>"
        f"<p>{len(digest.stories)} stories, ranked by the number of outlets that carried them."
        "</p><h2>Articles per outlet per hour of publication (UTC)</h2>"
        f"{_chart(digest.hourly)}{body}</body></html>"
    )


def digest_path(db: Warehouse | str | Path) -> Path:
    """The digest lives next to the warehouse file (a lake's: in its local data folder)."""
    return as_warehouse(db).local_dir / "digest.html"


def write_digest(
    con: duckdb.DuckDBPyConnection,
    db: Warehouse | str | Path,
    *,
    now: datetime,
    hours: int = 24,
) -> Path:
    """Render the digest of the last `hours` and write it next to the warehouse."""
    path = digest_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_digest(digest_data(con, now=now, hours=hours)), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a page
    return path
