"""parse_feed on small hand-written documents of every kind a news feed list throws at it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wirehouse.feeds.parse import parse_feed, parse_feed_bytes
from wirehouse.records import Entry, Fetched, FetchKind, ParsedFeed

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


def parse_fixture(
    name: str,
    *,
    content_type: str | None = "application/rss+xml",
    final_url: str | None = None,
) -> ParsedFeed:
    url = f"https://feeds.example.org/{name}"
    fetched = Fetched(
        url=url,
        kind=FetchKind.FEED,
        final_url=final_url or url,
        status=200,
        fetched_at=NOW,
        elapsed_ms=12.0,
        body=(FIXTURES / name).read_bytes(),
        content_type=content_type,
    )
    return parse_feed(fetched)


def by_title(feed: ParsedFeed) -> dict[str | None, Entry]:
    return {e.title: e for e in feed.entries}


def test_rss20() -> None:
    feed = parse_fixture("rss20.xml")
    assert feed.error is None
    assert feed.feed_url == "https://feeds.example.org/rss20.xml"
    assert feed.title == "Example World News"
    assert feed.site_url == "https://news.example.org/world/"
    assert feed.ttl_minutes == 15
    assert [e.title for e in feed.entries] == [
        "Talks resume in Geneva & Vienna",
        "Markets open higher",
        "Guid is the permalink",
    ]
    first, second, third = feed.entries
    assert first.feed_url == feed.feed_url
    assert first.url == "https://news.example.org/world/talks-resume?utm_source=rss&utm_medium=feed"
    assert first.url_key == "https://news.example.org/world/talks-resume"
    assert first.guid == "news-1001"
    assert first.summary == "Delegates met on Monday.\nMore talks follow."
    # markup and script gone, blocks and <br> as line breaks
    assert first.content == (
        "Delegates met on Monday in Geneva.\nFirst point\nSecond point\nClosing line\nafter a break"
    )
    assert first.published_at == datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
    assert first.updated_at is None
    assert first.author == "Jane Reporter"
    assert first.tags == ("World", "Diplomacy")  # repeated category kept once
    assert second.url_key == "https://news.example.org/business/markets?id=42"
    assert second.author == "Business Desk"  # "desk@example.org (Business Desk)"
    assert second.content is None
    # no <link>: the permalink guid is the link; a bare e-mail address is not an author
    assert third.url == "https://news.example.org/world/permalink-story"
    assert third.guid == "https://news.example.org/world/permalink-story"
    assert third.author is None


def test_atom_with_xml_base_and_typed_text() -> None:
    feed = parse_fixture("atom.xml", content_type="application/atom+xml")
    assert feed.error is None
    assert feed.title == "Atom Example"
    assert feed.site_url == "https://atom.example.net/"
    entry, only_updated = feed.entries
    assert entry.url == "https://atom.example.net/blog/2026/03/relative-story"
    assert entry.guid == "tag:atom.example.net,2026:1"
    assert entry.title == "Relative link story"  # type="html" title de-marked
    assert entry.summary == "A plain\ntext summary <not markup>."  # type="text" kept literal
    assert entry.content == "Heading\nFirst paragraph.\nSecond paragraph."
    assert entry.published_at == datetime(2026, 3, 16, 7, 0, tzinfo=UTC)
    assert entry.updated_at == datetime(2026, 3, 16, 16, 15, 30, 500000, tzinfo=UTC)
    assert entry.author == "Ana Autor"
    assert entry.tags == ("Science", "space")
    assert only_updated.url == "https://atom.example.net/root-relative"
    assert only_updated.content == "Escaped & html"
    # an entry with only <updated> uses it as its publication date too
    assert (
        only_updated.published_at
        == only_updated.updated_at
        == datetime(2026, 3, 15, 22, tzinfo=UTC)
    )


_RSS_ITEM = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<channel><title>T</title><link>https://a.example/</link>"
    "<item><title>One</title><link>https://a.example/1</link>{}</item></channel></rss>"
)
_ATOM_ENTRY = (
    '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id>'
    "<updated>2026-03-16T07:00:00Z</updated><entry><title>One</title><id>e1</id>"
    '<link href="https://a.example/1"/><updated>2026-03-16T07:00:00Z</updated>{}</entry></feed>'
)


@pytest.mark.parametrize(
    ("document", "author"),
    [
        (_RSS_ITEM.format("<author>jdoe@example.com (Jane Doe)</author>"), "Jane Doe"),
        (_RSS_ITEM.format("<author>Jane Doe (jdoe@example.com)</author>"), "Jane Doe"),
        (_RSS_ITEM.format("<author>Jane Doe &lt;jdoe@example.com&gt;</author>"), "Jane Doe"),
        (_RSS_ITEM.format("<author>jdoe@example.com</author>"), None),
        (_RSS_ITEM.format("<author>mailto:jdoe@example.com</author>"), None),
        (_RSS_ITEM.format("<dc:creator>Jane Doe</dc:creator>"), "Jane Doe"),
        (
            _RSS_ITEM.format("<dc:creator>Jane Doe</dc:creator><dc:creator>John Roe</dc:creator>"),
            "Jane Doe, John Roe",
        ),
        (_RSS_ITEM.format("<dc:creator>Jane Doe, John Roe</dc:creator>"), "Jane Doe, John Roe"),
        (_ATOM_ENTRY.format("<author><name>Ana Autor</name></author>"), "Ana Autor"),
        (
            _ATOM_ENTRY.format(
                "<author><name>Jane Doe</name><email>j@a.example</email></author>"
                "<author><name>John Roe</name></author>"
                "<author><email>desk@a.example</email></author>"
            ),
            "Jane Doe, John Roe",
        ),
        (_ATOM_ENTRY.format("<author><email>desk@a.example</email></author>"), None),
    ],
    ids=[
        "email-(name)",
        "name-(email)",
        "name-<email>",
        "bare-email",
        "mailto",
        "dc-creator",
        "two-dc-creators",
        "dc-creator-list",
        "atom-name",
        "atom-three-authors",
        "atom-email-only",
    ],
)
def test_author_forms(document: str, author: str | None) -> None:
    feed = parse_feed_bytes(document.encode(), url="https://a.example/feed", now=NOW)
    (entry,) = feed.entries
    assert entry.author == author


def test_rss10_rdf_and_syndication_ttl() -> None:
    feed = parse_fixture("rss10.rdf", content_type="application/rdf+xml")
    assert feed.error is None
    assert feed.title == "RDF Example"
    assert feed.ttl_minutes == 1440  # sy:updatePeriod daily, sy:updateFrequency 1
    a, b = feed.entries
    assert (a.url, a.title, a.author, a.tags) == (
        "https://rdf.example.com/a",
        "First RDF item",
        "Kenji",
        ("Asia",),
    )
    assert a.published_at == datetime(2026, 3, 13, 21, 30, tzinfo=UTC)  # dc:date +09:00
    assert b.published_at == datetime(2026, 3, 14, tzinfo=UTC)  # a day only: midnight UTC


@pytest.mark.parametrize(
    ("period", "frequency", "expected"),
    [
        ("hourly", "1", 60),
        ("daily", "2", 720),
        ("weekly", "", 10080),
        ("daily", "x", 1440),
        ("sometimes", "1", None),
    ],
)
def test_syndication_ttl(period: str, frequency: str, expected: int | None) -> None:
    body = (
        '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>'
        f"<title>t</title><sy:updatePeriod>{period}</sy:updatePeriod>"
        f"<sy:updateFrequency>{frequency}</sy:updateFrequency></channel></rss>"
    ).encode()
    assert parse_feed_bytes(body, url="https://e.org/f", now=NOW).ttl_minutes == expected


def test_ttl_wins_over_syndication_and_nonsense_ttl_is_ignored() -> None:
    def ttl(inner: str) -> int | None:
        body = (
            '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">'
            f"<channel><title>t</title>{inner}</channel></rss>"
        ).encode()
        return parse_feed_bytes(body, url="https://e.org/f", now=NOW).ttl_minutes

    assert ttl("<ttl>30</ttl><sy:updatePeriod>daily</sy:updatePeriod>") == 30
    assert ttl("<ttl>-5</ttl>") is None
    assert ttl("<ttl>soon</ttl>") is None


def test_malformed_feed_keeps_what_was_readable() -> None:
    feed = parse_fixture("malformed.xml", content_type="text/xml")
    assert feed.error is not None
    assert feed.error.startswith("malformed: line 4, column ")
    assert feed.title == "Broken & Co"
    assert [e.url for e in feed.entries][:1] == ["https://broken.example.org/one"]


def test_html_page_served_as_feed() -> None:
    feed = parse_fixture("html_page.html", content_type="text/html; charset=utf-8")
    assert feed.error == "not_a_feed: html page"
    assert feed.entries == ()
    # the page's <title> is not a feed title
    assert feed.title is None


def test_html_page_is_recognised_whatever_the_content_type() -> None:
    feed = parse_fixture("html_page.html", content_type="application/rss+xml")
    assert feed.error == "not_a_feed: html page"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "not_a_feed: empty body"),
        (b"   \n", "not_a_feed: empty body"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
            "not_a_feed: no rss, atom or rdf document",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_feed: no rss, atom or rdf document"),
    ],
)
def test_not_a_feed(body: bytes, error: str) -> None:
    assert parse_feed_bytes(body, url="https://e.org/f", now=NOW).error == error


def test_fetch_without_body() -> None:
    fetched = Fetched(
        url="https://e.org/f",
        kind=FetchKind.FEED,
        final_url="https://e.org/f",
        status=304,
        fetched_at=NOW,
        elapsed_ms=1.0,
    )
    assert parse_feed(fetched).error == "not_a_feed: empty body"


def test_body_that_looks_like_a_file_name_is_not_opened() -> None:
    # feedparser.parse(bytes) would try the bytes as a local path first
    feed = parse_feed_bytes(str(FIXTURES / "rss20.xml").encode(), url="https://e.org/f", now=NOW)
    assert feed.entries == ()
    assert feed.error is not None
    assert feed.error.startswith("not_a_feed")


def test_valid_empty_feed_is_not_an_error() -> None:
    feed = parse_fixture("empty.xml")
    assert feed.error is None
    assert feed.entries == ()
    assert feed.title == "Quiet Desk"


def test_duplicates_and_unusable_links() -> None:
    """A GUID given to two links identifies neither (each is kept by its link, and dedup merges
    an AMP copy by its text or canonical; a CMS that stamps one GUID on every item would
    otherwise lose all but the first); variants of one link are kept for triage to record."""
    feed = parse_fixture("duplicates.xml")
    assert feed.error is None
    assert [e.title for e in feed.entries] == [
        "First copy",
        "Second copy, same guid, other link",
        "Tracked copy of story b",
        "Clean copy of story b",  # same url_key, other link: kept, triage records it as 'url'
        "Story c with an id parameter",
        "Story d, other id",  # ?id=2 is another article
    ]
    # javascript:, mailto:, ftp: and missing links are not entries, but they are counted
    assert feed.unlinked == 4
    assert [e.guid for e in feed.entries[:2]] == [None, None]
    tracked = feed.entries[2]
    assert tracked.url == "https://dupes.example.org/story-b?utm_source=rss&utm_campaign=x#comments"
    assert tracked.url_key == "https://dupes.example.org/story-b"
    assert feed.entries[3].url_key == tracked.url_key


def test_relative_links_resolve_against_the_final_url() -> None:
    feed = parse_fixture(
        "relative_links.xml",
        final_url="https://www.example.org/feeds/news/relative_links.xml",
    )
    assert feed.site_url == "https://www.example.org/"
    assert [e.url for e in feed.entries] == [
        "https://www.example.org/2026/03/root-relative",
        "https://www.example.org/feeds/news/story.html",
        "https://www.example.org/feeds/up/one",
        "https://cdn.example.org/x",
        "https://padded.example.org/story",
    ]
    # the feed keeps its configured URL as identity
    assert {e.feed_url for e in feed.entries} == {"https://feeds.example.org/relative_links.xml"}


def test_odd_and_future_dates() -> None:
    entries = by_title(parse_fixture("dates.xml"))

    def published(title: str) -> datetime | None:
        return entries[title].published_at

    assert published("cest") == datetime(2026, 3, 16, 8, tzinfo=UTC)  # feedparser reads CEST as UTC
    assert published("bst") == datetime(2026, 3, 16, 9, tzinfo=UTC)
    assert published("numeric") == datetime(2026, 3, 16, 15, tzinfo=UTC)
    assert published("no zone") == datetime(2026, 3, 16, 10, tzinfo=UTC)  # read as UTC
    assert published("wrong weekday") == datetime(2026, 3, 16, 10, tzinfo=UTC)
    assert published("iso in rss") == datetime(2026, 3, 16, 4, 30, tzinfo=UTC)
    assert published("iso nanoseconds") == datetime(2026, 3, 16, 10, 0, 0, 123456, tzinfo=UTC)
    assert published("date only") == datetime(2026, 3, 16, tzinfo=UTC)
    assert published("two digit year") == datetime(2026, 3, 16, 15, tzinfo=UTC)
    assert published("garbage") is None
    assert published("impossible") is None
    assert published("future") is None  # year 2100
    assert published("tomorrow-ish") == datetime(2026, 3, 18, 20, tzinfo=UTC)  # within a day
    assert published("two days ahead") is None
    for entry in entries.values():
        for value in (entry.published_at, entry.updated_at):
            assert value is None or value.utcoffset() == timedelta(0)


def test_future_is_measured_from_the_fetch_time() -> None:
    body = (FIXTURES / "dates.xml").read_bytes()
    later = parse_feed_bytes(body, url="https://e.org/f", now=NOW + timedelta(days=3))
    assert by_title(later)["two days ahead"].published_at == datetime(
        2026, 3, 20, 12, 0, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        # Windows-1252 bytes (curly quotes, en dash) in a document declaring UTF-8
        ("cp1252_declared_utf8.xml", "text/xml"),
        ("cp1252_declared_utf8.xml", "application/rss+xml; charset=utf-8"),
        # UTF-8 bytes declared ISO-8859-1, in the document or in the header
        ("utf8_declared_latin1.xml", "text/xml"),
        ("utf8_declared_latin1.xml", "application/xml; charset=ISO-8859-1"),
        ("utf8_declared_latin1.xml", "application/rss+xml; charset=windows-1252"),
        # no XML declaration, no charset, or no Content-Type at all
        ("no_declaration.xml", "application/rss+xml"),
        ("no_declaration.xml", "text/xml"),
        ("no_declaration.xml", None),
    ],
)
def test_wrong_or_missing_charset(name: str, content_type: str | None) -> None:
    feed = parse_fixture(name, content_type=content_type)
    assert feed.error is None
    (entry,) = feed.entries
    assert entry.title == "Café – “naïve” résumé"
    assert entry.summary == "Café – “naïve” résumé"


def test_utf16_feed() -> None:
    feed = parse_fixture("utf16.xml", content_type="application/rss+xml")
    assert feed.error is None
    assert [e.title for e in feed.entries] == ["Grüße aus Köln"]


def test_charset_in_header_wins_for_a_legitimate_latin1_feed() -> None:
    body = (
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Noël</title>'
        "<item><title>Crème brûlée</title><link>https://e.org/a</link></item></channel></rss>"
    ).encode("latin-1")
    feed = parse_feed_bytes(
        body, url="https://e.org/f", content_type="text/xml; charset=iso-8859-1", now=NOW
    )
    assert feed.error is None
    assert feed.title == "Noël"
    assert feed.entries[0].title == "Crème brûlée"


def test_naive_fetch_time_is_read_as_utc() -> None:
    body = (FIXTURES / "dates.xml").read_bytes()
    naive = parse_feed_bytes(body, url="https://e.org/f", now=NOW.replace(tzinfo=None))
    assert by_title(naive)["tomorrow-ish"].published_at is not None
    assert by_title(naive)["two days ahead"].published_at is None


def test_the_channels_title_names_the_outlet_of_its_own_sites_items_only() -> None:
    # an aggregator's channel ("Top stories - Google News") links to other outlets' pages; a
    # feed on a feed host (FeedBurner) names its site in the channel's <link>
    document = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Post</title>'
        "<link>https://www.harbourpost.com/</link>"
        "<item><title>Own</title><link>https://www.harbourpost.com/a</link></item>"
        "<item><title>Linked</title><link>https://www.victim-news.com/b</link></item>"
        "</channel></rss>"
    )
    feed = parse_feed_bytes(document.encode(), url="https://feeds.feedburner.com/hp", now=NOW)
    assert [(e.title, e.feed_title) for e in feed.entries] == [
        ("Own", "Harbour Post"),
        ("Linked", None),
    ]
