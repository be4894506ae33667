"""Story watches end to end, with real parts only: the session's Prefect server (its trigger and
action services), an automation made by `wirehouse watch create` through its API, a webhook
receiver on loopback that the automation calls, and the demo newsroom publishing editions.

The harbour strike is first carried by two outlets (only the Ledger's and the Post's feeds are
ingested); the next edition is ingested from every outlet, the Courier's report joins the story
and it has its third outlet: the `strike` watch (at least three outlets) fires once. The rate
decision, a new story with three outlets in that run, fires the `rates` watch, which has no
automation: the receiver never hears of it. A third run touches the strike story again and
nothing is sent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from devkit.newsroom import Newsroom
from wirehouse.cli import app
from wirehouse.flows.ingest import ingest
from wirehouse.flows.watches import HITS_KEY
from wirehouse.watches import EVENT

WATCHES = [
    {"name": "strike", "query": "dockers strike", "min_outlets": 3},
    {"name": "rates", "query": "interest rate inflation", "min_outlets": 3},
]
# the automation runs in the server's services a second or so after the event
CALL_TIMEOUT_S = 60.0
QUIET_S = 8.0
SECRET_PATH = "/services/T0HARBOUR/B0DESK/s3cretHookKey42"


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps every request's JSON body."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver._lock:
                    receiver.calls.append({"path": self.path, "json": json.loads(body)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a Slack-like hook: the path is the key, and must show nowhere but in the call itself
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.origin}{SECRET_PATH}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.calls)

    def wait_for(self, count: int, timeout_s: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and len(self.snapshot()) < count:
            time.sleep(0.2)
        return self.snapshot()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def watches_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    # the environment is the settings' second source: as a [[watches]] list in the config file
    monkeypatch.setenv("WIREHOUSE_WATCHES", json.dumps(WATCHES))
    # the newsroom's pages take milliseconds to extract: a timeout here would only mean a
    # machine loaded by other work, and a story missing the text that joins it to the strike
    monkeypatch.setenv("WIREHOUSE_EXTRACT__PAGE_TIMEOUT_S", "300")
    monkeypatch.setenv("WIREHOUSE_EXTRACT__FEED_PARSE_TIMEOUT_S", "300")


def feeds_of(room: Newsroom, *outlets: str) -> list[str]:
    origins = [room.origins[name] for name in outlets]
    return [url for url in room.feed_urls if url.startswith(tuple(origins))]


def stories(db: Path) -> dict[str, tuple[str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT story_id, title, len(outlets) FROM stories").fetchall()
    return {s: (t, n) for s, t, n in rows}


def hits(db: Path) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT watch, story_id, event_id FROM watch_hits ORDER BY watch"
        ).fetchall()


async def events_named(name: str) -> list[dict[str, Any]]:
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter

    async with get_client() as client:
        page = await client.read_events(
            filter=EventFilter(event=EventNameFilter(name=[name])), limit=50
        )
    return [e.model_dump(mode="json") for e in page.events]


async def automation_as_stored(name: str) -> str:
    """The automation and its webhook block as any API client (and so the UI) reads them."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        [automation] = await client.read_automations_by_name(name)
        block = await client.read_block_document_by_name(
            name, "custom-webhook", include_secrets=False
        )
    return automation.model_dump_json() + block.model_dump_json()


async def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        [artifact] = await client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), limit=1
        )
        return str(artifact.data)


def test_a_story_crossing_a_watchs_threshold_calls_the_webhook_once(
    prefect_api, receiver, watches_configured, tmp_path
):
    started = datetime.now(UTC)
    runner = CliRunner()
    # from the environment, not the command line that `ps` shows to every user
    created = runner.invoke(
        app, ["watch", "create", "strike"], env={"WIREHOUSE_WATCH_WEBHOOK": receiver.url}
    )
    assert created.exit_code == 0, created.output
    assert "wirehouse-watch-strike" in created.output
    assert f"{receiver.origin}/..." in created.output and "s3cret" not in created.output
    shown = asyncio.run(automation_as_stored("wirehouse-watch-strike"))
    assert receiver.origin in shown and "s3cret" not in shown

    db = tmp_path / "wirehouse.duckdb"
    with Newsroom(slow_seconds=0.1) as room:
        # run 1: two outlets carry the strike; the watch wants three
        asyncio.run(
            ingest(feeds=feeds_of(room, "The Harbour Ledger", "Brennick Evening Post"), db=str(db))
        )
        strike_two = [s for s, (_, n) in stories(db).items() if n == 2]
        assert strike_two, "the Ledger's and the Post's strike reports should form one story"
        assert hits(db) == []

        # run 2: the next edition from every outlet; the Courier's report is the third outlet
        room.advance()
        asyncio.run(ingest(feeds=room.feed_urls, db=str(db)))
        recorded = hits(db)
        assert [w for w, _, _ in recorded] == ["rates", "strike"]
        strike_story = next(s for w, s, _ in recorded if w == "strike")
        assert strike_story in strike_two and stories(db)[strike_story][1] == 3

        calls = receiver.wait_for(1, CALL_TIMEOUT_S)
        assert len(calls) == 1, calls
        time.sleep(QUIET_S)  # and no second call for the same hit, nor one for `rates`
        assert len(receiver.snapshot()) == 1

        # run 3: the following edition touches the strike story again: nothing new to announce
        room.advance()
        asyncio.run(ingest(feeds=room.feed_urls, db=str(db)))
        assert hits(db) == recorded
        time.sleep(QUIET_S)
        assert len(receiver.snapshot()) == 1

    [call] = receiver.snapshot()
    assert call["path"] == SECRET_PATH
    sent = call["json"]
    assert sent["watch"] == "strike"
    title = stories(db)[strike_story][0]
    assert title in sent["subject"] and sent["subject"].startswith("wirehouse watch strike: ")
    assert f"wirehouse.story.{strike_story}" in sent["body"]
    assert "3 outlets" in sent["body"]

    # the events, as the server recorded them: one per hit, with the documented resources
    # (of this test's watches and runs: other tests on the session's server emit events of
    # their own, some for watches of the same names)
    ours = {f"wirehouse.watch.{w['name']}" for w in WATCHES}
    events = [
        e
        for e in asyncio.run(events_named(EVENT))
        if any(r["prefect.resource.id"] in ours for r in e.get("related", []))
        and datetime.fromisoformat(e["occurred"]) >= started
    ]
    by_watch = {e["related"][0]["prefect.resource.id"]: e for e in events if e.get("related")}
    assert sorted(by_watch) == ["wirehouse.watch.rates", "wirehouse.watch.strike"]
    assert len(events) == 2
    strike_event = by_watch["wirehouse.watch.strike"]
    assert strike_event["resource"]["prefect.resource.id"] == f"wirehouse.story.{strike_story}"
    assert strike_event["related"][0]["prefect.resource.role"] == "watch"
    payload = strike_event["payload"]
    assert payload["title"] == title and len(payload["outlets"]) == 3
    assert payload["first_article"]["url"] in payload["links"]
    assert payload["last_article"]["url"] in payload["links"]
    assert strike_event["id"] == next(e for w, _, e in recorded if w == "strike")

    # the last run found nothing: its artifact says so; `watch list` shows the recorded hits
    assert "No watch matched a story" in asyncio.run(latest_artifact(HITS_KEY))
    listed = runner.invoke(app, ["watch", "list", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    assert "strike" in listed.output and "3 outlets" in listed.output
