import re
from datetime import timedelta
from pathlib import Path

import duckdb

from tests.factories import NOW, article
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.warehouse.articles import load_batch
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.digest import digest_data, render_digest, write_digest
from wirehouse.warehouse.migrate import migrate

LEAD = DedupSettings().claimed_lead


def load(con, articles, stories):
    decisions = decide_exact(articles, by_url={}, by_claim={}, by_hash={}, refetched={}, lead=LEAD)
    with transaction(con):
        load_batch(con, "r", decisions, now=NOW)
        for d, story in zip(decisions, stories, strict=True):
            con.execute(
                "UPDATE articles SET story_id = ? WHERE article_id = ?", [story, d.article_id]
            )


def strike_and_choir(db: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse with two stories: a port strike at two outlets, a choir at one."""
    con = duckdb.connect(str(db))
    migrate(con)
    load(
        con,
        [
            article("http://a.test/strike", "Dockers walk out at the port"),
            article("http://b.test/strike", "The port strike strands ships"),
            article("http://c.test/choir", "A choir turns one hundred"),
        ],
        ["s-strike", "s-strike", "s-choir"],
    )
    return con


def test_the_digest_ranks_stories_by_outlets_and_draws_a_bar_per_outlet_and_hour(tmp_path):
    db = tmp_path / "w.duckdb"
    con = strike_and_choir(db)
    data = digest_data(con, now=NOW + timedelta(hours=1))
    assert [s.outlets for s in data.stories] == [2, 1]
    assert data.stories[0].title.startswith("Title of http://")
    page = render_digest(data)
    assert page.count('class="bar"') == len(data.hourly) == 3
    assert "http://b.test/strike" in page and "2 outlet(s)" in page
    path = write_digest(con, db, now=NOW + timedelta(hours=1))
    assert path == tmp_path / "digest.html" and path.read_text(encoding="utf-8") == page
    assert digest_data(con, now=NOW + timedelta(hours=48)).stories == ()
    con.close()


def test_an_outlet_is_one_host_however_its_urls_spell_it(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    load(
        con,
        [
            article("http://www.a.test/strike", "Dockers walk out at the port"),
            article("http://A.test/strike-2", "The port strike strands ships"),
        ],
        ["s-strike", "s-strike"],
    )
    con.execute("UPDATE articles SET sitename = ' '")  # a blank site name names no outlet
    data = digest_data(con, now=NOW + timedelta(hours=1))
    assert [(s.outlets, s.outlet_names) for s in data.stories] == [(1, ("a.test",))]
    assert {o for o, _, _ in data.hourly} == {"a.test"}
    con.close()


def test_titles_and_urls_are_escaped():
    from wirehouse.warehouse.digest import Digest, DigestStory

    story = DigestStory("<script>x</script>", NOW, NOW, 1, 1, ("A&B",), ("http://a.test/?q=<b>",))
    page = render_digest(Digest(NOW, NOW, (story,), (("A&B", 3, 1),)))
    assert "<script>x" not in page and "&lt;script&gt;" in page and "A&amp;B" in page


def test_each_story_lists_outlet_headline_links_its_watch_hits_updates_and_waiting_pages(
    tmp_path,
):
    from wirehouse.warehouse.arrow import insert_new, table
    from wirehouse.warehouse.watches import HITS_SCHEMA

    con = strike_and_choir(tmp_path / "w.duckdb")
    con.execute("UPDATE articles SET sitename = 'The A Times' WHERE url = 'http://a.test/strike'")
    ids = dict(con.execute("SELECT url, article_id FROM articles").fetchall())
    # the A Times' text, republished at another host: a URL of the same article
    con.execute(
        "INSERT INTO article_urls (url, url_key, feed_url, article_id, match_kind, seen_at)"
        " VALUES ('http://d.test/wire/strike', 'd.test/wire/strike', 'http://d.test/f', ?,"
        " 'exact', ?)",
        [ids["http://a.test/strike"], NOW],
    )
    con.execute("INSERT INTO feeds (feed_url, name) VALUES ('http://d.test/f', 'D News')")
    # the B story was corrected an hour after the previous digest: version 2
    con.execute(
        "INSERT INTO article_versions (article_id, version, title, text, content_hash,"
        " body_source, fetched_at) VALUES (?, 2, 'Corrected', 'The port strike, corrected',"
        " 'h2', 'page', ?)",
        [ids["http://b.test/strike"], NOW + timedelta(hours=2)],
    )
    con.execute(
        "UPDATE articles SET version = 2 WHERE article_id = ?", [ids["http://b.test/strike"]]
    )
    # the choir page is not fetched yet: no text, pending
    con.execute(
        "UPDATE articles SET text = NULL, content_hash = NULL, status = 'pending'"
        " WHERE article_id = ?",
        [ids["http://c.test/choir"]],
    )
    insert_new(
        con,
        "watch_hits",
        table(
            HITS_SCHEMA,
            [("strike", "s-strike", "r", NOW, "t", ["a.test", "b.test"], 2, "e")],
        ),
        key=("watch", "story_id"),
    )

    data = digest_data(con, now=NOW + timedelta(hours=3), previous=NOW + timedelta(hours=1))
    strike, choir = data.stories
    # both published at NOW: listed in id order, compared in outlet order
    assert sorted((a.outlet, a.url, a.updates, a.copies) for a in strike.items) == [
        ("The A Times", "http://a.test/strike", 0, (("D News", "http://d.test/wire/strike"),)),
        ("b.test", "http://b.test/strike", 1, ()),
    ]
    assert strike.watch_hits == (("strike", NOW),) and strike.updates == 1
    assert choir.items[0].status == "pending" and choir.watch_hits == ()
    page = render_digest(data)
    assert '<a href="http://a.test/strike">The A Times — Title of http://a.test/strike</a>' in page
    assert 'also at <a href="http://d.test/wire/strike">D News</a>' in page
    assert "Watch hits: strike (2026-03-18 12:00)" in page
    assert "1 new version(s) since the last digest" in page and "updated: version 2" in page
    assert '<span class="status">pending</span>' in page

    # with no earlier digest, the whole period's updates are new; an hour later none are
    assert digest_data(con, now=NOW + timedelta(hours=3)).stories[0].updates == 1
    later = digest_data(
        con, now=NOW + timedelta(hours=3), previous=NOW + timedelta(hours=2, minutes=1)
    )
    assert later.stories[0].updates == 0
    con.close()


def test_write_digest_counts_updates_since_the_digest_it_replaces(tmp_path):
    import os

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    load(con, [article("http://a.test/x", "Some text here")], ["s"])
    [(article_id,)] = con.execute("SELECT article_id FROM articles").fetchall()
    con.execute(
        "INSERT INTO article_versions (article_id, version, title, text, content_hash,"
        " body_source, fetched_at) VALUES (?, 2, 'T', 'New text', 'h2', 'page', ?)",
        [article_id, NOW + timedelta(minutes=30)],
    )
    path = write_digest(con, tmp_path / "w.duckdb", now=NOW + timedelta(hours=1))
    assert "1 new version(s)" in path.read_text(encoding="utf-8")
    # the earlier digest was written after that update: it is not new any more
    stamp = (NOW + timedelta(minutes=45)).timestamp()
    os.utime(path, (stamp, stamp))
    path = write_digest(con, tmp_path / "w.duckdb", now=NOW + timedelta(hours=1))
    assert "new version(s)" not in path.read_text(encoding="utf-8")
    con.close()


HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:x",
    "file:///etc/passwd",
    "//evil.test/x",
    "http://[::1",  # unparseable
]


def test_only_http_links_become_hrefs_and_every_field_is_escaped():
    from wirehouse.warehouse.digest import Digest, DigestArticle, DigestStory

    items = tuple(
        DigestArticle(
            outlet='<img src=x onerror="a()">',
            title=f'<b>"{i}"</b> & co',
            url=url,
            published=NOW,
            status="page_failed:<script>",
            version=2,
            updates=1,
            copies=((f"<b>{i}</b>", url), ("c", 'http://c.test/"><script>x</script>')),
        )
        for i, url in enumerate([*HOSTILE, 'http://ok.test/a?b=1&c="2"<x>'])
    )
    story = DigestStory(
        "<script>t</script>",
        NOW,
        NOW,
        len(items),
        1,
        ("A&B",),
        (),
        False,
        items,
        (("<i>w</i>", NOW),),
    )
    page = render_digest(Digest(NOW, NOW, (story,), (("A&B", 3, 1),)))
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    assert 'href="http://ok.test/a?b=1&amp;c=&quot;2&quot;&lt;x&gt;"' in page
    assert 'href="http://c.test/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in page
    for raw in ("<script>", "<img", "<b>", "<i>w", 'onerror="'):
        assert raw not in page
    assert "&lt;script&gt;t&lt;/script&gt;" in page and "&lt;i&gt;w&lt;/i&gt;" in page
