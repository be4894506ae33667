"""Article pages: the truth paragraphs inside realistic markup, metadata and boilerplate."""

from __future__ import annotations

import re
from itertools import combinations
from urllib.parse import urlsplit

import httpx
import lxml.html

from devkit.newsroom import Newsroom, TruthArticle


def _document(client: httpx.Client, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.content)


def _meta(doc: lxml.html.HtmlElement, attr: str, name: str) -> str | None:
    found = doc.xpath(f'//meta[@{attr}="{name}"]/@content')
    return str(found[0]) if found else None


def _by_kind(newsroom: Newsroom, kind: str) -> TruthArticle:
    return next(article for article in newsroom.truth if article.kind == kind)


def test_every_page_holds_its_truth_paragraphs(newsroom: Newsroom, client: httpx.Client) -> None:
    for article in newsroom.truth:
        doc = _document(client, article.url)
        texts = {" ".join(p.text_content().split()) for p in doc.iter("p")}
        missing = [p for p in article.paragraphs if p not in texts]
        assert not missing, (article.url, missing[:1])


def test_pages_carry_title_open_graph_canonical_and_language(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    for article in newsroom.truth:
        doc = _document(client, article.url)
        assert article.title in doc.findtext(".//title")
        assert _meta(doc, "property", "og:title") == article.title
        assert _meta(doc, "property", "og:site_name") == article.outlet
        assert _meta(doc, "property", "og:image")
        assert _meta(doc, "name", "author")
        assert doc.xpath('//link[@rel="canonical"]/@href') == [article.url]
        assert doc.get("lang", "").startswith("en")


def test_pages_state_dates_with_time_day_only_or_not_at_all(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    styles: dict[str, set[str]] = {}
    for article in newsroom.truth:
        doc = _document(client, article.url)
        stated = _meta(doc, "property", "article:published_time")
        if stated is None:
            style = "none"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", stated):
            style = "day"
            assert article.published_at is not None
            assert stated == article.published_at.date().isoformat()
        else:
            style = "time"
        styles.setdefault(article.outlet, set()).add(style)
    assert {"time", "day", "none"} <= set().union(*styles.values())
    assert all(len(found) == 1 for found in styles.values()), styles


def test_the_dateless_outlet_has_no_date_anywhere_in_its_pages(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    dateless = [a for a in newsroom.truth if a.outlet == "The Northgate Gazette"]
    assert dateless
    for article in dateless:
        html = client.get(article.url).text
        assert not re.search(r"20\d\d-\d\d-\d\d|published_time|datetime=", html), article.url
        assert not re.search(r"/20\d\d/", urlsplit(article.url).path)


def test_pages_glue_boilerplate_around_the_article(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    ledger = client.get(_by_kind(newsroom, "article").url).text
    for snippet in (
        "AMX 40",
        "Most read",
        "Sign up",
        "Topics:",
        "cookies",
        "Not for redistribution",
    ):
        assert snippet in ledger, snippet
    post = next(a for a in newsroom.truth if a.outlet == "Brennick Evening Post")
    html = client.get(post.url).text
    assert "Read our comment policy before posting" in html
    assert "READ MORE:" in html
    assert 'class="pic-caption"' in html


def test_outlets_use_different_templates(newsroom: Newsroom, client: httpx.Client) -> None:
    first_page: dict[str, str] = {}
    for article in newsroom.truth:
        first_page.setdefault(article.outlet, article.url)
    classes = {
        outlet: {c for value in _document(client, url).xpath("//@class") for c in value.split()}
        for outlet, url in first_page.items()
    }
    for one, other in combinations(classes.values(), 2):
        assert len(one & other) < 0.2 * min(len(one), len(other))


def test_a_url_with_tracking_parameters_serves_the_same_page(
    newsroom: Newsroom, client: httpx.Client
) -> None:
    tracked = newsroom.faults["tracking_link"]
    plain = client.get(tracked.split("?")[0])
    with_params = client.get(tracked)
    assert with_params.status_code == 200
    assert with_params.content == plain.content
    assert with_params.headers["etag"] == plain.headers["etag"]
