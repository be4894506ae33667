from datetime import timedelta

import duckdb

from tests.factories import NOW, article
from wirehouse.dedup.exact import decide_exact
from wirehouse.warehouse.articles import load_batch
from wirehouse.warehouse.connection import transaction
from wirehouse.warehouse.digest import digest_data, render_digest, write_digest
from wirehouse.warehouse.migrate import migrate


def load(con, articles, stories):
    decisions = decide_exact(articles, by_canonical={}, by_hash={}, refetched={})
    with transaction(con):
        load_batch(con, "r", decisions, now=NOW)
        for d, story in zip(decisions, stories, strict=True):
            con.execute(
                "UPDATE articles SET story_id = ? WHERE article_id = ?", [story, d.article_id]
            )


def test_the_digest_ranks_stories_by_outlets_and_draws_a_bar_per_outlet_and_hour(tmp_path):
    db = tmp_path / "w.duckdb"
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


def test_titles_and_urls_are_escaped():
    from wirehouse.warehouse.digest import Digest, DigestStory

    story = DigestStory("<script>x</script>", NOW, NOW, 1, 1, ("A&B",), ("http://a.test/?q=<b>",))
    page = render_digest(Digest(NOW, NOW, (story,), (("A&B", 3, 1),)))
    assert "<script>x" not in page and "&lt;script&gt;" in page and "A&amp;B" in page
