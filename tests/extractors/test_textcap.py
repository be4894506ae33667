"""Stored text has a size cap, cut at a sensible boundary, linear on hostile input."""

from __future__ import annotations

import time

import pytest

from wirehouse.config.settings import ExtractSettings
from wirehouse.dedup.near import Scheme, fingerprint
from wirehouse.extractors.fingerprint import content_hash
from wirehouse.extractors.page import extract_page
from wirehouse.extractors.textcap import cap_text

SENTENCES = [
    "The harbour board met on Tuesday to discuss the new ferry timetable.",
    "Residents asked whether the late crossing would survive the winter!",
    "Would the fares rise again? Nobody on the board would say.",
    "A decision is expected before the spring tides.",
]


def paragraphs(n: int) -> str:
    return "\n".join(" ".join(SENTENCES[(i + j) % 4] for j in range(3)) for i in range(n))


def test_short_text_is_kept_whole():
    text = paragraphs(3)
    capped = cap_text(text, max_chars=10_000, max_word_chars=100)
    assert capped.text == text and not capped.truncated


@pytest.mark.parametrize("limit", [500, 777, 1_000, 4_321])
def test_a_long_text_is_cut_after_a_whole_paragraph(limit):
    text = paragraphs(200)
    capped = cap_text(text, max_chars=limit, max_word_chars=100)
    assert capped.truncated
    assert limit // 2 <= len(capped.text) <= limit
    kept = capped.text.split("\n")
    assert kept == text.split("\n")[: len(kept)]  # whole paragraphs only


def test_one_long_paragraph_is_cut_after_a_sentence():
    text = " ".join(SENTENCES * 200)
    capped = cap_text(text, max_chars=1_000, max_word_chars=100)
    assert capped.truncated and len(capped.text) <= 1_000
    assert capped.text.endswith((".", "!", "?")) and text.startswith(capped.text)


CJK_SENTENCE = "港务局周二开会讨论新的渡轮时刻表，居民询问深夜航班能否在冬季保留。"


@pytest.mark.parametrize("end", ["。", "！", "？", "．", "｡"])
def test_text_without_spaces_is_cut_after_its_own_full_stop(end):
    text = CJK_SENTENCE.replace("。", end) * 300  # one paragraph, not one space in it
    capped = cap_text(text, max_chars=1_000, max_word_chars=1_000)
    assert capped.truncated and 500 <= len(capped.text) <= 1_000
    assert capped.text.endswith(end) and text.startswith(capped.text)


@pytest.mark.parametrize("end", [". ", "… ", "। ", "॥ ", "؟ ", "۔ ", "։ ", "። ", "။ ", "། "])
def test_a_long_paragraph_is_cut_after_any_scripts_sentence_end(end):
    text = ("word " * 12 + "end" + end) * 200
    capped = cap_text(text, max_chars=1_000, max_word_chars=1_000)
    assert capped.text.endswith(end.strip()) and text.startswith(capped.text)


def test_a_cjk_paragraph_is_not_a_long_word():
    text = CJK_SENTENCE * 60  # 2,000 characters without a space, short clauses
    capped = cap_text(text, max_chars=100_000, max_word_chars=1_000)
    assert capped.text == text and not capped.truncated
    endless = "港" * 5_000  # no clause ends: one hostile token in any script
    assert cap_text(endless, max_chars=100_000, max_word_chars=1_000).text == "港" * 1_000


def test_text_without_sentences_is_cut_between_words():
    text = " ".join(f"word{i}" for i in range(2_000))
    capped = cap_text(text, max_chars=1_000, max_word_chars=100)
    assert len(capped.text) <= 1_000 and text.startswith(capped.text)
    assert text[len(capped.text)] == " "  # the next character was the space, not mid-word


def test_one_endless_token_is_cut_mid_token_and_not_kept_as_a_word():
    capped = cap_text("x" * 50_000, max_chars=10_000, max_word_chars=1_000)
    assert capped.truncated and capped.text == "x" * 1_000


def test_long_tokens_are_cut_inside_a_short_text_and_spacing_is_kept():
    text = "Before the blob " + "A" * 5_000 + " after it.\nNext  paragraph\twith tabs."
    capped = cap_text(text, max_chars=100_000, max_word_chars=1_000)
    assert capped.truncated
    assert (
        capped.text == "Before the blob " + "A" * 1_000 + " after it.\nNext  paragraph\twith tabs."
    )


def test_six_three_megabyte_words_are_cut_in_linear_time():
    """A hostile page's text: one 3 MB "word" repeated six times became a 9 MB article text."""
    word = "ab" * 1_500_000
    text = " ".join([word] * 6)
    # CPU time of this thread: a busy machine delays the test but does not add to it. Linear
    # work here is tenths of a second; a quadratic cut of 18 MB would be hours.
    started = time.thread_time()
    capped = cap_text(text)
    elapsed = time.thread_time() - started
    defaults = ExtractSettings(workers=1)
    assert capped.truncated and len(capped.text) <= defaults.max_word_chars
    assert elapsed < 2.0, elapsed


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 300_000,
        ". " * 300_000,
        " " * 300_000 + "x",
        ("a" * 999 + " ") * 300,
        ("a" * 1_001 + "\n") * 300,
        "\u00a0".join(["é" * 1_500] * 200),
        "，".join(["港" * 1_500] * 200),
    ],
)
def test_adversarial_shapes_stay_within_both_caps_quickly(text):
    started = time.thread_time()  # CPU, not wall: another process on the core does not count
    capped = cap_text(text, max_chars=200_000, max_word_chars=1_000)
    assert time.thread_time() - started < 1.0
    assert len(capped.text) <= 200_000
    assert all(len(t) <= 1_000 for t in capped.text.replace("\n", " ").split(" "))
    assert capped.truncated == (capped.text != text)


def _page(body_text: str) -> bytes:
    return (
        "<html><head><title>Blob</title></head><body><article><h1>Blob</h1>"
        f"<p>{body_text}</p></article></body></html>"
    ).encode()


def test_extraction_stores_the_capped_text_and_hashes_what_is_stored():
    settings = ExtractSettings(workers=1, max_text_chars=2_000, max_word_chars=200)
    body = " ".join(SENTENCES * 300)
    result = extract_page(_page(body), "https://example.org/a", settings=settings)
    assert not hasattr(result, "reason"), result
    assert result.text_truncated and len(result.text) <= 2_000
    hostile = extract_page(
        _page(" ".join(["q" * 100_000] * 6)), "https://example.org/b", settings=settings
    )
    assert not hasattr(hostile, "reason"), hostile
    assert hostile.text_truncated and len(hostile.text) <= 200
    # the fingerprints downstream are computed from the capped text: small and consistent
    assert content_hash(hostile.text) == content_hash("q" * 200)
    assert fingerprint(hostile.text, Scheme()).shingles == 1


def test_an_ordinary_article_is_not_marked_truncated():
    result = extract_page(
        _page(" ".join(SENTENCES * 5)), "https://example.org/c", settings=ExtractSettings()
    )
    assert not hasattr(result, "reason"), result
    assert result.text_truncated is False
