"""Story watches, the pure part: which touched stories a watch announces, and what it says.

The warehouse finds the facts (`warehouse/watches.py`: which stories match each watch's query,
their outlets, which were already announced); the flow emits one Prefect event per hit
(`flows/watches.py`). The event's name and resource ids are public API: users' automations
filter on them, so they never change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from wirehouse.config.settings import WatchSettings
from wirehouse.escape import markdown_cell, strip_controls

EVENT = "wirehouse.story.matched"
WATCH_ROLE = "watch"
# ids derive from (watch, story): a re-emitted hit has the id of the first, which Prefect's
# triggers have seen already, so an automation never acts twice on one hit
_EVENT_NAMESPACE = uuid.UUID("6f0c2a8e-3d1b-5c7a-9e4f-2b8d1a7c6e50")
# a story's links in the payload: enough to read it, small enough for Prefect's event size limit
MAX_LINKS = 20


def story_resource_id(story_id: str) -> str:
    return f"wirehouse.story.{story_id}"


def watch_resource_id(name: str) -> str:
    return f"wirehouse.watch.{name}"


def event_id(watch: str, story_id: str) -> uuid.UUID:
    """The id of the event announcing `story_id` to `watch`: the same every time."""
    return uuid.uuid5(_EVENT_NAMESPACE, f"{watch}\x00{story_id}")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """One article of a story, as an alert shows it."""

    title: str | None
    url: str
    outlet: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoryState:
    """A story as the warehouse holds it now."""

    story_id: str
    title: str | None
    outlets: tuple[str, ...]  # host names, as in the `stories` view
    articles: int
    first_seen: datetime
    last_seen: datetime
    first: ArticleRef
    last: ArticleRef
    links: tuple[ArticleRef, ...]  # every URL it was seen at, oldest first (MAX_LINKS)


@dataclass(frozen=True, slots=True)
class WatchHit:
    """A story a watch announces in this run."""

    watch: str
    story: StoryState
    run_id: str
    matched_at: datetime

    @property
    def event_id(self) -> uuid.UUID:
        return event_id(self.watch, self.story.story_id)


def decide_hits(
    watches: Sequence[WatchSettings],
    stories: Mapping[str, StoryState],
    matches: Mapping[str, set[str]],
    announced: set[tuple[str, str]],
    *,
    run_id: str,
    now: datetime,
) -> list[WatchHit]:
    """The hits of a run: per watch, each matching story with at least `min_outlets` outlets
    that the watch has not announced before (a new story, or one that just gained its Nth
    outlet), in watch order, then by story start."""
    hits = []
    for watch in watches:
        for story_id in sorted(
            matches.get(watch.name, set()) & stories.keys(),
            key=lambda s: (stories[s].first_seen, s),
        ):
            story = stories[story_id]
            if len(story.outlets) >= watch.min_outlets and (watch.name, story_id) not in announced:
                hits.append(WatchHit(watch.name, story, run_id, now))
    return hits


def _ref(article: ArticleRef) -> dict[str, Any]:
    return {
        "title": article.title,
        "url": article.url,
        "outlet": article.outlet,
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }


def event_fields(hit: WatchHit) -> dict[str, Any]:
    """The keyword arguments of `prefect.events.emit_event` for one hit."""
    story = hit.story
    return {
        "event": EVENT,
        "id": hit.event_id,
        "occurred": hit.matched_at,
        "resource": {
            "prefect.resource.id": story_resource_id(story.story_id),
            "prefect.resource.name": (story.title or story.story_id)[:200],
        },
        "related": [
            {
                "prefect.resource.id": watch_resource_id(hit.watch),
                "prefect.resource.role": WATCH_ROLE,
                "prefect.resource.name": hit.watch,
            }
        ],
        "payload": {
            "watch": hit.watch,
            "story_id": story.story_id,
            "title": story.title,
            "outlets": list(story.outlets),
            "articles": story.articles,
            "first_seen": story.first_seen.isoformat(),
            "last_seen": story.last_seen.isoformat(),
            "first_article": _ref(story.first),
            "last_article": _ref(story.last),
            "links": [a.url for a in story.links],
            "run_id": hit.run_id,
        },
    }


# line breaks inside a URL: never part of a link target (browsers drop tab, LF and CR too)
_URL_BREAKS = str.maketrans("", "", "\t\n\r\u2028\u2029")


def webhook_origin(url: str) -> str:
    """Only the scheme and host of a webhook URL, for output: a Slack-like hook's path is its
    key."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: leave it out rather than fail
        port = ""
    return f"{parts.scheme}://{host}{port}/..."


def md_link(text: object, url: str) -> str:
    """A markdown link for http(s) URLs; any other URL is shown as text, never followed."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return markdown_cell(text or url)
    # percent-encode what could end the link or the cell: ( ) < > | space quotes backslash
    target = quote(strip_controls(url).translate(_URL_BREAKS), safe=":/?#[]@!$&'*+,;=%~-._")
    return f"[{markdown_cell(text or url)}]({target})"


def render_hits(hits: Iterable[WatchHit], *, run_id: str) -> str:
    """The `watch-hits` artifact: one row per hit, every cell escaped."""
    rows = [
        "| watch | story | outlets | articles | first article | last article |",
        "|---|---|---:|---:|---|---|",
    ]
    for hit in hits:
        s = hit.story
        rows.append(
            f"| {markdown_cell(hit.watch)} | {markdown_cell(s.title or s.story_id)} "
            f"| {len(s.outlets)}: {markdown_cell(', '.join(s.outlets))} | {s.articles} "
            f"| {_article_link(s.first)} | {_article_link(s.last)} |"
        )
    heading = f"# Watch hits of run {markdown_cell(run_id)}\n\n"
    if len(rows) == 2:
        return heading + "No watch matched a story.\n"
    return heading + "\n".join(rows) + "\n"


def _article_link(article: ArticleRef) -> str:
    """ "outlet — headline", linked to the article."""
    label = f"{article.outlet} — {article.title or article.url}" if article.outlet else None
    return md_link(label or article.title or article.url, article.url)
