"""The ground truth is what the pipeline's tests rely on: check the properties it promises."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, timedelta
from itertools import combinations

from devkit.newsroom import Newsroom, TruthArticle

STRIKE = "harbour-strike"


def _sentences(article: TruthArticle) -> set[str]:
    """Sentences of six words or more, quotes stripped of their quotation marks."""
    found = set()
    for paragraph in article.paragraphs:
        for sentence in re.split(r'(?<=[.!?])"?\s+', paragraph):
            if len(sentence.split()) >= 6:
                found.add(sentence.strip('"'))
    return found


def _is_credit(paragraph: str) -> bool:
    return paragraph.lstrip("(").startswith(("Reporting by", "Correction"))


def test_there_are_at_least_twenty_distinct_articles_from_five_outlets(
    newsroom: Newsroom,
) -> None:
    truth = newsroom.truth
    assert len(truth) >= 20
    assert len({article.url for article in truth}) == len(truth)
    assert len({article.outlet for article in truth}) >= 5


def test_articles_are_real_prose_of_realistic_length(newsroom: Newsroom) -> None:
    for article in newsroom.truth:
        words = sum(len(p.split()) for p in article.paragraphs)
        if article.kind == "brief":
            assert words < 100
            continue
        assert 300 <= words <= 900, article.url
        body = [p for p in article.paragraphs if not _is_credit(p)]
        short = [p for p in body if not 30 <= len(p.split()) <= 120]
        assert not short, (article.url, short)


def test_published_dates_are_aware_utc(newsroom: Newsroom) -> None:
    for article in newsroom.truth:
        if article.published_at is not None:
            assert article.published_at.tzinfo == UTC


def test_the_main_event_is_told_by_three_outlets_without_shared_sentences(
    newsroom: Newsroom,
) -> None:
    strike = [article for article in newsroom.truth if article.story == STRIKE]
    assert len({article.outlet for article in strike}) == 3
    for one, other in combinations(strike, 2):
        assert not _sentences(one) & _sentences(other), (one.url, other.url)
    # the same statement is quoted by all three, in their own sentences
    quote = "patience has not paid a single electricity bill"
    assert all(quote in " ".join(article.paragraphs) for article in strike)


def test_earlier_events_with_the_same_people_are_months_apart(newsroom: Newsroom) -> None:
    by_story: dict[str, list[TruthArticle]] = defaultdict(list)
    for article in newsroom.truth:
        by_story[article.story].append(article)
    strike_start = min(a.published_at for a in by_story[STRIKE] if a.published_at)
    related = [
        story
        for story, articles in by_story.items()
        if story != STRIKE and any("Tomas Reyk" in " ".join(a.paragraphs) for a in articles)
    ]
    assert len(related) >= 2
    for story in related:
        for article in by_story[story]:
            assert article.published_at is not None
            assert strike_start - article.published_at > timedelta(days=90), article.url


def test_the_wire_story_is_republished_verbatim_and_edited(newsroom: Newsroom) -> None:
    truth = {article.url: article for article in newsroom.truth}
    verbatim = next(a for a in newsroom.truth if a.kind == "wire-verbatim")
    edited = next(a for a in newsroom.truth if a.kind == "wire-edited")
    assert verbatim.copy_of == edited.copy_of
    assert verbatim.copy_of is not None
    original = truth[verbatim.copy_of]
    assert original.copy_of is None
    assert len({original.outlet, verbatim.outlet, edited.outlet}) == 3
    assert len({original.title, verbatim.title, edited.title}) == 3
    assert verbatim.paragraphs == original.paragraphs
    changed = [p for p in edited.paragraphs if p not in original.paragraphs]
    assert len(changed) == 2  # one trimmed paragraph and the new credit line
    trimmed, credit = changed
    assert any(p.startswith(trimmed[:-1]) and p != trimmed for p in original.paragraphs)
    assert "with agency inputs" in credit
    assert {original.story, verbatim.story, edited.story} == {original.story}


def test_the_brief_is_contained_in_a_longer_article_of_the_same_story(
    newsroom: Newsroom,
) -> None:
    brief = next(a for a in newsroom.truth if a.kind == "brief")
    sentences = re.split(r"(?<=[.!?])\s+", brief.paragraphs[0])
    assert 2 <= len(sentences) <= 3
    longer = [a for a in newsroom.truth if a.story == brief.story and a.url != brief.url]
    assert longer
    text = " ".join(longer[0].paragraphs)
    assert all(sentence in text for sentence in sentences)
    assert len(text.split()) > 4 * len(brief.paragraphs[0].split())


def test_truth_paragraphs_hold_no_page_boilerplate(newsroom: Newsroom) -> None:
    boilerplate = ("Sign up", "cookies", "Most read", "comment policy", "All rights reserved")
    for article in newsroom.truth:
        text = " ".join(article.paragraphs)
        assert not any(snippet in text for snippet in boilerplate), article.url


def test_faults_are_not_articles(newsroom: Newsroom) -> None:
    urls = {article.url for article in newsroom.truth}
    faults = newsroom.faults
    assert faults["missing_page"] not in urls
    assert faults["pdf"] not in urls
    assert faults["slow_page"] in urls  # slow, but a real article
    assert faults["broken_feed"] in newsroom.feed_urls
