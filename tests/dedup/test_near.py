"""Shingles, MinHash signatures and LSH band keys (wirehouse.dedup.near)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirehouse.config.settings import DedupSettings
from wirehouse.dedup import near

SCHEME = near.Scheme()
WORDS = [f"w{i}" for i in range(400)]

ORIGINAL = (
    "VELHAVEN, March 6 (Continental Wire) - Estmark's central bank raised its main interest "
    "rate by half a percentage point to 4.25 percent on Thursday, its steepest increase in "
    "nine years, saying inflation had become entrenched in services and wages.\n\n"
    "The policy board voted 5-2 for the move, with two members preferring a smaller step of a "
    "quarter point. Most economists polled last week had expected a quarter-point rise.\n\n"
    '"Inflation is not going to fall by itself, and we will not wait for it to do so," '
    "Governor Marek Duskov told a news conference in Velhaven.\n\n"
    "Consumer prices rose 6.1 percent in February from a year earlier, well above the bank's "
    "2 percent target and up from 5.4 percent in January. Rents and restaurant prices rose "
    "fastest, while fuel costs eased.\n\n"
    "The krona firmed 0.8 percent against the euro after the decision, and yields on two-year "
    "government bonds climbed to their highest level since 2016."
)


def test_shingles_ignore_case_punctuation_and_spacing():
    a = near.shingle_hashes("The Bank raised rates, again!  Markets fell.", 3)
    b = near.shingle_hashes("the bank raised rates again markets fell", 3)
    assert np.array_equal(a, b)


def test_a_text_has_one_shingle_per_window_of_k_words():
    text = " ".join(WORDS[:30])
    assert near.shingle_hashes(text, 5).size == 26
    assert near.shingle_hashes("too short", 5).size == 1
    assert near.shingle_hashes("", 5).size == 0


def test_word_order_matters():
    assert not np.array_equal(
        near.shingle_hashes("alpha beta gamma", 3), near.shingle_hashes("gamma beta alpha", 3)
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), changed=st.integers(0, 200))
def test_the_signature_estimates_jaccard_within_its_error(seed, changed):
    rng = random.Random(seed)
    base = [rng.choice(WORDS) for _ in range(300)]
    other = list(base)
    for i in rng.sample(range(300), changed):
        other[i] = rng.choice(WORDS)
    a, b = " ".join(base), " ".join(other)
    exact = near.jaccard(a, b, 5)
    estimate = near.similarity(
        near.fingerprint(a, SCHEME).signature, near.fingerprint(b, SCHEME).signature
    )
    # five standard errors of a 128-minima estimate (at most 0.044)
    assert abs(estimate - exact) <= 0.22


def test_identical_texts_have_identical_fingerprints():
    a, b = near.fingerprint(ORIGINAL, SCHEME), near.fingerprint(ORIGINAL + " ", SCHEME)
    assert near.similarity(a.signature, b.signature) == 1.0
    assert np.array_equal(a.band_keys, b.band_keys)
    assert a.band_keys.dtype == np.int64 and a.band_keys.size == SCHEME.bands


def test_band_keys_are_stable_across_processes():
    # stored keys must match keys computed after a restart or an upgrade: a change here
    # orphans every stored fingerprint (bump the scheme instead)
    keys = near.fingerprint(" ".join(WORDS[:40]), SCHEME).band_keys
    assert SCHEME.name == "w5-p128-b42x3-s1"
    assert keys[:2].tolist() == [2624191580902128869, -8741268834827270993]


def test_band_keys_of_many_signatures_at_once_match_one_by_one():
    sigs = np.stack([near.fingerprint(ORIGINAL[i:], SCHEME).signature for i in range(0, 90, 30)])
    many = near.band_keys(sigs, SCHEME)
    for sig, keys in zip(sigs, many, strict=True):
        assert np.array_equal(near.band_keys(sig, SCHEME), keys)


def test_signatures_round_trip_through_storage():
    sig = near.fingerprint(ORIGINAL, SCHEME).signature
    assert np.array_equal(near.unpack(near.pack(sig)), sig)
    assert len(near.pack(sig)) == 4 * SCHEME.num_perm


def test_a_wire_copy_with_a_trimmed_paragraph_edits_and_a_credit_line_is_similar():
    paragraphs = ORIGINAL.split("\n\n")
    copy = "\n\n".join(paragraphs[:-1]).replace("percent", "per cent")
    copy = copy.replace("VELHAVEN, March 6 (Continental Wire) - ", "") + "\n\nSource: the wire"
    threshold = DedupSettings().near_threshold
    assert near.jaccard(ORIGINAL, copy, 5) >= threshold
    a, b = near.fingerprint(ORIGINAL, SCHEME), near.fingerprint(copy, SCHEME)
    assert near.similarity(a.signature, b.signature) >= threshold
    assert set(a.band_keys.tolist()) & set(b.band_keys.tolist())


def test_a_brief_inside_a_long_article_is_not_similar_however_contained():
    brief = ORIGINAL.split("\n\n")[0]
    a, b = near.shingle_hashes(ORIGINAL, 5), near.shingle_hashes(brief, 5)
    assert np.isin(b, a).all()  # fully contained...
    similarity = near.jaccard(ORIGINAL, brief, 5)
    assert similarity <= b.size / a.size < DedupSettings().near_threshold  # ...and far apart


def test_the_default_bands_catch_pairs_at_the_threshold_and_few_unrelated_ones():
    threshold = DedupSettings().near_threshold
    assert near.candidate_probability(threshold, SCHEME) >= 0.99
    assert near.candidate_probability(0.1, SCHEME) <= 0.05
    assert near.lsh_threshold(SCHEME) < threshold


def test_a_scheme_needs_room_for_its_bands():
    with pytest.raises(ValueError):
        near.Scheme(num_perm=64, bands=42, rows=3)
