"""The headline and the outlet's name come from evidence, never from a guessed <title> segment.

Regression tests: a page titled "Headline - Outlet" with og:title and no
og:site_name was stored with title = Outlet and sitename = Headline.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement

from devkit.evals.titles import evaluate
from devkit.evals.titles_corpus import FEEDS, OUTLETS, PATTERNS, TEMPLATES
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors import metadata
from wirehouse.extractors.article import article_from_feed, build_article
from wirehouse.extractors.fingerprint import normalise_text
from wirehouse.extractors.loading import parse_html
from wirehouse.extractors.page import extract_page
from wirehouse.feeds.parse import parse_feed_bytes
from wirehouse.records import Article, Entry, Extracted, Page

SETTINGS = ExtractSettings(workers=1)
FETCHED_AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
URL = "https://www.valleytimes.example/news/2026/03/04/grain-elevator-fire"
HEADLINE = "Grain elevator fire closes Route 9 for two days"
BODY = "".join(
    f"<p>Paragraph {i}: crews from three towns fought the fire at the grain elevator until "
    "late on Tuesday night, and the road stays closed while engineers check the silo.</p>"
    for i in range(8)
)


def page_html(head: str, body: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body or f'<article><h1>{HEADLINE}</h1>{BODY}</article>'}</body></html>"
    ).encode()


def stored(
    html: bytes,
    *,
    entry_title: str | None = HEADLINE,
    channel: str | None = None,
    url: str = URL,
) -> Article:
    """The article wirehouse would store for this page and feed entry."""
    extracted = extract_page(html, url, settings=SETTINGS)
    assert isinstance(extracted, Extracted), extracted
    entry = Entry(
        feed_url="https://www.valleytimes.example/feed/",
        url=url,
        url_key=url,
        guid=None,
        title=entry_title,
        feed_title=channel,
    )
    return build_article(Page(entry, url, html, "text/html", FETCHED_AT), extracted)


# --------------------------------------------------------------------------- the reported bug


@pytest.mark.parametrize("entry_title", [HEADLINE, None], ids=["with-feed-title", "without"])
def test_headline_dash_outlet_with_og_title_and_no_site_name_is_not_swapped(entry_title):
    html = page_html(
        f"<title>{HEADLINE} - The Valley Times</title>"
        f'<meta property="og:title" content="{HEADLINE}">'
    )
    article = stored(html, entry_title=entry_title)
    assert article.title == HEADLINE
    assert article.sitename == "The Valley Times"  # the <title> segment across the headline
    assert article.sitename != article.title


def test_the_page_alone_gives_the_same_answer():
    html = page_html(
        f"<title>{HEADLINE} - The Valley Times</title>"
        f'<meta property="og:title" content="{HEADLINE}">'
    )
    extracted = extract_page(html, URL, settings=SETTINGS)
    assert isinstance(extracted, Extracted)
    assert (extracted.title, extracted.title_source) == (HEADLINE, "og:title")
    assert (extracted.sitename, extracted.sitename_source) == ("The Valley Times", "title-tag")


# --------------------------------------------------------------------------- the outlet


@pytest.mark.parametrize(
    ("head", "channel", "outlet", "source"),
    [
        (
            '<meta property="og:site_name" content="Valley Times Online">',
            "VT",
            "Valley Times Online",
            "og:site_name",
        ),
        (
            '<meta property="\nOG:Site_Name " content="Valley Times Online">',
            "VT",
            "Valley Times Online",
            "og:site_name",
        ),
        (
            '<meta property=" " name="og:site_name" content="Valley Times Online">',
            "VT",
            "Valley Times Online",
            "og:site_name",
        ),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x",'
            ' "publisher": {"@type": "Organization", "name": "The Valley Times"}}</script>',
            "VT",
            "The Valley Times",
            "json-ld",
        ),
        (
            '<meta name="application-name" content="Valley Times App">',
            "VT",
            "Valley Times App",
            "application-name",
        ),
        ("", "The Valley Times » Local News", "The Valley Times", "feed"),
        ("", None, "The Valley Times", "title-tag"),
    ],
    ids=[
        "og-site-name",
        "og-site-name-spaced-and-cased",
        "og-site-name-in-name",
        "json-ld",
        "application-name",
        "channel-title",
        "title-leftover",
    ],
)
def test_the_outlet_comes_from_the_best_evidence(head, channel, outlet, source):
    html = page_html(f"<title>{HEADLINE} | The Valley Times</title>{head}")
    article = stored(html, channel=channel)
    assert (article.sitename, article.sitename_source) == (outlet, source)
    assert article.title == HEADLINE


def test_without_any_evidence_the_outlet_is_the_host_without_www():
    article = stored(page_html(f"<title>{HEADLINE}</title>"))
    assert (article.sitename, article.sitename_source) == ("valleytimes.example", "host")


def test_a_logo_in_the_h1_is_not_the_headline():
    html = page_html(
        f'<title>{HEADLINE} - The Valley Times</title><meta property="og:title" '
        f'content="{HEADLINE} - The Valley Times">',
        f'<header><h1 class="logo">The Valley Times</h1></header><div><h2>{HEADLINE}</h2>'
        f"{BODY}</div>",
    )
    article = stored(html, entry_title=None, channel="The Valley Times")
    assert (article.title, article.sitename) == (HEADLINE, "The Valley Times")


# an outlet whose host does not spell its name: nothing but the page tells them apart
OTHER_HOST = "https://hp-news.example/news/2026/03/04/grain-elevator-fire"
HP_TITLE = f"<title>{HEADLINE} | Harbour Post</title>"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        # a logo in the masthead's <h1>, the headline in an <h2>
        (HP_TITLE, f"<header><h1>Harbour Post</h1></header><div><h2>{HEADLINE}</h2>{BODY}</div>"),
        (HP_TITLE, f'<div class="site-logo"><h1>Harbour Post</h1></div><div>{BODY}</div>'),
        # an og:title left at the outlet's name, as a CMS's site-wide default
        (
            HP_TITLE + '<meta property="og:title" content="Harbour Post">',
            f"<article><h1>{HEADLINE}</h1>{BODY}</article>",
        ),
    ],
    ids=["header-h1", "logo-box-h1", "og-title-is-outlet"],
)
def test_the_outlets_name_in_the_masthead_or_a_default_is_not_the_headline(head, body):
    article = stored(page_html(head, body), entry_title=None, url=OTHER_HOST)
    assert (article.title, article.sitename) == (HEADLINE, "Harbour Post")


def test_a_masthead_h1_that_the_title_confirms_is_the_headline():
    html = page_html(
        f"<title>{HEADLINE} | Harbour Post</title>", f"<header><h1>{HEADLINE}</h1></header>{BODY}"
    )
    article = stored(html, entry_title=None, url=OTHER_HOST)
    assert (article.title, article.title_source) == (HEADLINE, "h1")


@pytest.mark.parametrize(
    ("outlet", "host"),
    [
        ("The Guardian", "www.theguardian.com"),
        ("CNN", "edition.cnn.com"),
        ("BBC News", "news.bbc.co.uk"),
        ("El País", "elpais.com"),
        ("DER SPIEGEL", "www.spiegel.de"),
        ("Le Monde", "www.lemonde.fr"),
    ],
)
def test_a_host_spells_its_outlets_name_its_own_way(outlet, host):
    # no og:site_name: the host is what tells the outlet's segment from the headline
    url = f"https://{host}/2026/03/04/grain-elevator-fire"
    for og_title in (f"{HEADLINE} - {outlet}", outlet):
        html = page_html(
            f'<title>{HEADLINE} - {outlet}</title><meta property="og:title" content="{og_title}">'
        )
        article = stored(html, entry_title=None, url=url)
        assert (article.title, article.sitename) == (HEADLINE, outlet), og_title


def test_an_aggregators_headline_dash_outlet_is_confirmed_by_the_pages_headline():
    html = page_html(HP_TITLE + f'<meta property="og:title" content="{HEADLINE}">')
    article = stored(html, entry_title=f"{HEADLINE} - Harbour Post", url=OTHER_HOST)
    assert (article.title, article.sitename) == (HEADLINE, "Harbour Post")


@pytest.mark.parametrize(
    "channel",
    ["Politics – The Valley Times", "Politics | The Valley Times", "Local » The Valley Times"],
)
def test_a_section_feeds_channel_title_gives_the_outlet_the_host_spells(channel):
    html = page_html(f"<title>{HEADLINE}</title>")
    assert stored(html, channel=channel).sitename == "The Valley Times"


@pytest.mark.parametrize(
    "h1",
    [
        "Grain elevator fire<br>closes Route 9 for two days",
        "Grain elevator fire<br/>closes Route 9 <span>for</span> two days",
        '<span class="kicker">Exclusive</span>Grain elevator fire closes Route 9 for two days',
        f'{HEADLINE}<span class="sr-only">(opens in new window)</span>',
        "Grain elevator fire closes Route 9 for two days<button>Share</button>",
        "Grain elevator fire <em>closes</em> Route 9 for two <svg><title>icon</title></svg>days",
    ],
)
def test_a_headings_words_are_read_as_a_reader_sees_them(h1):
    html = page_html(
        f"<title>{HEADLINE} | Harbour Post</title>", f"<article><h1>{h1}</h1>{BODY}</article>"
    )
    assert stored(html, entry_title=None, url=OTHER_HOST).title == HEADLINE


@pytest.mark.parametrize(
    "headline",
    [
        "Iran: talks resume after two-year pause",
        "Live: storm hits the coast overnight",
        "Macron : « Nous ne céderons pas » sur les retraites",
        "Merkel: „Wir schaffen das“, zehn Jahre danach",
    ],
)
def test_a_title_tags_headline_keeps_its_colons_and_quotations(headline):
    # the <title> is the only headline there is; the outlet is named in og:site_name
    for title in (f"{headline} - Harbour Post", headline):
        html = page_html(
            f'<title>{title}</title><meta property="og:site_name" content="Harbour Post">',
            f"<div>{BODY}</div>",
        )
        article = stored(html, entry_title=None, url=OTHER_HOST)
        assert (article.title, article.sitename) == (headline, "Harbour Post"), title


# --------------------------------------------------------------------------- the headline


def test_a_page_headline_that_differs_from_the_feed_wins_and_says_so():
    html = page_html(
        f'<title>{HEADLINE} | The Valley Times</title><meta property="og:title" '
        f'content="{HEADLINE}">'
    )
    article = stored(html, entry_title="Fire at grain elevator")
    assert article.title == HEADLINE
    assert article.title_source == "og:title:feed-differs"


@pytest.mark.parametrize(
    "entry_title", [f"{HEADLINE} - The Valley Times", "The Valley Times: " + HEADLINE]
)
def test_a_feed_title_carrying_the_outlet_still_confirms_the_headline(entry_title):
    html = page_html(
        f'<title>{HEADLINE} | The Valley Times</title><meta property="og:title" '
        f'content="{HEADLINE}">'
    )
    article = stored(html, entry_title=entry_title, channel="The Valley Times")
    assert (article.title, article.title_source) == (HEADLINE, "og:title")


def test_a_feed_that_titles_items_with_the_outlet_name_is_no_headline():
    html = page_html(f"<title>{HEADLINE} | The Valley Times</title>")
    article = stored(html, entry_title="The Valley Times", channel="The Valley Times")
    assert (article.title, article.title_source) == (HEADLINE, "h1")


def test_a_title_tag_that_does_not_hold_the_feed_headline_loses_to_the_feed():
    html = page_html("<title>Breaking | The Valley Times</title>", f"<div>{BODY}</div>")
    article = stored(html, entry_title=HEADLINE, channel="The Valley Times")
    assert (article.title, article.title_source) == (HEADLINE, "feed")


@pytest.mark.parametrize(
    "headline",
    [
        "Q&A: Why the ferry timetable changed - and what comes next",
        "Live: storm hits coast | updates",
    ],
)
def test_a_headline_with_separators_in_it_is_kept_whole(headline):
    html = page_html(
        f"<title>{headline} | The Valley Times</title>", f"<div class='content'>{BODY}</div>"
    )
    article = stored(html, entry_title=headline, channel="The Valley Times")
    assert (article.title, article.title_source) == (headline, "title-tag-split")
    assert article.sitename == "The Valley Times"


@pytest.mark.parametrize(
    "mark", ["\u200f", "\u200e", "\u061c", "\u2067", "\u202b", "\ufeff", "\u200b", "\u2060"]
)
def test_rtl_marks_do_not_reach_the_stored_names(mark):
    html = page_html(
        f"<title>{mark}גשם כבד צפוי בסוף השבוע{mark} - {mark}חדשות הערב{mark}</title>",
        f"<div>{BODY}</div>",
    )
    article = stored(html, entry_title="גשם כבד צפוי בסוף השבוע", channel=None)
    assert (article.title, article.sitename) == ("גשם כבד צפוי בסוף השבוע", "חדשות הערב")


@pytest.mark.parametrize("mark", ["\u00ad", "\u200b", "\u2060", "\u2063", "\u180e", "\ufeff"])
def test_an_invisible_mark_inside_a_word_does_not_hide_the_feeds_headline(mark):
    marked = HEADLINE.replace("elevator", f"ele{mark}vator")
    html = page_html(
        f'<title>{marked} - The Valley Times</title><meta property="og:title" content="{marked}">'
    )
    article = stored(html)
    assert (article.title, article.title_source) == (HEADLINE, "og:title")
    assert article.sitename == "The Valley Times"


def test_zero_width_joiners_spell_words_and_are_kept():
    headline = "می\u200cخواهم بدانم"  # Persian: ZWNJ inside the word
    assert metadata.clean_name(headline) == headline


# --------------------------------------------------------------------------- JSON-LD


@pytest.mark.parametrize(
    "script",
    [
        '{"@type": "NewsArticle", "headline": "H", "publisher": {"name": "Out"}}',
        '[{"@type": "WebPage", "name": "W"}, {"@type": "Article", "headline": "H",'
        ' "publisher": [{"@type": "Organization", "name": "Out"}]}]',
        '{"@graph": [{"@type": "NewsArticle", "headline": "H", "publisher": {"@id": "#o"}},'
        ' {"@type": "NewsMediaOrganization", "@id": "#o", "name": "Out"}]}',
        '{"@type": ["NewsArticle", "Article"], "headline": "H", "publisher": "Out"}',
        '{"@type": "https://schema.org/BlogPosting", "headline": "H",'
        ' "publisher": {"@type": "Organization", "name": "Out &amp; Co"}}',
        '<!-- {"@type": "NewsArticle", "headline": "H", "publisher": {"name": "Out"}} -->',
        '//<![CDATA[\n{"@type": "Article", "headline": "H", "publisher": {"name": "Out"}}\n//]]>',
    ],
    ids=["object", "list", "graph-reference", "type-list-string-publisher", "iri-type-entity",
         "comment-wrapped", "cdata-wrapped"],
)  # fmt: skip
def test_json_ld_in_its_real_shapes(script):
    html = page_html(f'<script type="application/ld+json">{script}</script>')
    evidence = metadata.read_evidence(_tree(html))
    headline = dict(evidence.headlines).get("json-ld")
    outlet = dict(evidence.outlets).get("json-ld")
    assert headline == "H"
    assert outlet in {"Out", "Out & Co"}


@pytest.mark.parametrize(
    "script",
    [
        '{"@type": "NewsArticle", "headline": "H",, }',
        "[" * 100_000 + "]" * 100_000,
        '{"publisher": ' * 5_000 + "1" + "}" * 5_000,
        '{"@graph": {"@graph": {"@graph": {"@graph": {"@graph": {"@graph": {"@graph": '
        '{"@graph": {"@graph": {"@graph": {"@type": "Article", "headline": "deep"}}}}}}}}}}}',
        "",
        "null",
        '"a string"',
        '{"@type": "NewsArticle", "headline": 42, "publisher": {"name": ["x"]}}',
        '{"@type": "NewsArticle", "publisher": {"@id": "#self"}, "@id": "#self"}',
    ],
    ids=["trailing-commas", "deep-lists", "deep-publishers", "deep-graph", "empty", "null",
         "string", "wrong-types", "self-reference"],
)  # fmt: skip
def test_bad_json_ld_never_fails_the_page(script):
    html = page_html(
        f"<title>{HEADLINE} - The Valley Times</title>"
        f'<script type="application/ld+json">{script}</script>'
    )
    started = time.perf_counter()
    article = stored(html)
    assert time.perf_counter() - started < 5
    assert article.title == HEADLINE and article.text


def _tree(html: bytes) -> HtmlElement:
    tree = parse_html(html)
    assert tree is not None
    return tree


# --------------------------------------------------------------------------- feed-only


@pytest.mark.parametrize(
    ("channel", "outlet", "source"),
    [
        ("The Valley Times", "The Valley Times", "feed"),
        ("The Valley Times » Local News", "The Valley Times", "feed"),
        ("  ", "valleytimes.example", "host"),
        (None, "valleytimes.example", "host"),
    ],
)
def test_a_feed_only_article_names_its_outlet(channel, outlet, source):
    entry = Entry(
        feed_url="https://www.valleytimes.example/feed/",
        url=URL,
        url_key=URL,
        guid=None,
        title=HEADLINE,
        summary="Crews fought the fire until late on Tuesday night.",
        feed_title=channel,
    )
    article = article_from_feed(entry, reason="http_403", fetched_at=FETCHED_AT)
    assert (article.sitename, article.sitename_source) == (outlet, source)
    assert (article.title, article.title_source) == (HEADLINE, "feed")


def test_the_feed_parser_hands_the_channel_title_to_every_entry():
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>The Valley Times'
        b" \xc2\xbb Local News</title><link>https://valleytimes.example/</link>"
        b"<item><title>One</title><link>https://valleytimes.example/a</link></item>"
        b"<item><title>Two</title><link>https://valleytimes.example/b</link></item>"
        b"</channel></rss>"
    )
    parsed = parse_feed_bytes(body, url="https://valleytimes.example/feed/")
    assert [e.feed_title for e in parsed.entries] == ["The Valley Times » Local News"] * 2


# --------------------------------------------------------------------------- the gate


@pytest.fixture(scope="module")
def evaluation() -> dict:
    return evaluate()


def test_the_corpus_covers_every_pattern_template_and_script(evaluation):
    assert evaluation["cases"] >= 500
    assert set(evaluation["by_pattern"]) == set(PATTERNS)
    assert set(evaluation["by_template"]) == set(TEMPLATES)
    assert set(evaluation["by_script"]) == {o.script for o in OUTLETS}
    assert {"arabic", "persian", "cjk", "cyrillic", "greek", "hebrew", "latin"} <= set(
        evaluation["by_script"]
    )
    assert len(FEEDS) == 4


def test_title_and_outlet_are_exact_on_every_pattern(evaluation):
    below = {k: v for k, v in evaluation["by_pattern"].items() if v < 1.0}
    assert not below, json.dumps(evaluation["failures"][:10], ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------- property

_word = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Nd")), min_size=1, max_size=8)
_words = st.lists(_word, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    headline=_words,
    outlet=_words,
    pattern=st.sampled_from([f for f in PATTERNS.values() if f and "{h}" in f and "{o}" in f]),
    confirmed=st.booleans(),
)
def test_any_headline_and_outlet_in_any_pattern_are_told_apart(
    headline, outlet, pattern, confirmed
):
    """Only og:title and the <title>, any words in any script: never swapped (a headline
    that names the host is the outlet's by the rule, alone on the page too: none is made)."""
    assume(normalise_text(headline) and normalise_text(outlet))
    assume(normalise_text(headline) != normalise_text(outlet))
    assume(normalise_text(outlet) not in normalise_text(headline))
    url = "https://news.example/a"
    alone = metadata.PageEvidence((), (("og:title", headline),), None)
    alone_title = metadata.decide(alone, url=url).title
    assume(alone_title is not None)  # the headline names the host: the rule's outlet
    assert alone_title == headline
    title_tag = pattern.format(h=headline, o=outlet, s="Section")
    evidence = metadata.PageEvidence((), (("og:title", headline),), title_tag)
    naming = metadata.decide(evidence, url=url, feed_title=headline if confirmed else None)
    assert (naming.title, naming.sitename) == (headline, outlet)


# every kind of character a <title> separates its segments with, as pages print them spaced
SPACED_SEPARATORS = [
    *"-‐‑‒–—―−⸗⸺⸻﹘﹣－",  # dashes
    *"|¦│┃‖｜丨∣❘ǀ⏐︱︲",  # bars
    *"·•‧∙⋅⸱・●◦▪■⚫⦁‣⁃◆◇◊♦★☆⋮",  # bullets, dots, stars and diamonds
    *"»›❯❱⟩〉⟫>→⇒⟶«‹",  # guillemets, angle quotes and arrows (breadcrumbs)
    *"~～〜/／⁄∕⧸\\＼",  # tildes, wave dashes and slashes
    "::",
    "//",
    ">>",
    "»»",
]


@pytest.mark.parametrize("separator", SPACED_SEPARATORS)
def test_every_separator_splits_a_title_and_gives_the_headline(separator):
    headline = "Ferry strike enters second day"
    for title in (
        f"{headline} {separator} The Valley Times",
        f"The Valley Times {separator} {headline}",
    ):
        assert len(metadata.segments(title)) == 2, title
        evidence = metadata.PageEvidence(
            outlets=(("og:site_name", "The Valley Times"),), title_tag=title
        )
        naming = metadata.decide(evidence, url="https://valley.example/news/ferry")
        assert (naming.title, naming.title_source) == (headline, "title-tag-split"), title


@pytest.mark.parametrize(
    "title",
    [
        "Rock & Roll Hall adds AT&T + Time Warner deal",
        "ǃXóõ speakers count grows",
        "Rates rise 5 < 6 forecasts",
    ],
)
def test_symbols_inside_a_headline_do_not_split_it(title):
    assert metadata.segments(title) == [title]


@pytest.mark.parametrize(
    "headline",
    ["Merkel: „Wir schaffen das“ – zehn Jahre danach", "Biden — the interview that changed it"],
)
def test_a_title_without_the_named_outlet_is_all_headline(headline):
    html = page_html(
        f'<title>{headline}</title><meta property="og:site_name" content="Harbour Post">',
        f"<div>{BODY}</div>",
    )
    article = stored(html, entry_title=None, url=OTHER_HOST)
    assert (article.title, article.title_source) == (headline, "title-tag")


FLAG = "England \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Smoke&notes", "Smoke&notes"),  # no entity without its semicolon: the parser decoded it
        ("AT&amp;T cuts 4,000 jobs", "AT&T cuts 4,000 jobs"),  # a CMS's double-encoded text
        ("Caf&eacute; &#233; &#xE9;", "Café é é"),
        ("Hangul\u3164filler, braille\u2800blank", "Hangul filler, braille blank"),
        (FLAG, FLAG),  # a subdivision's flag is spelled with tag letters
        ("tag\U000e0001ged\u034f, \ufff9annotated\ufffb", "tagged, annotated"),
        ("x" * 1001, None),  # a page's text, not a title
    ],
)
def test_a_name_keeps_its_text_and_nothing_invisible(raw, name):
    assert metadata.clean_name(raw) == name


def test_an_icons_title_is_not_the_pages():
    html = (
        '<!DOCTYPE html><html lang="en"><body><a href="/share"><svg><title>Facebook</title>'
        f"</svg></a><article><h2>{HEADLINE}</h2>{BODY}</article></body></html>"
    ).encode()
    article = stored(html, entry_title=None, url=OTHER_HOST)
    assert article.title != "Facebook" and article.title_source != "title-tag"


def test_an_aggregators_channel_does_not_name_the_outlet_its_link_redirects_to():
    html = page_html(
        f'<title>{HEADLINE} - Victim News</title><meta property="og:title" content="{HEADLINE}">'
    )
    final = "https://www.victim-news.com/2026/03/04/grain-fire"
    extracted = extract_page(html, final, settings=SETTINGS)
    assert isinstance(extracted, Extracted), extracted
    link = "https://news.aggregator.example/rss/articles/abc123"
    entry = Entry(
        feed_url="https://news.aggregator.example/rss",
        url=link,
        url_key=link,
        guid=None,
        title=f"{HEADLINE} - Victim News",
        feed_title="Top stories - Aggregator News",
    )
    article = build_article(Page(entry, final, html, "text/html", FETCHED_AT), extracted)
    assert (article.title, article.sitename) == (HEADLINE, "Victim News")


def test_a_masthead_link_to_the_front_page_is_no_headline_for_an_aggregators_entry():
    html = page_html(
        f"<title>{HEADLINE} - Harbour Post</title>",
        f'<div class="top"><h1><a href="/">Harbour Post</a></h1></div><div>{BODY}</div>',
    )
    article = stored(html, entry_title=f"{HEADLINE} - Harbour Post", url=OTHER_HOST)
    assert article.title != "Harbour Post" and HEADLINE in (article.title or "")


def test_a_body_class_naming_a_logo_makes_no_h1_a_logo():
    # WordPress puts wp-custom-logo on <body> of every page of a site with a custom logo
    html = (
        "<html><head><title>Council approves new budget for 2026 | Valley Times</title></head>"
        '<body class="single wp-custom-logo"><div class="post brand-red">'
        f"<h1>Council approves budget</h1>{BODY}</div></body></html>"
    ).encode()
    assert stored(html, entry_title=None, url=OTHER_HOST).title == "Council approves budget"


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        ("東京<span>五輪</span>開幕へ準備進む", "東京五輪開幕へ準備進む"),
        ("Covid-<span>19</span> cases fall", "Covid-19 cases fall"),
        ("Biden<span>’s</span> plan <small>passes</small>", "Biden’s plan passes"),
    ],
)
def test_inline_markup_inside_a_heading_joins_no_words_apart(h1, title):
    html = page_html("<title>x</title>", f"<article><h1>{h1}</h1>{BODY}</article>")
    assert stored(html, entry_title=None, url=OTHER_HOST).title == title


def test_a_promotion_in_the_first_h1_does_not_beat_the_og_title():
    html = page_html(
        '<title>Valley Times</title><meta property="og:site_name" content="Valley Times">'
        '<meta property="og:title" content="Storm hits coast">',
        "<h1>Subscribe to our newsletter for all the latest local news and updates</h1>"
        f"<div>{BODY}</div>",
    )
    assert stored(html, entry_title=None, url=OTHER_HOST).title == "Storm hits coast"


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("VT: Storm hits the coast overnight", "Storm hits the coast overnight"),
        ("Storm hits the coast overnight | Politics | VT News", "Storm hits the coast overnight"),
    ],
)
def test_a_title_tag_still_splits_where_its_outlet_is_spelled_otherwise(title, headline):
    head = f"<title>{title}</title>"
    if "|" in title:
        head += '<meta property="og:site_name" content="Valley Times">'
    html = page_html(head, f"<div>{BODY}</div>")
    assert stored(html, entry_title=None, url=OTHER_HOST).title == headline
