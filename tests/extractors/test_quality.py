"""Extraction quality on pages from outlets the pipeline never saw (tests/fixtures/unseen).

Each page has a gold file: the article body a reader sees, the title, the publication date,
snippets that must survive and boilerplate that must not. The floors are pinned in
quality_floors.json.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import trafilatura

from tests.extractors.conftest import GOLD_PAGES, GoldPage
from wirehouse.extractors.article import build_article
from wirehouse.extractors.quality import aggregate_scores, token_scores
from wirehouse.records import DateSource, Extracted

IDS = [p.name for p in GOLD_PAGES]


def test_there_are_enough_varied_unseen_pages() -> None:
    assert len(GOLD_PAGES) >= 8
    assert len({p.gold["template"] for p in GOLD_PAGES}) == len(GOLD_PAGES)
    for page in GOLD_PAGES:
        words = sum(len(par.split()) for par in page.gold["body"])
        assert 300 <= words <= 900, (page.name, words)


def _text(extracted: dict, name: str) -> str:
    result = extracted[name]
    assert isinstance(result, Extracted), result
    return result.text


@pytest.mark.parametrize("page", GOLD_PAGES, ids=IDS)
def test_must_keep_snippets_survive(page: GoldPage, extracted: dict) -> None:
    text = _text(extracted, page.name)
    missing = [s for s in page.gold["must_keep"] if s not in text]
    assert not missing


@pytest.mark.parametrize("page", GOLD_PAGES, ids=IDS)
def test_boilerplate_is_dropped(page: GoldPage, extracted: dict) -> None:
    text = _text(extracted, page.name)
    leaked = [s for s in page.gold["must_drop"] if s in text]
    assert not leaked


@pytest.mark.parametrize("page", GOLD_PAGES, ids=IDS)
def test_title(page: GoldPage, extracted: dict) -> None:
    assert extracted[page.name].title == page.gold["title"]


@pytest.mark.parametrize("page", GOLD_PAGES, ids=IDS)
def test_published_date(page: GoldPage, extracted: dict) -> None:
    """The page's own date, as the article records it when the feed gives none."""
    result = extracted[page.name]
    assert isinstance(result, Extracted)
    article = build_article(page.page(), result)
    expected = page.gold["published_at"]
    assert article.published_at_source is DateSource.PAGE
    if "T" in expected:
        assert result.page_date_has_time
        assert article.published_at == datetime.fromisoformat(expected)
    else:
        assert not result.page_date_has_time
        assert article.published_at == datetime.fromisoformat(expected + "T00:00:00+00:00")
        assert article.published_at.date() == date.fromisoformat(expected)


@pytest.mark.parametrize("page", GOLD_PAGES, ids=IDS)
def test_token_scores_per_page(page: GoldPage, extracted: dict, floors: dict) -> None:
    precision, recall, _ = token_scores(_text(extracted, page.name), page.body)
    assert precision >= floors["per_page"]["precision"], precision
    assert recall >= floors["per_page"]["recall"], recall


def test_token_scores_aggregate(extracted: dict, floors: dict) -> None:
    pairs = [(_text(extracted, p.name), p.body) for p in GOLD_PAGES]
    precision, recall, f1 = aggregate_scores(pairs)
    assert precision >= floors["aggregate"]["precision"]
    assert recall >= floors["aggregate"]["recall"]
    assert f1 >= floors["aggregate"]["f1"]


def test_pipeline_is_at_least_as_good_as_plain_trafilatura(extracted: dict, floors: dict) -> None:
    """Same pages through `trafilatura.extract(html)` with its defaults, scored the same way."""
    ours = aggregate_scores([(_text(extracted, p.name), p.body) for p in GOLD_PAGES])
    bare = aggregate_scores([(trafilatura.extract(p.html) or "", p.body) for p in GOLD_PAGES])
    assert ours[2] - bare[2] >= floors["bare_trafilatura_f1_margin"], (ours, bare)


def test_token_scores_count_repeats_and_ignore_case_and_order() -> None:
    assert token_scores("B a", "a b") == (1.0, 1.0, 1.0)
    precision, recall, _ = token_scores("a a b", "a b")
    assert (precision, recall) == (pytest.approx(2 / 3), 1.0)
    assert token_scores("", "") == (1.0, 1.0, 1.0)
    assert token_scores("x", "") == (0.0, 0.0, 0.0)
    assert token_scores("", "x")[1] == 0.0
