"""Pages that take an extractor seconds or for ever, for the deadline tests.

Several kinds, because a deadline must hold whatever makes a page slow: sheer size of text,
a wide tree of nested markup, and a backtracking regex on a few hundred bytes (which may be
fixed one day, so tests that need a page to be slow use the size-based ones).
"""

from __future__ import annotations

_SENTENCE = (
    "the harbour council voted on tuesday to extend the ferry service through the winter "
    "months after residents of the outer islands asked for a later sailing on weekdays"
)
_WORDS = _SENTENCE.split()


def _paragraph(i: int, words: int = 60) -> str:
    return "<p>" + " ".join(_WORDS[(i + j) % len(_WORDS)] for j in range(words)) + f" {i}.</p>"


def huge_text_page(paragraphs: int = 5000) -> bytes:
    """An article of thousands of real-looking paragraphs (~2 MB): seconds of honest work."""
    body = "".join(_paragraph(i) for i in range(paragraphs))
    return (
        "<html><head><title>Ferry service extended</title></head><body><article>"
        f"{body}</article></body></html>"
    ).encode()


def wide_markup_page(blocks: int = 5000) -> bytes:
    """Thousands of classed div/span blocks (~2 MB): the tree, not the text, is the cost."""
    body = "".join(
        f"<div class='c{i % 7}'><span>{_paragraph(i)}</span></div>" for i in range(blocks)
    )
    return f"<html><body>{body}</body></html>".encode()


def comment_run_page(comments: int = 30) -> bytes:
    """Empty comments before the document: backtracked exponentially by an old feed sniffer."""
    return b"<!---->" * comments + b"<html><body><p>Short page.</p></body></html>"


SLOW_PAGES = {
    "huge_text": huge_text_page,
    "wide_markup": wide_markup_page,
}
