"""Fuzzing the two parsers that read other people's bytes: feeds and article pages.

Whatever arrives, both return a value (`ParsedFeed`; `Extracted` or `Rejected`) and never raise.
`extract_page` catches everything into `Rejected("extract_error")`, so the page tests also
assert that reason never shows up: a caught crash is still a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.page import extract_page
from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.records import Extracted, ParsedFeed, Rejected

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
FEED_URL = "https://fuzz.example.org/feed.xml"
PAGE_URL = "https://fuzz.example.org/news/a-story"
EXTRACT = ExtractSettings(workers=1, min_text_chars=20)
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# --- feeds ------------------------------------------------------------------------------------

TEXTS = st.sampled_from(
    [
        "",
        "Harbour strike",
        "a &amp; b",
        "&lt;b&gt;bold&lt;/b&gt;",
        "<![CDATA[<p>cdata <b>html</b></p>]]>",
        "&#0;",
        "&#x110000;",
        "&undefined;",
        "\u202e\ufeff\u0000",
        "ünïcödé – “quotes”",
        "x" * 5000,
        "<p>unclosed",
    ]
)
LINKS = st.sampled_from(
    [
        "https://fuzz.example.org/a",
        "/relative/path",
        "relative",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "http://[::1",
        "http://exa mple.org/",
        "https://fuzz.example.org/a?utm_source=x#frag",
        "",
        "mailto:x@example.org",
        "//fuzz.example.org/proto-relative",
    ]
)
DATES = st.sampled_from(
    [
        "Wed, 18 Mar 2026 10:00:00 GMT",
        "2026-03-18T10:00:00+02:00",
        "9999-12-31T23:59:59Z",
        "0000-00-00",
        "yesterday",
        "Thu, 31 Feb 2026 25:61:61 +9999",
        "",
        "1970-01-01T00:00:00Z",
    ]
)


@st.composite
def rss_items(draw: st.DrawFn) -> str:
    parts = [
        f"<title>{draw(TEXTS)}</title>",
        f"<link>{draw(LINKS)}</link>",
        f"<guid>{draw(st.one_of(LINKS, TEXTS))}</guid>",
        f"<description>{draw(TEXTS)}</description>",
        f"<pubDate>{draw(DATES)}</pubDate>",
        f"<category>{draw(TEXTS)}</category>",
        f"<author>{draw(TEXTS)}</author>",
        f'<enclosure url="{draw(LINKS)}" type="audio/mpeg"/>',
    ]
    chosen = draw(st.lists(st.sampled_from(parts), max_size=8))
    return "<item>" + "".join(chosen) + "</item>"


@st.composite
def atom_entries(draw: st.DrawFn) -> str:
    parts = [
        f'<title type="{draw(st.sampled_from(["text", "html", "xhtml", "bogus"]))}">'
        f"{draw(TEXTS)}</title>",
        f'<link rel="{draw(st.sampled_from(["alternate", "self", "x"]))}" href="{draw(LINKS)}"/>',
        f"<id>{draw(LINKS)}</id>",
        f"<updated>{draw(DATES)}</updated>",
        f"<published>{draw(DATES)}</published>",
        f'<content type="html">{draw(TEXTS)}</content>',
        f"<summary>{draw(TEXTS)}</summary>",
        f"<author><name>{draw(TEXTS)}</name></author>",
    ]
    chosen = draw(st.lists(st.sampled_from(parts), max_size=8))
    return "<entry>" + "".join(chosen) + "</entry>"


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    prolog = draw(
        st.sampled_from(
            [
                "",
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="iso-8859-1"?>',
                '<?xml version="1.0" encoding="no-such-codec"?>',
                '<?xml version="1.0" encoding="utf-16"?>',
                '<!DOCTYPE rss [<!ENTITY e "entity">]>',
                '<!DOCTYPE rss SYSTEM "file:///etc/passwd">',
            ]
        )
    )
    if draw(st.booleans()):
        items = "".join(draw(st.lists(rss_items(), max_size=6)))
        ttl = draw(st.sampled_from(["", "<ttl>60</ttl>", "<ttl>-5</ttl>", "<ttl>1e999</ttl>"]))
        doc = (
            f'{prolog}<rss version="2.0"><channel><title>{draw(TEXTS)}</title>'
            f"<link>{draw(LINKS)}</link>{ttl}{items}</channel></rss>"
        )
    else:
        entries = "".join(draw(st.lists(atom_entries(), max_size=6)))
        doc = (
            f'{prolog}<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{draw(LINKS)}">'
            f"<title>{draw(TEXTS)}</title>{entries}</feed>"
        )
    if draw(st.booleans()):  # truncate: a connection that dropped mid-document
        doc = doc[: draw(st.integers(0, len(doc)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
    return doc.encode(encoding, errors="replace")


CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/rss+xml",
        "application/atom+xml; charset=utf-8",
        "text/xml; charset=latin-1",
        "text/html",
        "application/octet-stream",
        "text/xml; charset=bogus-charset",
        "application/xml; charset=",
    ]
)


def check_feed(parsed: object) -> None:
    assert isinstance(parsed, ParsedFeed)
    assert parsed.feed_url == FEED_URL
    for entry in parsed.entries:
        assert urlsplit(entry.url).scheme in ("http", "https"), entry.url
        assert entry.url_key
        for when in (entry.published_at, entry.updated_at):
            assert when is None or (when.tzinfo is not None and when <= NOW)
    assert parsed.error is None or parsed.error.strip()


@FUZZ
@given(body=st.binary(max_size=4096), content_type=CONTENT_TYPES)
def test_any_bytes_parse_to_a_feed_value_and_never_raise(body, content_type):
    check_feed(parse_feed_bytes(body, url=FEED_URL, content_type=content_type, now=NOW))


@FUZZ
@given(body=feed_documents(), content_type=CONTENT_TYPES)
def test_random_feed_documents_parse_to_http_entries_and_never_raise(body, content_type):
    check_feed(parse_feed_bytes(body, url=FEED_URL, content_type=content_type, now=NOW))


# --- pages ------------------------------------------------------------------------------------

PROSE = (
    "The harbour authority said on Tuesday that the strike would continue until the ballot. "
    "Dock workers gathered at the gates before dawn, and the ferry service was suspended. "
)
FRAGMENTS = st.sampled_from(
    [
        "<html>",
        "</html>",
        '<html lang="xx-\u0000">',
        "<head>",
        "</head>",
        "<title>A headline</title>",
        '<meta charset="utf-16">',
        '<meta http-equiv="Content-Type" content="text/html; charset=x-bogus">',
        '<meta property="article:published_time" content="2026-13-45T99:99:99Z">',
        '<meta name="date" content="9999-12-31">',
        '<link rel="canonical" href="http://[::1">',
        '<link rel="canonical" href="javascript:alert(1)">',
        '<base href="file:///etc/">',
        "<body>",
        "</body>",
        "<article>",
        "</article>",
        f"<p>{PROSE}</p>",
        f"<div><p>{PROSE * 3}</p></div>",
        "<p>",
        "</p>",
        "<div>" * 50,
        "</div>" * 50,
        "<table><tr><td>cell</td></tr></table>",
        "<script>var x = '</p>';</script>",
        "<style>p { color: red }</style>",
        "<!-- comment -->",
        "<!--",
        "<![CDATA[ x ]]>",
        '<time datetime="2026-03-18T10:00:00+02:00">18 March</time>',
        '<time datetime="garbage">never</time>',
        "<svg><foreignObject><p>inside svg</p></foreignObject></svg>",
        "<math><mi>x</mi></math>",
        '<img src="data:image/png;base64,AAAA">',
        "<noscript><p>noscript</p></noscript>",
        "<template><p>template</p></template>",
        "<iframe srcdoc='<p>x</p>'></iframe>",
        "&nbsp;&amp;&#0;&#xD800;&bogus;",
        "\x00\x01\x02",
        "\ufeff",
        "<?xml version='1.0'?>",
        "<!DOCTYPE html>",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
        "<h1>Headline</h1>",
        "<ul><li>one<li>two</ul>",
        "<pre>  spaced\n\ttext  </pre>",
        '<a href="/relative">link</a>',
        "<br/>" * 20,
    ]
)


@st.composite
def html_documents(draw: st.DrawFn) -> bytes:
    doc = "".join(draw(st.lists(FRAGMENTS, max_size=40)))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
    return doc.encode(encoding, errors="replace")


def check_page(result: object) -> None:
    assert isinstance(result, Extracted | Rejected)
    if isinstance(result, Rejected):
        assert result.reason != "extract_error", result.detail
    else:
        assert result.text.strip()


@FUZZ
@given(body=st.binary(max_size=4096))
def test_any_bytes_extract_to_an_article_or_a_rejection_without_crashing(body):
    check_page(extract_page(body, PAGE_URL, settings=EXTRACT))


@FUZZ
@given(body=html_documents())
def test_random_html_extracts_to_an_article_or_a_rejection_without_crashing(body):
    check_page(extract_page(body, PAGE_URL, settings=EXTRACT))


# --- regressions found by the fuzzer ----------------------------------------------------------


def test_a_malformed_canonical_url_does_not_cost_the_article():
    # found by test_random_html_...: urljoin raises ValueError("Invalid IPv6 URL") on this href
    # (wirehouse/extractors/page.py, canonical_url), and the whole page became extract_error
    body = f'<link rel="canonical" href="http://[::1"><p>{PROSE}</p>'.encode()
    result = extract_page(body, PAGE_URL, settings=EXTRACT)
    assert isinstance(result, Extracted), result
    assert result.canonical_url is None


def test_a_malformed_og_url_does_not_cost_the_article():
    body = f'<meta property="og:url" content="https://[bad"><p>{PROSE}</p>'.encode()
    result = extract_page(body, PAGE_URL, settings=EXTRACT)
    assert isinstance(result, Extracted), result
