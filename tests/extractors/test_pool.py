"""extract_batch in worker processes gives exactly what it gives in-process, and no page can
hold a batch: one past its deadline or one that kills its worker is rejected, the rest go on."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.slow_pages import SLOW_PAGES, comment_run_page
from wirehouse.config.settings import ExtractSettings
from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.pool import ExtractionPool
from wirehouse.records import Article, Page, Rejected
from wirehouse.warc import read_payload

ROOT = Path(__file__).resolve().parents[2]


def test_extract_batch_in_process(pages: list[Page], settings: ExtractSettings) -> None:
    results = extract_batch(pages, settings)
    assert len(results) == len(pages)
    assert all(isinstance(r, Article) for r in results[:-1])
    assert results[-1] == Rejected("extract", "https://x.example/a.pdf", "not_html", "pdf")
    for page, article in zip(pages[:-1], results[:-1], strict=True):
        assert isinstance(article, Article) and article.raw is not None
        assert read_payload(article.raw.data, article.raw.digest) == page.body
        assert article.raw.payload_bytes == len(page.body)
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
        # max_pages_per_worker=8: workers were retired and replaced along the way
        assert pool.workers_started > settings.workers
    assert results == expected + expected


def test_a_closed_pool_refuses_work(settings: ExtractSettings) -> None:
    pool = ExtractionPool(settings)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.submit([])


def _slow(template: Page, name: str, body: bytes) -> Page:
    url = f"https://slow.example/{name}"
    return dataclasses.replace(template, final_url=url, body=body)


def _wait_for_worker_on(pool: ExtractionPool, url: str, *, not_pid: int = 0) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for pid, label in pool.running().items():
            if label == url and pid != not_pid:
                return pid
        time.sleep(0.01)
    raise AssertionError(f"no worker took {url}")


@pytest.mark.parametrize("kind", sorted(SLOW_PAGES))
def test_a_page_past_its_deadline_is_rejected_and_the_pages_behind_it_are_extracted(
    pages: list[Page], settings: ExtractSettings, kind: str
) -> None:
    # one worker: the good pages after the slow one were queued on the worker that hangs
    # a third of what the lighter slow page costs on an idle core (about 1.7 s), and still
    # many times what a good page costs: a fast machine must not finish the slow page in time
    tight = settings.model_copy(update={"workers": 1, "page_timeout_s": 0.5})
    slow = _slow(pages[0], kind, SLOW_PAGES[kind]())
    batch = [pages[0], slow, *pages[1:4]]
    expected = extract_batch([pages[0], *pages[1:4]], tight)
    with ExtractionPool(tight) as pool:
        started = time.monotonic()
        results = pool.submit(batch).result(timeout=60)
        elapsed = time.monotonic() - started
        assert pool.workers_started == 2  # the hung worker was replaced, once
    assert results[1] == Rejected("extract", slow.final_url, "extract_timeout", "over 0.5 s")
    assert [results[0], *results[2:]] == expected
    # the kill is proven by the rejection and the replaced worker; this bound only says the
    # good pages did not queue behind a page of unbounded cost (loose: a busy 2-core machine)
    assert elapsed < 0.5 + 30


def test_a_backtracking_page_cannot_hold_a_batch(
    pages: list[Page], settings: ExtractSettings
) -> None:
    """The ~250-byte page of empty comments hangs for hours where the sniffing regex
    backtracks; once that is fixed it extracts at once. Either way the batch ends in time."""
    tight = settings.model_copy(update={"workers": 1, "page_timeout_s": 1.5})
    hostile = _slow(pages[0], "comments", comment_run_page(30))
    with ExtractionPool(tight) as pool:
        started = time.monotonic()
        results = pool.submit([hostile, pages[1]]).result(timeout=60)
    assert time.monotonic() - started < 1.5 + 30  # hours if it backtracked; loose for a busy CI
    assert isinstance(results[0], Rejected)  # too short to be an article, or timed out
    assert results[1] == extract_batch([pages[1]], tight)[0]


@pytest.mark.parametrize(
    ("kills", "expect"),
    [(1, "extracted on the second try"), (2, "rejected after the retry")],
)
def test_a_page_whose_worker_dies_is_tried_once_more(
    pages: list[Page], settings: ExtractSettings, kills: int, expect: str
) -> None:
    """A worker killed under a page (as the OOM killer would) is replaced; the page is retried
    on the fresh worker, and a second death makes it `extract_crashed`."""
    roomy = settings.model_copy(update={"workers": 1, "page_timeout_s": 120.0, "crash_retries": 1})
    slow = _slow(pages[0], "huge_text", SLOW_PAGES["huge_text"]())
    batch = [pages[0], slow, pages[1], pages[2]]
    with ExtractionPool(roomy) as pool:
        future = pool.submit(batch)
        pid = 0
        for _ in range(kills):
            pid = _wait_for_worker_on(pool, slow.final_url, not_pid=pid)
            os.kill(pid, signal.SIGKILL)
        results = future.result(timeout=120)
        assert pool.workers_started == 1 + kills
    assert [results[0], *results[2:]] == extract_batch([pages[0], pages[1], pages[2]], roomy)
    if kills == 1:
        assert isinstance(results[1], Article) and results[1].url == slow.final_url, expect
    else:
        assert results[1] == Rejected(
            "extract", slow.final_url, "extract_crashed", "worker died (exit code -9)"
        ), expect


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too; a reaped pid is gone
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[-1][0] != "Z"


@pytest.mark.parametrize("how", ["close", "with-block raising"])
def test_cancelling_kills_busy_workers_at_once(
    pages: list[Page], settings: ExtractSettings, how: str
) -> None:
    roomy = settings.model_copy(update={"workers": 2, "page_timeout_s": 120.0})
    slow = [
        _slow(pages[0], f"{kind}-{i}", make()) for i, (kind, make) in enumerate(SLOW_PAGES.items())
    ]
    pool = ExtractionPool(roomy)
    future = pool.submit(slow * 3)
    pids = [_wait_for_worker_on(pool, page.final_url) for page in slow]
    started = time.monotonic()
    if how == "close":
        pool.close(cancel_pending=True)
    else:
        with pytest.raises(KeyboardInterrupt), pool:
            raise KeyboardInterrupt
    assert time.monotonic() - started < 3
    assert future.done()
    assert not any(_alive(pid) for pid in pids)


def test_the_workers_come_from_the_forkserver_started_early(tmp_path: Path) -> None:
    # in a fresh process, as a CLI run is: this one's forkserver may be running already
    script = tmp_path / "early.py"
    script.write_text(
        "import json, os, psutil\n"
        "from wirehouse.extractors.pool import DeadlinePool, start_forkserver\n"
        "def parent(_):\n"
        "    return os.getppid()\n"
        "def forkservers():\n"
        "    kids = psutil.Process().children()\n"
        "    return [p.pid for p in kids if 'forkserver' in ' '.join(p.cmdline())]\n"
        "if __name__ == '__main__':\n"
        "    start_forkserver()\n"
        "    early = forkservers()\n"
        "    with DeadlinePool(workers=1, max_calls_per_worker=5) as pool:\n"
        "        worker_parent = pool.call(parent, None, timeout_s=120).result()\n"
        "    later = forkservers()\n"
        "    print(json.dumps([early, later, worker_parent]))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    early, later, worker_parent = json.loads(done.stdout)
    assert len(early) == 1  # the forkserver, before any pool asked for a worker
    assert later == early and worker_parent == early[0]


def test_the_flow_process_does_not_load_the_extractor() -> None:
    """Only the workers load trafilatura (from their forkserver): a flow and its pool do not."""
    code = (
        "import sys, wirehouse.flows.ingest, wirehouse.flows.backfill, wirehouse.extractors.pool;"
        "print(sorted(m for m in ('trafilatura', 'htmldate', 'justext') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
