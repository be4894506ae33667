"""The worker's discard selections select exactly what trafilatura's own expressions select."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura import bare_extraction, xpaths

from devkit.evals.titles_corpus import cases
from devkit.newsroom.generated import Dataset, Generator, Scale
from tests.extractors.conftest import GOLD_PAGES
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors import discard, loading
from wirehouse.extractors.page import trafilatura_options

LISTS = (
    "OVERALL_DISCARD_XPATH",
    "RAW_TREE_PRUNE_XPATH",
    "REMOVE_COMMENTS_XPATH",
    "REMOVE_COMMENTS_AND_LISTS_XPATH",
)


def pairs() -> list[tuple[XPath, discard.Selection]]:
    """(trafilatura's expression, the selection swapped in for it), for every swapped one."""
    with discard.trafilatura_own():
        own = {name: list(getattr(xpaths, name)) for name in LISTS}
    return [
        (o, f)
        for name in LISTS
        for o, f in zip(own[name], getattr(xpaths, name), strict=True)
        if isinstance(f, discard.Selection)
    ]


def corpus() -> list[tuple[bytes, str]]:
    """Pages of many templates: the gold pages, the title corpus and the generated newsroom."""
    room = Generator(Scale(hosts=12), [Dataset("d", feeds=12, articles=60)])
    dataset = room.datasets["d"]
    pages = [(page.html, page.url) for page in GOLD_PAGES]
    pages += [(case.html, case.url) for case, _ in zip(cases(), range(150), strict=False)]
    pages += [(room.page(dataset, k, 8000), room.article_url(dataset, k, 8000)) for k in range(60)]
    return pages


CORPUS = corpus()


def test_the_locked_trafilatura_has_every_expression_swapped() -> None:
    """Fails when trafilatura changes one: its predicate then needs writing again."""
    assert sorted(own.path for own, _ in pairs()) == sorted(discard.EXPRESSIONS)
    assert all(fast.path == own.path for own, fast in pairs())


def test_an_expression_written_differently_keeps_trafilaturas_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = XPath(".//*[@class='comments-title']")
    first = pairs()[0][0]
    monkeypatch.setitem(discard._ORIGINAL, "OVERALL_DISCARD_XPATH", [first, changed])
    with discard.trafilatura_own():
        assert discard.install() == len(discard.EXPRESSIONS) - 1
        assert isinstance(xpaths.OVERALL_DISCARD_XPATH[0], discard.Selection)
        assert xpaths.OVERALL_DISCARD_XPATH[1] is changed


def test_trafilatura_own_restores_the_selections_after_the_block() -> None:
    before = {name: list(getattr(xpaths, name)) for name in LISTS}
    with discard.trafilatura_own():
        for name in LISTS:
            assert not any(isinstance(x, discard.Selection) for x in getattr(xpaths, name))
    assert {name: list(getattr(xpaths, name)) for name in LISTS} == before


def test_the_same_elements_in_the_same_order_on_real_templates() -> None:
    compared = pairs()
    selected = dict.fromkeys((own.path for own, _ in compared), 0)
    for body, _ in CORPUS:
        tree = loading.parse_html(body)
        assert tree is not None
        for own, fast in compared:
            expected = own(tree)
            assert fast(tree) == expected, own.path
            selected[own.path] += len(expected)
    # every expression but the appended articles' (no template here has them: the edge cases
    # below do) selects something, so the comparison is not only of empty answers
    assert [path for path, n in selected.items() if n == 0] == [discard.APPENDED]


NAMES = ["id", "class", "style", "role", "data-component", "data-lp-replacement-content"]
NAMES += ["aria-hidden", "title", "ID", "Class"]
PIECES = ["share", "Share", "^shar", "shar", "social", "reply-", "reply", "hidden", "Hidden"]
PIECES += ["display:none", "display: none", "nav", "NAV", "Nav", "navigation", "cookie", "ad"]
PIECES += ["comments-title", "hide", "hide-", "MostPopularStories", "true", "bar", "menu"]
PIECES += ["byline", "bread-crumb", "dfpAd", "paid-content", "akismet", "meta", "yin", "x", ""]
PIECES += ["content", "article-body", "message", "noprint", "tags", "é", "\t", "comment"]
PIECES += ["Comments", "commentary", "comol", "disqus_thread", "dsq-comments", "post-comments"]
PIECES += ["infinite-scroll", "infinitescroll", "mvp-post-add-box", "mvp-post-add-wrap"]
PIECES += ["suggest-links", "notloaded", "reader-comments", "nocomments", "hide-print", "-hide-"]
PIECES += ["sociable", "ZendeskForm", "article-comments", "dfpad", "paidcontent", "breadcrumb"]
TAGS = ["div", "p", "span", "section", "item", "list", "a", "li", "aside", "article", "h2"]
TAGS += ["h1", "ol", "ul", "details"]

values = st.lists(st.sampled_from(PIECES), max_size=4).flatmap(
    lambda parts: st.lists(
        st.sampled_from([" ", "-", "", "_", "  "]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(s + p for s, p in zip(seps, parts, strict=True)))
)
attributes = st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=4)


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    """A fragment of nested elements with attributes in any order, repeated names included."""
    parts = []
    for _ in range(draw(st.integers(0, 3 if depth < 3 else 0))):
        tag = draw(st.sampled_from(TAGS))
        attrs = "".join(f' {n}="{html.escape(v)}"' for n, v in draw(attributes))
        parts.append(f"<{tag}{attrs}>text{draw(documents(depth + 1))}</{tag}>tail")
    return "".join(parts)


EDGES = [  # where "first attribute of the two" and exact spellings decide
    '<div class="cookie" id="main">t</div><div id="main" class="cookie">t</div>',
    '<p style="color:red" id="hidden-x">t</p><p id="hidden-x" style="color:red">t</p>',
    '<span class="reply-x" id="y">t</span><span id="y" class="reply-x">t</span>',
    '<div role="NAVIGATION">t</div><div role="Navigation">t</div><div role="main nav">t</div>',
    '<div class="x" class="cookie">t</div><div ID="cookie" class="x">t</div>',
    '<li aria-hidden="True">t</li><li aria-hidden="true">t</li><li style="display:  none">t</li>',
    '<div data-lp-replacement-content="">t</div><a class="share-x">t</a><a id="hidden">t</a>',
    '<div id="infinite-scroll"><h1>t</h1></div><aside class="infinitescroll">t</aside>'
    '<section class="mvp-post-add-box"><h1>t</h1></section>',
    '<ol id="comments">t</ol><ul class="comment-list">t</ul><ul id="disqus_thread">t</ul>'
    '<div id="commentary">t</div><details class="post-comments">t</details>',
]


def assert_same_selections(fragment: str) -> None:
    tree = loading.parse_html(f"<html><body><div>{fragment}</div></body></html>".encode())
    assert isinstance(tree, HtmlElement)
    for own, fast in pairs():  # elements without the attributes read included
        assert fast(tree) == own(tree), own.path


def alternatives(pattern: str) -> set[str]:
    """A string for each alternative of one of the token patterns (anchors dropped, each
    character class and optional part resolved one way, each group expanded)."""
    for construct, plain in (("(?!ary)", ""), ("[Cc]", "C"), ("[Aa]", "A"), ("-?", "-")):
        pattern = pattern.replace(construct, plain)
    pattern = pattern.replace("(?:^| )", " ")
    group = re.search(r"\(\?:([^()]*)\)", pattern)
    if group is None:
        return {token.lstrip("^") for token in pattern.split("|")}
    head, tail = pattern[: group.start()], pattern[group.end() :]
    return {w for choice in group[1].split("|") for w in alternatives(head + choice + tail)}


@pytest.mark.parametrize("name", ["id", "class", "style"])
def test_every_alternative_of_every_pattern_is_selected_alike(name: str) -> None:
    """Each token on each attribute, in each tag the expressions name: the candidates must let
    through every element the patterns select."""
    patterns = [discard._ID_TOKENS, discard._CLASS_TOKENS, discard._HIDDEN_ID]
    patterns += [discard._HIDDEN_CLASS, discard._SCROLLED, discard._COMMENT_IDS]
    patterns += [discard._COMMENT_CLASSES, "hidden|reply-x|display:none|display: none|cookie"]
    words = {word for pattern in patterns for word in alternatives(pattern)}
    tags = ["div", "p", "span", "section", "aside", "ol", "ul", "details", "li"]
    fragment = "".join(
        f'<{tag} {name}="{html.escape(word)}">t</{tag}><{tag} {name}="x {html.escape(word)} y">'
        f"t</{tag}>"
        for word in sorted(words)
        for tag in tags
    )
    assert_same_selections(fragment)


@pytest.mark.parametrize("fragment", EDGES)
def test_the_same_elements_where_attribute_order_and_spelling_decide(fragment: str) -> None:
    assert_same_selections(fragment)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_same_elements_on_generated_attributes(fragment: str) -> None:
    assert_same_selections(fragment)


def test_trafilatura_extracts_the_same_text_either_way() -> None:
    options = trafilatura_options(ExtractSettings())
    for body, url in CORPUS[::3]:
        with discard.trafilatura_own():
            own = bare_extraction(loading.parse_html(body), url=url, **options)
        fast = bare_extraction(loading.parse_html(body), url=url, **options)
        assert (fast.text, fast.comments) == (own.text, own.comments)
