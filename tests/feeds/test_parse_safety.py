"""Hostile feed documents: entity expansion, arbitrary bytes. Parsing must stay small and fast."""

from __future__ import annotations

import pyexpat
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.feeds.xmlsafe import strip_dtd
from wirehouse.records import ParsedFeed

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
LOL_ENTITIES = '<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)
FEED_BODY = (
    '<rss version="2.0"><channel><title>&lol9;</title><link>https://laughs.example.org/</link>'
    "<item><title>&lol9;</title><link>https://laughs.example.org/a</link>"
    "<description>&lol9;</description></item></channel></rss>"
)


def longest_text(feed: ParsedFeed) -> int:
    texts = [feed.title, feed.site_url]
    for e in feed.entries:
        texts += [e.url, e.title, e.summary, e.content, e.author, e.guid, *e.tags]
    return max(len(t) for t in texts if t is not None) if any(texts) else 0


def timed_parse(
    body: bytes, content_type: str | None = "application/rss+xml"
) -> tuple[ParsedFeed, float]:
    start = time.perf_counter()
    feed = parse_feed_bytes(
        body, url="https://laughs.example.org/feed", content_type=content_type, now=NOW
    )
    return feed, time.perf_counter() - start


@pytest.mark.parametrize("name", ["billion_laughs.xml", "billion_laughs_oneline.xml"])
def test_billion_laughs_fixture_is_not_expanded(name: str) -> None:
    feed, seconds = timed_parse((FIXTURES / name).read_bytes())
    assert seconds < 1.0
    assert longest_text(feed) < 100  # &lol9; would be 3,000,000,000 characters
    assert feed.error is not None
    assert feed.error.startswith("malformed: ")
    assert [e.url for e in feed.entries] == ["https://laughs.example.org/a"]


def test_padded_billion_laughs_is_not_expanded() -> None:
    # Padding raises expat's amplification ceiling (100x the input read so far): without the
    # DTD cut this document takes ~45 s and ~2 GB in feedparser. It stays under a 5 MB feed cap.
    padding = "<!-- " + "x" * 4_000_000 + " -->"
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{LOL_ENTITIES}]>{padding}{FEED_BODY}'.encode()
    feed, seconds = timed_parse(body)
    assert seconds < 3.0
    assert longest_text(feed) < 100


def test_quadratic_blowup_is_not_expanded() -> None:
    # one large literal entity referenced many times: "safe" to feedparser, which would
    # re-declare it and let its fallback parser expand it 3000 times (3 GB)
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + "B" * 1_000_000 + '">\n]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        "<link>https://e.org/a</link><description>"
        + "&big;" * 3000
        + "</description></item></channel></rss>"
    ).encode()
    feed, seconds = timed_parse(body)
    assert seconds < 3.0
    assert longest_text(feed) < len(body)
    assert "B" * 1000 not in (feed.entries[0].summary or "")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_billion_laughs_in_wide_encodings(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [{LOL_ENTITIES}]>{FEED_BODY}'
    feed, seconds = timed_parse(
        text.encode(encoding), content_type=f"application/xml; charset={encoding}"
    )
    assert seconds < 1.0
    assert longest_text(feed) < 100


def test_dtd_hidden_in_a_comment_is_not_reinstated() -> None:
    # feedparser's own DOCTYPE handling is a line regex that does not know about comments
    body = (
        '<?xml version="1.0"?>\n<!--\n<!DOCTYPE rss [\n<!ENTITY big "'
        + "B" * 200_000
        + '">\n]>\n-->\n'
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        "<link>https://e.org/a</link><description>"
        + "&big;" * 500
        + "</description></item></channel></rss>"
    ).encode()
    feed, _ = timed_parse(body)
    assert longest_text(feed) < 10_000


def test_expat_has_its_own_amplification_limit() -> None:
    # the second line of defence if a DTD ever got through: expat >= 2.4.0
    version = tuple(int(p) for p in pyexpat.EXPAT_VERSION.removeprefix("expat_").split("."))
    assert version >= (2, 4, 0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<?xml version='1.0'?><rss/>", b"<?xml version='1.0'?><rss/>"),
        (b'<!DOCTYPE rss PUBLIC "-//x//EN" "http://x/rss.dtd"><rss/>', b"<rss/>"),
        (b'<!DOCTYPE rss [<!ENTITY a "]>">]><rss>&a;</rss>', b"<rss>&a;</rss>"),
        (b"<!-- c --><!doctype rss [<!-- ]> -->]>\n<rss/>", b"<!-- c -->\n<rss/>"),
        (b'<!ENTITY a "x"><rss/>', b"<rss/>"),
        (b"<rss><![CDATA[<!DOCTYPE html>]]></rss>", b"<rss><![CDATA[<!DOCTYPE html>]]></rss>"),
        (b"<!DOC<!ENTITY x 'y'>TYPE r [<!ENTITY a 'b'>]><r/>", b"<r/>"),
    ],
)
def test_strip_dtd(body: bytes, expected: bytes) -> None:
    assert strip_dtd(body) == expected


def test_strip_dtd_is_linear_on_unterminated_constructs() -> None:
    for tail in (b"<!--" * 500_000, b'"' + b"[" * 2_000_000, b"<?" * 500_000):
        start = time.perf_counter()
        strip_dtd(b"<?xml version='1.0'?><!DOCTYPE rss [" + tail)
        assert time.perf_counter() - start < 1.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=2000),
    st.sampled_from(
        [
            None,
            "application/xml",
            "text/html",
            "text/xml; charset=utf-16",
            "application/rss+xml; charset=bogus",
        ]
    ),
)
def test_parse_never_raises_on_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    feed = parse_feed_bytes(body, url="https://e.org/f", content_type=content_type, now=NOW)
    assert feed.feed_url == "https://e.org/f"
    if feed.error is None:
        assert all(e.url.startswith(("http://", "https://")) for e in feed.entries)


_NOISE = st.sampled_from(
    [
        "]>",
        ">",
        "]",
        "[",
        '"',
        "'",
        "<!--",
        "-->",
        "<?pi ",
        "?>",
        "<",
        "<!DOCTYPE x [",
        "<!ENTITY e 'x'>",
    ]
)
_SEPARATORS = st.sampled_from(["", " ", "\n", "\n  "])
_ATTACK = [
    "<!DOCTYPE rss [",
    '<!ENTITY a "aaaaaaaaaa">',
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">',
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">',
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">',
    "]>",
    "<rss version='2.0'><channel><title>&d;</title><item><title>&d;</title>"
    "<link>https://e.org/a</link><description>&d;</description></item></channel></rss>",
]


@st.composite
def _entity_attacks(draw: st.DrawFn) -> str:
    """An entity-expansion document, its layout varied and noise spliced in anywhere."""
    parts = [draw(st.sampled_from(["", "<?xml version='1.0'?>", "<!-- c -->"]))]
    for piece in _ATTACK:
        parts += [draw(_SEPARATORS), piece]
    for _ in range(draw(st.integers(0, 3))):
        parts.insert(draw(st.integers(0, len(parts))), draw(_NOISE))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_entity_attacks(), st.sampled_from(["utf-8", "utf-16"]))
def test_no_arrangement_of_declarations_expands_entities(document: str, encoding: str) -> None:
    body = document.encode(encoding)
    feed = parse_feed_bytes(
        body, url="https://e.org/f", content_type=f"application/xml; charset={encoding}", now=NOW
    )
    # &d; is 10,000 characters: any expansion would exceed the document itself
    assert longest_text(feed) <= len(document)


_FIELD = st.text(max_size=80)
_LINK = st.one_of(
    _FIELD, _FIELD.map(lambda s: "https://e.org/" + s), _FIELD.map(lambda s: "http://" + s)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_FIELD, _LINK, _FIELD, _FIELD, _FIELD), max_size=5))
def test_parse_never_raises_on_arbitrary_field_values(items: list[tuple[str, ...]]) -> None:
    """Well-formed feeds with anything in their fields: links, dates, markup, control characters."""

    def cdata(text: str) -> str:
        return "<![CDATA[" + text.replace("]]>", "") + "]]>"

    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(g)}</guid>"
        f"<pubDate>{escape(d)}</pubDate><description>{cdata(s)}</description></item>"
        for t, link, g, d, s in items
    )
    document = f'<rss version="2.0"><channel><title>t</title>{body}</channel></rss>'
    feed = parse_feed_bytes(
        document.encode("utf-8", "surrogatepass"), url="https://e.org/f", now=NOW
    )
    for entry in feed.entries:
        assert entry.url.startswith(("http://", "https://"))
        assert entry.url_key.startswith(("http://", "https://"))
        assert entry.published_at is None or entry.published_at.tzinfo is not None
