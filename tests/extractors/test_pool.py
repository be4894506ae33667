"""extract_batch in worker processes gives exactly what it gives in-process."""

from __future__ import annotations

import zlib

import pytest

from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.pool import ExtractionPool
from wirehouse.records import Article, Page, Rejected


def test_extract_batch_in_process(pages: list[Page], settings: ExtractSettings) -> None:
    results = extract_batch(pages, settings)
    assert len(results) == len(pages)
    assert all(isinstance(r, Article) for r in results[:-1])
    assert results[-1] == Rejected("extract", "https://x.example/a.pdf", "not_html", "pdf")
    for page, article in zip(pages[:-1], results[:-1], strict=True):
        assert isinstance(article, Article) and article.html_zlib is not None
        assert zlib.decompress(article.html_zlib) == page.body
        assert article.url == page.final_url


def test_pool_results_equal_in_process_results(
    pages: list[Page], settings: ExtractSettings
) -> None:
    expected = extract_batch(pages, settings)
    batches = [
        pages[i : i + settings.batch_size] for i in range(0, len(pages), settings.batch_size)
    ]
    with ExtractionPool(settings) as pool:
        futures = [pool.submit(batch) for batch in batches]
        # more than workers * max_pages_per_worker pages: at least one recycle happened
        futures += [pool.submit(batch) for batch in batches]
        results = [r for future in futures for r in future.result(timeout=120)]
        assert pool.generations >= 2
    assert results == expected + expected


def test_a_closed_pool_refuses_work(settings: ExtractSettings) -> None:
    pool = ExtractionPool(settings)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.submit([])
