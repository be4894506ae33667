"""Story watches, the pure part: which stories are hits, the event's public shape, and the
`watch-hits` markdown with hostile titles and URLs."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from wirehouse.config.settings import Settings, WatchSettings
from wirehouse.errors import ConfigError
from wirehouse.watches import (
    ArticleRef,
    StoryState,
    WatchHit,
    decide_hits,
    event_fields,
    event_id,
    md_link,
    render_hits,
    webhook_origin,
)

T = datetime(2026, 3, 18, 12, tzinfo=UTC)


def story(story_id: str, outlets: int, *, title: str = "A story", url: str = "") -> StoryState:
    ref = ArticleRef(title, url or f"https://o0.test/{story_id}", "Outlet 0", T)
    return StoryState(
        story_id=story_id,
        title=title,
        outlets=tuple(f"o{i}.test" for i in range(outlets)),
        articles=outlets,
        first_seen=T + timedelta(minutes=len(story_id)),
        last_seen=T,
        first=ref,
        last=ref,
        links=(ref,),
    )


def test_hits_are_matching_stories_at_the_threshold_not_announced_before():
    watches = [
        WatchSettings(name="a", query="x", min_outlets=2),
        WatchSettings(name="b", query="x", min_outlets=3),
    ]
    stories = {s.story_id: s for s in (story("s1", 1), story("s22", 2), story("s333", 3))}
    matches = {"a": {"s1", "s22", "s333", "gone"}, "b": {"s22", "s333"}}
    hits = decide_hits(watches, stories, matches, {("a", "s333")}, run_id="r", now=T)
    assert [(h.watch, h.story.story_id) for h in hits] == [("a", "s22"), ("b", "s333")]


def test_the_events_name_resources_and_id_are_stable():
    hit = WatchHit("strike", story("abc", 3, title="Dockers walk out"), "r1", T)
    fields = event_fields(hit)
    assert fields["event"] == "wirehouse.story.matched"
    assert fields["resource"] == {
        "prefect.resource.id": "wirehouse.story.abc",
        "prefect.resource.name": "Dockers walk out",
    }
    assert fields["related"] == [
        {
            "prefect.resource.id": "wirehouse.watch.strike",
            "prefect.resource.role": "watch",
            "prefect.resource.name": "strike",
        }
    ]
    assert set(fields["payload"]) >= {"title", "outlets", "first_article", "last_article", "links"}
    assert fields["id"] == event_id("strike", "abc") == hit.event_id
    assert (
        len({event_id("strike", "abc"), event_id("strike", "abd"), event_id("strik", "eabc")}) == 3
    )


HOSTILE_TITLES = [
    "a | b | c",  # a column break
    "[click](javascript:alert(1))",
    "![pixel](https://track.test/p.gif)",
    "<img src=x onerror=alert(1)>",
    "line one\nline two\r\n| --- |",
    "**bold** _em_ `code` # heading",
    "\u202eevil\u202c \x1b[31mred",
    "x" * 10_000,
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_the_artifact_shows_hostile_titles_as_text_in_one_table_row(title):
    url = "https://o0.test/a (b)|<c>"
    page = render_hits([WatchHit("w", story("s", 2, title=title, url=url), "r", T)], run_id="r")
    rows = [line for line in page.splitlines() if line.startswith("|")]
    assert len(rows) == 3  # header, rule, one hit
    assert rows[2].count(" | ") == 5  # six cells: no cell was split
    assert "<img" not in page and "](javascript" not in page and "![" not in page
    assert "\x1b" not in page and "\u202e" not in page
    assert "(https://o0.test/a%20%28b%29%7C%3Cc%3E)" in page  # the link target stays one target


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>", "file:///etc", "//x.test"],
)
def test_only_http_urls_become_links(url):
    text = md_link("headline", url)
    assert "](" not in text and text == "headline"


def test_rendering_grows_linearly_with_a_title_of_brackets():
    def seconds(n: int) -> float:
        hit = WatchHit("w", story("s", 2, title="[(" * n, url="https://x.test/" + "(" * n), "r", T)
        started = time.perf_counter()
        render_hits([hit], run_id="r")
        return time.perf_counter() - started

    small, large = seconds(10_000), seconds(80_000)
    assert large < 16 * small + 0.5  # 8x the input: far from the 64x of a quadratic


def test_a_run_without_hits_says_so():
    assert "No watch matched a story" in render_hits([], run_id="r1")


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "Has Space", "query": "x"},
        {"name": "a.b", "query": "x"},  # a dot would change the resource id's shape
        {"name": "", "query": "x"},
        {"name": "x" * 64, "query": "x"},
        {"name": "ok", "query": ""},
        {"name": "ok", "query": "x", "min_outlets": 0},
        {"name": "ok", "query": "x", "unknown": 1},
        {"name": "ok", "query": "x", "languages": ["english"]},  # no tag: would match nothing
        {"name": "ok", "query": "x", "languages": ["en", "und"]},  # names no language
    ],
)
def test_a_bad_watch_is_a_one_line_config_error(bad, monkeypatch):
    import json

    from wirehouse.config.settings import load_settings

    monkeypatch.setenv("WIREHOUSE_WATCHES", json.dumps([bad]))
    with pytest.raises(ConfigError, match=re.compile(r"^bad setting watches")):
        load_settings()


def test_a_watch_names_its_languages_as_articles_store_them():
    watch = WatchSettings(name="a", query="x", languages=["eng", "en-GB", "ger", "iw"])
    assert watch.languages == ["de", "en", "he"]


def test_watch_names_are_unique():
    with pytest.raises(ValueError, match="unique"):
        Settings(
            watches=[
                WatchSettings(name="a", query="x"),
                WatchSettings(name="a", query="y"),
            ]
        )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T000/B000/XXXXsecret", "https://hooks.slack.com/..."),
        ("https://discord.com/api/webhooks/123/tokENsecret", "https://discord.com/..."),
        ("https://user:pa55secret@hooks.test:8443/x?token=secret", "https://hooks.test:8443/..."),
        ("http://[::1]:9000/secret", "http://[::1]:9000/..."),
        (
            "https://outlook.office.com/webhook/secret@tenant/IncomingWebhook/k",
            "https://outlook.office.com/...",
        ),
        ("http://hooks.test:notaport/secret", "http://hooks.test/..."),
    ],
)
def test_a_webhook_is_shown_by_scheme_and_host_only(url, shown):
    assert webhook_origin(url) == shown and "secret" not in webhook_origin(url)


def test_watch_create_takes_the_webhook_from_the_environment_and_never_echoes_it(monkeypatch):
    from typer.testing import CliRunner

    from wirehouse.cli import app

    # the URL is checked before anything else: no Prefect API is needed to refuse it
    monkeypatch.setenv("WIREHOUSE_WATCHES", '[{"name": "strike", "query": "strike"}]')
    runner = CliRunner()
    missing = runner.invoke(app, ["watch", "create", "strike"], env={"WIREHOUSE_WATCH_WEBHOOK": ""})
    assert missing.exit_code == 2 and "WIREHOUSE_WATCH_WEBHOOK" in missing.stderr
    bad = runner.invoke(
        app, ["watch", "create", "strike"], env={"WIREHOUSE_WATCH_WEBHOOK": "hooks/s3cret"}
    )
    assert bad.exit_code == 2 and "http(s) URL" in bad.stderr and "s3cret" not in bad.output
