"""The daily digest: what arrived in the last hours, as one HTML page a person reads.

A front page: stories ranked by how many outlets carried them, each with its articles as
"outlet — headline" links, the watches that announced it, its articles' updates since the last
digest and the status of articles still waiting for their page; above them a small chart of
articles per outlet per hour of publication (inline SVG: the page needs no script and no
network). `digest_data` queries, `render_digest` is pure; everything shown is escaped, and
only http(s) URLs become links.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from wirehouse.config.location import Warehouse, as_warehouse
from wirehouse.warehouse.sqltext import host_sql
from wirehouse.warehouse.watches import hits_for_stories

# an outlet is the page's site name, else its URL's host (the same rule everywhere below)
_OUTLET = f"coalesce(nullif(trim(a.sitename), ''), {host_sql('a.url')})"

_STORIES = f"""
    WITH recent AS (
        -- an article waiting for its page has no story yet: it is its own, not one lump
        SELECT a.article_id, coalesce(a.story_id, 'article:' || a.article_id) AS story_id,
               a.title, a.url, a.text IS NULL AS waiting,
               {_OUTLET} AS outlet,
               coalesce(a.published_at, a.first_seen_at) AS published
        FROM articles a WHERE a.first_seen_at >= ?
    ),
    links AS (
        SELECT r.story_id, u.url, {host_sql("u.url")} AS host
        FROM recent r JOIN article_urls u USING (article_id)
    )
    SELECT r.story_id,
           arg_min(r.title, r.published) AS title,
           min(r.published) AS first, max(r.published) AS last,
           count(DISTINCT r.article_id) AS articles,
           (SELECT count(DISTINCT host) FROM links l WHERE l.story_id = r.story_id) AS outlets,
           list(DISTINCT r.outlet ORDER BY r.outlet) AS outlet_names,
           (SELECT list(DISTINCT l.url ORDER BY l.url) FROM links l
            WHERE l.story_id = r.story_id) AS urls,
           bool_and(r.waiting) AS waiting
    FROM recent r
    GROUP BY r.story_id
    ORDER BY outlets DESC, articles DESC, last DESC
"""

# each recent article: its outlet and headline, its status (when the warehouse has one), how
# many versions it has and how many arrived since the last digest, and its copies' URLs at
# other hosts (a wire text another outlet republished)
_ARTICLES = f"""
    SELECT coalesce(a.story_id, 'article:' || a.article_id) AS story_id,
           {_OUTLET} AS outlet,
           a.title, a.url, coalesce(a.published_at, a.first_seen_at) AS published,
           {{status}} AS status,
           a.version,
           (SELECT count(*) FROM article_versions v
            WHERE v.article_id = a.article_id AND v.version > 1 AND v.fetched_at >= $updated)
               AS updates,
           (SELECT list(DISTINCT [coalesce(nullif(trim(f.name), ''), nullif(trim(f.title), ''),
                                        {host_sql("u.url")}), u.url])
            FROM article_urls u LEFT JOIN feeds f USING (feed_url)
            WHERE u.article_id = a.article_id
              AND {host_sql("u.url")} <> {host_sql("a.url")}) AS copies
    FROM articles a WHERE a.first_seen_at >= $since
    ORDER BY published, a.article_id
"""

_HOURLY = f"""
    SELECT {_OUTLET} AS outlet,
           hour(coalesce(published_at, first_seen_at) AT TIME ZONE 'UTC') AS h,
           count(*) AS n
    FROM articles a WHERE first_seen_at >= ?
    GROUP BY ALL ORDER BY ALL
"""


@dataclass(frozen=True, slots=True)
class DigestArticle:
    """One article of a story as the digest lists it."""

    outlet: str
    title: str | None
    url: str
    published: datetime
    status: str | None = None  # None or "ok": it has its text; else why not (pending, ...)
    version: int = 1
    updates: int = 0  # versions that arrived since the last digest
    copies: tuple[tuple[str, str], ...] = ()  # (outlet, URL) of its copies at other hosts


@dataclass(frozen=True, slots=True)
class DigestStory:
    title: str
    first: datetime
    last: datetime
    articles: int
    outlets: int
    outlet_names: tuple[str, ...]
    urls: tuple[str, ...]
    waiting: bool = False  # no article of it has text yet: its page was not fetched yet
    items: tuple[DigestArticle, ...] = ()
    watch_hits: tuple[tuple[str, datetime], ...] = ()  # (watch, when it announced the story)

    @property
    def updates(self) -> int:
        return sum(a.updates for a in self.items)


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    stories: tuple[DigestStory, ...]
    hourly: tuple[tuple[str, int, int], ...]  # (outlet, hour of day UTC, articles)
    updated_since: datetime | None = None  # updates are counted from here: the last digest


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether the warehouse has this column (a read-only older one may lack newer ones)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?"
        " AND database_name = current_database() AND schema_name = current_schema()",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def digest_data(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime,
    hours: int = 24,
    previous: datetime | None = None,
) -> Digest:
    """The stories and hourly counts of the articles first seen in the last `hours`.

    `previous` is when the last digest was written: updates since then are marked new (the
    whole period's, when there was none)."""
    since = now - timedelta(hours=hours)
    updated_since = max(previous, since) if previous else since
    status = "a.status" if _has_column(con, "articles", "status") else "NULL"
    items: dict[str, list[DigestArticle]] = {}
    for story_id, outlet, title, url, published, state, version, updates, copies in con.execute(
        _ARTICLES.format(status=status),
        {"since": since, "updated": updated_since},
    ).fetchall():
        items.setdefault(story_id, []).append(
            DigestArticle(
                outlet or "",
                title,
                url,
                published,
                state,
                int(version or 1),
                int(updates),
                tuple(sorted((name, url) for name, url in copies or ())),
            )
        )
    rows = con.execute(_STORIES, [since]).fetchall()
    hits = hits_for_stories(con, [r[0] for r in rows])
    stories = tuple(
        DigestStory(
            title or "(untitled)",
            first,
            last,
            n,
            outlets,
            tuple(names),
            tuple(urls or ()),
            bool(waiting),
            tuple(items.get(story_id, ())),
            tuple(hits.get(story_id, ())),
        )
        for story_id, title, first, last, n, outlets, names, urls, waiting in rows
    )
    hourly = tuple((o, int(h), int(n)) for o, h, n in con.execute(_HOURLY, [since]).fetchall())
    return Digest(since, now, stories, hourly, updated_since)


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


def _link(url: str, text: str) -> str:
    """An escaped link for an http(s) URL; any other scheme is shown as text, never followed."""
    esc = html.escape
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:  # an unparseable URL (a bad IPv6 literal): text
        scheme = ""
    if scheme in ("http", "https"):
        return f'<a href="{esc(url, quote=True)}">{esc(text)}</a>'
    return f'<span class="nolink">{esc(text)}</span>'


def _article(a: DigestArticle) -> str:
    esc = html.escape
    headline = f"{a.outlet} — {a.title or a.url}" if a.outlet else (a.title or a.url)
    extra = []
    if a.updates:
        extra.append(f'<span class="updated">updated: version {a.version}</span>')
    if a.status and a.status != "ok":
        extra.append(f'<span class="status">{esc(a.status.replace(":", ": ", 1))}</span>')
    if a.copies:
        also = ", ".join(_link(url, outlet) for outlet, url in a.copies)
        extra.append(f'<span class="copies">also at {also}</span>')
    return (
        f'<li class="article">{_link(a.url, headline)} '
        f'<span class="time">{a.published:%H:%M}</span> {" ".join(extra)}</li>'
    )


def _story(story: DigestStory) -> str:
    esc = html.escape
    if story.items:
        listing = "".join(_article(a) for a in story.items)
    else:  # built without its articles: its URLs
        listing = "".join(f'<li class="article">{_link(u, u)}</li>' for u in story.urls)
    waiting = '<p class="waiting">Page not fetched yet.</p>' if story.waiting else ""
    hits = ""
    if story.watch_hits:
        named = ", ".join(f"{esc(w)} ({at:%Y-%m-%d %H:%M})" for w, at in story.watch_hits)
        hits = f'<p class="watch-hits">Watch hits: {named}</p>'
    updates = (
        f'<p class="updates">{story.updates} new version(s) since the last digest</p>'
        if story.updates
        else ""
    )
    return (
        '<section class="story">'
        f"<h2>{esc(story.title)}</h2>"
        f'<p class="meta">{story.outlets} outlet(s), {story.articles} article(s): '
        f"{esc(', '.join(story.outlet_names))} · {story.first:%Y-%m-%d %H:%M} to "
        f"{story.last:%Y-%m-%d %H:%M} UTC</p>{hits}{updates}{waiting}"
        f'<ul class="articles">{listing}</ul></section>'
    )


def render_digest(digest: Digest) -> str:
    """The digest as a self-contained HTML page."""
    body = (
        "".join(_story(s) for s in digest.stories) or "<p>No articles arrived in this period.</p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>wirehouse digest</title><style>"
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        ".meta,.time,.copies{color:#555}.story{border-top:1px solid #ddd;padding-top:.5rem}"
        ".watch-hits{color:#8a2b00;font-weight:bold}.updated,.status{font-size:.85em;"
        "padding:0 .3em;border-radius:.2em}.updated{background:#e6f0ff}.status{background:#fff2cc}"
        ".articles{list-style:none;padding-left:0}.article{margin:.3em 0}"
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
    """Render the digest of the last `hours` and write it next to the warehouse; updates are
    new since the digest it replaces was written."""
    path = digest_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = datetime.fromtimestamp(path.stat().st_mtime, UTC) if path.exists() else None
    data = digest_data(con, now=now, hours=hours, previous=previous)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_digest(data), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a page
    return path
