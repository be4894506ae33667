"""Story features and the story scoring rule (wirehouse.dedup.stories)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wirehouse.dedup import stories

T = datetime(2025, 3, 6, 12, tzinfo=UTC)
WEEKS = timedelta(days=14)


def test_names_are_found_by_capitalisation_but_titles_months_and_sentence_starts_are_not():
    terms = stories.features(
        "Estmark's central bank raised rates on Thursday. Governor Marek Duskov said "
        "inflation was too high in March. Markets fell. Kestrel Rail will raise fares."
    )
    for name in ("estmark", "marek", "duskov", "kestrel", "rail"):
        assert f"e:{name}" in terms
    for word in ("governor", "thursday", "march", "markets"):
        assert f"e:{word}" not in terms


def test_numbers_are_normalised_and_single_digits_ignored():
    terms = stories.features("About 1,400 people left; 3 died. Prices rose 6.10 percent to 4,25.")
    assert {"n:1400", "n:6.1"} <= terms
    assert "n:3" not in terms


def test_quotes_become_pairs_of_content_words_so_paraphrased_quotes_still_meet():
    a = stories.features('He said "negotiations under maximum pressure are impossible" today.')
    b = stories.features('"Talks under maximum pressure are impossible," the minister said.')
    assert "q:maximum pressure" in a & b
    assert "q:pressure impossible" in a & b


def test_keywords_are_frequent_content_words_with_plurals_folded():
    terms = stories.features("The strike goes on. Strikes closed stations. The strike hurt.")
    assert "k:strike" in terms
    assert "k:the" not in terms


def test_features_are_deterministic():
    text = "Alpha Beta met Gamma Delta in Epsilon on 12 May. " * 5
    assert stories.features(text) == stories.features(text)


def test_rare_terms_weigh_more_and_common_ones_nothing():
    assert stories.weight("e:duskov", 1, 100) > stories.weight("e:duskov", 40, 100)
    assert stories.weight("e:duskov", 1, 100) > stories.weight("k:inflation", 1, 100)
    assert stories.weight("k:said", 900, 10_000) == 0.0  # in 9% of the window's articles
    assert stories.weight("e:estmark", 40, 100) > 0  # small windows keep every term


def test_the_score_is_the_share_of_the_article_the_story_covers():
    assert stories.score(overlap=10.0, members=1, mass=10.0) == 1.0
    assert stories.score(overlap=10.0, members=2, mass=10.0) == 0.5
    assert stories.score(overlap=0.0, members=0, mass=10.0) == 0.0


def _place(cands, *, stored=None, threshold=0.3):
    weights = {t: 1.0 for c in cands for t in c.terms}
    return stories.assign(
        cands,
        stored=stored or {},
        stored_members={},
        weights=weights,
        threshold=threshold,
        window=WEEKS,
        new_story_id={c.article_id: f"s-{c.article_id}" for c in cands},
    )


def test_articles_sharing_most_terms_form_one_story_in_a_batch_and_others_stay_apart():
    event = frozenset({"e:duskov", "e:estmark", "n:4.25", "q:fall itself"})
    placed = _place(
        [
            stories.Candidate("a", T, event | {"k:rate"}),
            stories.Candidate("b", T + timedelta(hours=2), event | {"k:mortgage"}),
            stories.Candidate("c", T + timedelta(hours=3), frozenset({"e:rovers", "n:41000"})),
        ]
    )
    assert placed["a"] == stories.Placement("s-a", None)
    assert placed["b"].story_id == "s-a" and placed["b"].score is not None
    assert placed["c"].story_id == "s-c"


def test_a_story_is_matched_within_the_window_of_its_latest_article_only():
    terms = frozenset({"e:lindqvist", "e:kestrel", "k:strike"})
    placed = _place(
        [
            stories.Candidate("a", T, terms),
            stories.Candidate("b", T + timedelta(days=10), terms),
            stories.Candidate("c", T + timedelta(days=20), terms),  # 20 days after a, 10 after b
            stories.Candidate("d", T + timedelta(days=60), terms),
        ]
    )
    assert placed["b"].story_id == placed["c"].story_id == "s-a"
    assert placed["d"].story_id == "s-d"


def test_stored_stories_compete_with_the_batch_and_the_best_one_wins():
    terms = frozenset({"e:karsenti", "e:mirestad", "n:1400", "k:flood"})
    stored = {
        "x": [
            stories.StoredMatch("weak", overlap=1.0, members=1),
            stories.StoredMatch("strong", overlap=6.0, members=2),
        ]
    }
    placed = _place([stories.Candidate("x", T, terms)], stored=stored)
    assert placed["x"] == stories.Placement("strong", 0.75)


def test_below_the_threshold_an_article_starts_its_own_story():
    stored = {"x": [stories.StoredMatch("other", overlap=1.0, members=1)]}
    placed = _place(
        [stories.Candidate("x", T, frozenset({"e:a", "e:b", "e:c", "e:d"}))], stored=stored
    )
    assert placed["x"].story_id == "s-x"
