"""`details.read_details` says what trafilatura's own metadata pass says of author, description,
image, tags, categories and title, on pages of many kinds, though it skips searches."""

from __future__ import annotations

import itertools
import json

import pytest
from lxml.html import tostring
from trafilatura.metadata import extract_metadata

from wirehouse.extractors import details, loading

HEADS = {
    "none": "",
    "author meta": '<meta name="author" content="Moira Lindqvist">',
    "one-word author": '<meta name="author" content="newsdesk">',
    "og and twitter": (
        '<meta property="og:description" content="A standfirst &amp; more.">'
        '<meta property="og:image" content="https://cdn.example/a.jpg">'
        '<meta name="twitter:image" content="https://cdn.example/b.jpg">'
        '<meta property="article:author" content="https://social.example/moira">'
    ),
    "keywords": (
        '<meta name="keywords" content="ferries, harbour, \'strike\'">'
        '<meta name="description" content="  Dockworkers\n walk out.  ">'
    ),
    "article tags": (
        '<meta property="article:tag" content="Ferries">'
        '<meta property="article:tag" content="Port of Merrow">'
        '<meta property="article:section" content="Business">'
    ),
    "dublin core": (
        '<meta name="DC.creator" content="Ana Ruiz; Tom Bell">'
        '<meta name="DC.subject" content="Transport">'
        '<meta name="dc.title" content="Ferry strike enters second day">'
    ),
}
JSON_LD = {
    "none": None,
    "person": {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Ferry strike enters second day",
        "author": {"@type": "Person", "name": "Kit Ambrose"},
        "articleSection": "Local",
        "image": "https://cdn.example/ld.jpg",
    },
    "author list": {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Port news"},
            {
                "@type": "Article",
                "name": "Ferry strike",
                "author": [{"@type": "Person", "name": "Ana Ruiz"}, "Tom Bell"],
                "articleSection": ["Port", "", "Strikes"],
            },
        ],
    },
    # as CMSs print it: indented, a raw line break and markup in strings, entities
    "indented with markup": json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Ferry  strike enters <b>second</b> day &amp; night",
            "author": {"@type": "Person", "name": "<a href='/kit'>Kit   Ambrose</a>"},
            "articleSection": ["Local <i>news</i>", "Port"],
            "description": "Dockworkers \u2013 again",
        },
        indent=4,
    ).replace("again", "again\n"),
    "broken": '{"@type": "NewsArticle", "author": {"name": "Kit Ambrose"},, }',
    "deep": "[" * 5_000 + "]" * 5_000,
    # a string left open: read to its end, not tried again from each quote inside it
    "unclosed": (
        '{"@type": "NewsArticle", "author": {"name": "Kit Ambrose"}, "headline": "Ferry \\" s'
    ),
}
BYLINES = {
    "none": "",
    "byline class": '<p class="byline">By Sofia Delacroix, Harbour Correspondent</p>',
    "rel author": '<a rel="author" href="/staff/ken">Ken Oduya</a>',
    "author in comments": (
        '<div class="comments"><span class="author-name">Reader Jo</span><p>Hi</p></div>'
    ),
}
LINKS = {
    "none": "",
    "tags div": (
        '<div class="tags"><a href="/tag/ferries/">Ferries</a> <a href="/tag/port">Port</a></div>'
    ),
    "entry tags": '<p class="entry-tags"><a href="/tags/strike/">Strike</a></p>',
    "categories footer": (
        '<footer class="entry-meta"><a href="/category/business/">Business</a>'
        '<a href="/categories/local/">Local</a></footer>'
    ),
    "cat-links": '<span class="cat-links"><a href="/category/news/">News</a></span>',
    "loose tag links": '<nav><a href="/tag/ferries/">Ferries</a><a href="/category/x/">X</a></nav>',
    "tag-like addresses": (
        '<div class="tags"><a href="/tagged/x">X</a><a href="/categorical">Y</a></div>'
    ),
    "post meta": (
        '<div class="post-meta"><a href="/category/harbour/">Harbour</a>'
        '<a href="/tag/ferries/">Ferries</a></div>'
    ),
}
TITLES = {"h1": "<h1>Ferry strike enters second day</h1>", "h2": "<h2>Port news</h2>", "none": ""}


def page(head: str, ld: object, byline: str, links: str, title: str) -> bytes:
    script = ""
    if ld is not None:
        text = ld if isinstance(ld, str) else json.dumps(ld)
        script = f'<script type="application/ld+json">{text}</script>'
    body = (
        "<p>Dockworkers at the Port of Merrow walked out on Monday over a new shift rota, "
        "halting ferry services to the islands for the second day running.</p>"
    )
    return (
        f'<html><head><meta charset="utf-8">{head}{script}</head><body><main><article>'
        f"{title}{byline}{body}{links}</article></main></body></html>"
    ).encode()


# every head with every JSON-LD and byline; the link blocks and titles rotate through them
CASES = [
    pytest.param(
        page(HEADS[h], JSON_LD[j], BYLINES[b], LINKS[k], TITLES[t]), id=f"{h}|{j}|{b}|{k}|{t}"
    )
    for n, (h, j, b) in enumerate(itertools.product(HEADS, JSON_LD, BYLINES))
    for k, t in [(list(LINKS)[n % len(LINKS)], list(TITLES)[n % len(TITLES)])]
]


@pytest.mark.parametrize("html", CASES)
def test_details_are_trafilaturas(html: bytes) -> None:
    tree = loading.parse_html(html)
    assert tree is not None
    theirs = extract_metadata(loading.parse_html(html), "https://news.example/a")
    ours = details.read_details(tree)
    assert ours.author == theirs.author
    assert ours.description == theirs.description
    assert ours.image == theirs.image
    assert list(ours.tags) == theirs.tags
    assert list(ours.categories) == theirs.categories
    assert (ours.title or details.fallback_title(tree)) == theirs.title


def test_the_cases_cover_every_branch() -> None:
    """Each costly search runs on some cases and is skipped on others."""
    found = [details.read_details(loading.parse_html(p.values[0])) for p in CASES]
    assert any(d.tags for d in found) and any(not d.tags for d in found)
    assert any(d.categories for d in found) and any(not d.categories for d in found)
    assert {d.author for d in found} >= {
        None,
        "Moira Lindqvist",
        "Sofia Delacroix; Harbour Correspondent",
        "Ken Oduya",
        "Ana Ruiz; Tom Bell; Kit Ambrose",
    }


def test_reading_leaves_the_tree_as_it_was() -> None:
    html = page(
        HEADS["article tags"],
        JSON_LD["person"],
        BYLINES["byline class"],
        LINKS["post meta"],
        TITLES["h2"],
    )
    tree = loading.parse_html(html)
    before = loading.parse_html(html)
    assert tree is not None and before is not None
    details.read_details(tree)
    details.fallback_title(tree)
    assert tostring(tree) == tostring(before)


def test_broken_json_ld_is_read_up_to_a_length() -> None:
    """trafilatura's reader of broken JSON is quadratic in a script's length (patterns scanning
    on from each key): a broken script longer than BROKEN_JSON_MAX_CHARS is not read."""
    broken = '{"@type": "NewsArticle", "author": {"name": "Kit Ambrose"},, "x": "%s"}'
    short = broken % ("y" * 100)
    long = broken % ("y" * details.BROKEN_JSON_MAX_CHARS)
    head = '<script type="application/ld+json">{}</script>'

    def author(script: str) -> str | None:
        tree = loading.parse_html(page(head.format(script), None, "", "", ""))
        assert tree is not None
        return details.read_details(tree).author

    assert author(short) == "Kit Ambrose"
    assert author(long) is None
