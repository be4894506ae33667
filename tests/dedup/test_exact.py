from dataclasses import replace

import pytest

from tests.factories import article
from wirehouse.config.settings import DedupSettings
from wirehouse.dedup.exact import decide_exact
from wirehouse.records import Known, MatchKind, Outcome

LEAD = DedupSettings().claimed_lead


def decide(articles, by_url=None, by_claim=None, by_hash=None, refetched=None):
    return decide_exact(
        articles,
        by_url=by_url or {},
        by_claim=by_claim or {},
        by_hash=by_hash or {},
        refetched=refetched or {},
        lead=LEAD,
    )


def test_a_new_article_gets_an_id_derived_from_its_url():
    [d] = decide([article("http://a.test/1", "text one")])
    [again] = decide([article("http://a.test/1", "text one")])
    assert d.outcome is Outcome.NEW and d.match_kind is MatchKind.NEW
    assert d.article_id == again.article_id


def test_same_text_at_another_url_in_one_batch_is_an_exact_duplicate_of_the_first():
    first, second = decide(
        [article("http://a.test/1", "wire copy"), article("http://b.test/9", "wire copy")]
    )
    assert first.outcome is Outcome.NEW
    assert second.outcome is Outcome.DUPLICATE and second.match_kind is MatchKind.EXACT
    assert second.article_id == first.article_id


def test_a_stored_canonical_link_wins_over_the_text():
    [d] = decide(
        [article("http://b.test/amp/1", "other words", canonical="http://a.test/1")],
        by_url={"http://a.test/1": "stored-id"},
    )
    assert (d.outcome, d.match_kind, d.article_id) == (
        Outcome.DUPLICATE,
        MatchKind.CANONICAL,
        "stored-id",
    )


def test_a_canonical_link_to_the_front_page_is_ignored():
    first, second = decide(
        [
            article("http://a.test/1", "first story", canonical="http://a.test/"),
            article("http://a.test/2", "second story", canonical="http://a.test/"),
        ]
    )
    assert first.outcome is Outcome.NEW and second.outcome is Outcome.NEW


@pytest.mark.parametrize(
    "canonical", ["http://a.test/news/", "http://a.test/article.php", "http://a.test/story"]
)
def test_pages_that_only_claim_one_canonical_are_judged_by_their_text(canonical):
    # a template's section link on every article, or a canonical without the article's id
    pages = [
        article(f"http://a.test/news/2026/story-{i}", f"story number {i}", canonical=canonical)
        for i in range(5)
    ]
    decided = decide(pages, by_claim={canonical: "stored-claimer"})
    assert [d.outcome for d in decided] == [Outcome.NEW] * 5
    assert len({d.article_id for d in decided}) == 5


def test_the_page_at_a_claimed_canonical_is_the_claimers_article():
    # an AMP copy stored first claims the article's URL; the article's own page comes later
    [d] = decide(
        [article("http://a.test/story", "the story")], by_claim={"http://a.test/story": "amp-id"}
    )
    assert (d.outcome, d.match_kind, d.article_id) == (
        Outcome.DUPLICATE,
        MatchKind.CANONICAL,
        "amp-id",
    )
    # and in one batch, either order
    amp = article("http://a.test/amp/story", "the story, amp", canonical="http://a.test/story")
    page = article("http://a.test/story", "the story")
    for batch in ([amp, page], [page, amp]):
        first, second = decide(batch)
        assert first.outcome is Outcome.NEW and second.outcome is Outcome.DUPLICATE
        assert second.article_id == first.article_id


def test_a_refetched_article_with_new_text_is_a_new_version_of_the_same_article():
    a = article("http://a.test/1", "updated text", content_hash="h2")
    [d] = decide([a], refetched={a.entry.url_key: Known("id1", "h1", 1)})
    assert (d.outcome, d.article_id, d.version) == (Outcome.VERSION, "id1", 2)
    [same] = decide([a], refetched={a.entry.url_key: Known("id1", "h2", 2)})
    assert same.outcome is Outcome.UNCHANGED


SUMMARY = "Subscribe to read the full story on our website."


@pytest.mark.parametrize(
    ("access", "body_source"),
    [
        ("bot_wall", "feed"),
        ("js_shell", "feed"),
        ("feed_only", "feed"),
        ("paywalled", "feed"),
        ("paywalled", "page"),
    ],
)
def test_a_stand_in_text_is_never_a_copy_whatever_its_source(access, body_source):
    """Two outlets' walls (or failed pages) with the same feed summary are two articles."""
    a, b = (
        replace(article(url, SUMMARY), access=access, body_source=body_source)
        for url in ("http://a.test/1", "http://b.test/9")
    )
    first, second = decide([a, b])
    assert (first.outcome, second.outcome) == (Outcome.NEW, Outcome.NEW)
    # nor of a stored article with that text, nor a stored one of it
    [alone] = decide([a], by_hash={a.content_hash: "stored-id"})
    assert alone.outcome is Outcome.NEW


def test_a_paywalled_feed_text_after_a_teaser_with_the_same_text_is_no_copy():
    a = replace(article("http://a.test/1", SUMMARY), access="paywalled", body_source="page")
    b = replace(article("http://b.test/9", SUMMARY), access="paywalled", body_source="feed")
    assert [d.outcome for d in decide([a, b])] == [Outcome.NEW, Outcome.NEW]


@pytest.mark.parametrize("access", ["ok", "truncated"])
def test_the_pages_own_text_is_compared_from_the_feed_too(access):
    """`prefer_feed_text`'s full text (ok, body source feed) is the article's: copies count."""
    a, b = (
        replace(article(url, "wire copy"), access=access, body_source="feed")
        for url in ("http://a.test/1", "http://b.test/9")
    )
    assert decide([a, b])[1].outcome is Outcome.DUPLICATE


def test_a_page_reached_through_a_redirect_is_at_its_canonical():
    # an http feed link redirected to the https page, whose canonical is itself
    page = replace(
        article("http://paper.test/x", "the story", canonical="https://paper.test/x"),
        url="https://paper.test/x",
    )
    amp = article("https://paper.test/amp/x", "the story, amp", canonical="https://paper.test/x")
    for batch in ([page, amp], [amp, page]):
        first, second = decide(batch)
        assert first.outcome is Outcome.NEW and second.outcome is Outcome.DUPLICATE, batch
        assert second.article_id == first.article_id
    # and the stored page: the warehouse finds it at its canonical (`lookups_for`)
    [d] = decide([amp], by_url={"https://paper.test/x": "stored-id"})
    assert (d.outcome, d.article_id) == (Outcome.DUPLICATE, "stored-id")
