"""Story watches in Prefect: the events a run emits, its `watch-hits` artifact, and the
automation that turns a watch's events into webhook calls.

A watch never notifies by itself: it emits `wirehouse.story.matched` events, and whoever wants
to be told attaches a Prefect automation (Slack, email, a webhook: any notification block).
`create_watch_automation` sets one up with a `CustomWebhookNotificationBlock`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
from prefect import get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.automations import Automation, EventTrigger, Posture, SendNotification
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.types import SecretDict

from wirehouse.config.location import Warehouse
from wirehouse.config.settings import WatchSettings
from wirehouse.errors import WirehouseError
from wirehouse.escape import visible
from wirehouse.warehouse.connection import DB_WAIT_S, session, write_atomically
from wirehouse.warehouse.watches import find_hits, record_hits
from wirehouse.watches import (
    EVENT,
    WATCH_ROLE,
    WatchHit,
    event_fields,
    render_hits,
    watch_resource_id,
    webhook_origin,
)

logger = logging.getLogger(__name__)

HITS_KEY = "watch-hits"

# what the automation sends; Prefect renders it with the triggering event (Jinja)
SUBJECT = "wirehouse watch {watch}: {{{{ event.payload.title }}}}"
BODY = (
    "{{ event.payload.title }}\n"
    "{{ event.payload.outlets | length }} outlets: {{ event.payload.outlets | join(', ') }}\n"
    "first: {{ event.payload.first_article.outlet }} — {{ event.payload.first_article.title }}"
    " {{ event.payload.first_article.url }}\n"
    "latest: {{ event.payload.last_article.outlet }} — {{ event.payload.last_article.title }}"
    " {{ event.payload.last_article.url }}\n"
    "story: {{ event.resource.id }} (event {{ event.id }})"
)


def emit_hit(hit: WatchHit) -> bool:
    """Emit the hit's `wirehouse.story.matched` event; whether it was handed over (False when
    events are off)."""
    return emit_event(**event_fields(hit)) is not None


def announce_hits(
    db: Warehouse | str | Path,
    watches: Sequence[WatchSettings],
    *,
    run_id: str,
    placed: set[str],
    now: datetime,
    emit: Callable[[WatchHit], bool] = emit_hit,
) -> tuple[list[WatchHit], list[WatchHit]]:
    """Find the run's new hits, emit their events, then record the hits that were emitted;
    returns (hits, emitted). A hit whose event could not be sent is not recorded, so the next
    run that touches its story announces it; an event sent twice (a crash before the record)
    carries the same id, derived from watch and story, and Prefect's triggers ignore it."""
    with session(db, wait_s=DB_WAIT_S) as con:
        hits = find_hits(con, watches, run_id=run_id, placed=placed, now=now)
    emitted = []
    for hit in hits:
        try:
            if emit(hit):
                emitted.append(hit)
        except Exception as exc:  # one event that could not be handed over is retried later
            logger.warning(
                "watch %s: event not emitted: %s: %s", hit.watch, type(exc).__name__, exc
            )
    if emitted:
        with session(db, wait_s=DB_WAIT_S) as con:
            write_atomically(con, lambda c: record_hits(c, emitted))
    return hits, emitted


@task(name="watch-stories", cache_policy=NO_CACHE, persist_result=False)
async def watch_stories(
    db: Warehouse,
    watches: Sequence[WatchSettings],
    run_id: str,
    placed: set[str],
) -> list[WatchHit]:
    """Evaluate every watch against the stories this run touched, record the new hits, emit
    their events and publish the `watch-hits` artifact. A failure is logged, never fatal:
    the run's articles are loaded already."""
    run_logger: Any = get_run_logger()

    try:
        hits, emitted = await asyncio.to_thread(
            announce_hits, db, watches, run_id=run_id, placed=placed, now=datetime.now(UTC)
        )
    except (WirehouseError, duckdb.Error) as exc:
        run_logger.warning("watches not evaluated: %s: %s", type(exc).__name__, exc)
        return []
    if len(emitted) < len(hits):
        run_logger.warning(
            "%d of %d watch events were not emitted (events off or failing): not recorded,"
            " announced by a later run that touches their stories",
            len(hits) - len(emitted),
            len(hits),
        )
    for hit in hits:
        run_logger.info(
            "watch %s: story %s (%d outlets) %s",
            hit.watch,
            hit.story.story_id,
            len(hit.story.outlets),
            visible(hit.story.title or ""),
        )
    try:
        await acreate_markdown_artifact(
            render_hits(hits, run_id=run_id),
            key=HITS_KEY,
            description=f"{len(hits)} stories announced by watches in run {run_id}",
        )
    except Exception as exc:  # an artifact is a report, not part of the run's work
        run_logger.warning(
            "could not publish the watch-hits artifact: %s: %s", type(exc).__name__, exc
        )
    return hits


def automation_name(watch: str) -> str:
    return f"wirehouse-watch-{watch}"


async def create_watch_automation(watch: str, webhook: str) -> tuple[UUID, UUID]:
    """Create (or replace) the webhook block and the automation of one watch in the Prefect API
    that PREFECT_API_URL names; returns (block document id, automation id).

    The automation fires on each `wirehouse.story.matched` event whose related `watch` resource
    is this watch, and sends the event's story to `webhook` as JSON {watch, subject, body}.
    The block's `url` field is plain text shown by the API and UI, so the URL is kept in its
    secret values and put in at send time; the automation's description names only the host."""
    from prefect.client.orchestration import get_client

    name = automation_name(watch)
    block = CustomWebhookNotificationBlock(
        name=name,
        url="{{webhook_url}}",
        secrets=SecretDict({"webhook_url": webhook}),
        json_data={"watch": watch, "subject": "{{subject}}", "body": "{{body}}"},
        headers=None,
        cookies=None,
    )
    block_id = await block.asave(name, overwrite=True)
    async with get_client() as client:
        for old in await client.read_automations_by_name(name):
            if old.id is not None:
                await client.delete_automation(old.id)
    automation = await Automation(
        name=name,
        description=(
            f"Calls a webhook at {webhook_origin(webhook)} when wirehouse watch {watch!r} "
            "announces a story."
        ),
        trigger=EventTrigger(
            expect={EVENT},
            match_related={
                "prefect.resource.id": watch_resource_id(watch),
                "prefect.resource.role": WATCH_ROLE,
            },
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            SendNotification(
                block_document_id=block_id,
                subject=SUBJECT.format(watch=watch),
                body=BODY,
            )
        ],
    ).acreate()
    assert automation.id is not None
    return block_id, automation.id
