"""extract_batch on a real Dask cluster (two worker processes on loopback) gives exactly what it
gives in-process, survives a worker killed mid-batch, and fails in one line when the scheduler
cannot be reached."""

from __future__ import annotations

import dataclasses
import os
import signal
import time

import distributed
import pytest

from devkit.ports import free_port
from tests.slow_pages import huge_text_page
from wirehouse.config.settings import ExtractSettings
from wirehouse.errors import ConfigError
from wirehouse.extractors.backend import open_pool
from wirehouse.extractors.batch import extract_batch
from wirehouse.extractors.dask_pool import DaskExtractionPool
from wirehouse.records import Page, Rejected


def test_dask_results_equal_in_process_results(
    dask_cluster: distributed.LocalCluster, pages: list[Page], settings: ExtractSettings
) -> None:
    expected = extract_batch(pages, settings)
    on_dask = settings.model_copy(update={"dask_address": dask_cluster.scheduler_address})
    with open_pool(on_dask) as pool:
        assert isinstance(pool, DaskExtractionPool)
        assert pool.capacity == 2
        futures = [pool.submit(pages[i : i + 3]) for i in range(0, len(pages), 3)]
        results = [r for future in futures for r in future.result(timeout=120)]
    assert results == expected


def test_a_worker_killed_mid_batch_does_not_lose_the_batch(
    dask_cluster: distributed.LocalCluster, pages: list[Page], settings: ExtractSettings
) -> None:
    batch = pages * 15  # a few seconds of work, so the kill lands while it runs
    expected = extract_batch(pages, settings) * 15
    with (
        DaskExtractionPool(dask_cluster.scheduler_address, settings) as pool,
        distributed.Client(dask_cluster.scheduler_address, set_as_default=False) as observer,
    ):
        logged = len(dask_cluster.scheduler.transition_log)
        future = pool.submit(batch)
        busy = _worker_running_a_task(observer)
        pid = observer.run(os.getpid, workers=[busy])[busy]
        os.kill(pid, signal.SIGKILL)
        assert future.result(timeout=120) == expected
        # the scheduler saw the batch's worker die and ran it again on the other worker
        starts = [
            key
            for key, _, finish, *_ in list(dask_cluster.scheduler.transition_log)[logged:]
            if finish == "processing"
        ]
        assert len(starts) == 2 and starts[0] == starts[1], starts
        # the nanny starts a fresh worker in place of the killed one
        observer.wait_for_workers(2, timeout=60)


def _worker_running_a_task(client: distributed.Client) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        busy = [worker for worker, tasks in client.processing().items() if tasks]
        if busy:
            time.sleep(0.3)  # past unpickling the pages: the batch is extracting
            return busy[0]
        time.sleep(0.02)
    raise AssertionError("no worker picked up the batch")


def test_an_unreachable_scheduler_is_one_line_and_does_not_hang(
    settings: ExtractSettings,
) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        DaskExtractionPool(address, settings, timeout_s=1)
    assert time.monotonic() - started < 30  # a 1 s timeout; a hang would be minutes
    message = str(caught.value)
    assert message.startswith(f"extract.dask_address: cannot reach the Dask scheduler at {address}")
    assert "\n" not in message


def test_a_malformed_address_is_one_line(settings: ExtractSettings) -> None:
    with pytest.raises(ConfigError, match=r"^extract\.dask_address: bad address 'nonsense:::': "):
        DaskExtractionPool("nonsense:::", settings, timeout_s=1)


def test_a_scheduler_without_workers_is_one_line(settings: ExtractSettings) -> None:
    with (
        distributed.LocalCluster(
            n_workers=0, processes=True, dashboard_address="127.0.0.1:0", host="127.0.0.1"
        ) as empty,
        pytest.raises(ConfigError) as caught,
    ):
        DaskExtractionPool(empty.scheduler_address, settings, timeout_s=1)
    assert str(caught.value) == (
        f"extract.dask_address: the Dask scheduler at {empty.scheduler_address} has no workers "
        "(waited 1 s)"
    )


def test_a_closed_pool_refuses_work(
    dask_cluster: distributed.LocalCluster, settings: ExtractSettings
) -> None:
    pool = DaskExtractionPool(dask_cluster.scheduler_address, settings)
    pool.close()
    with pytest.raises(RuntimeError):
        pool.submit([])


def test_a_late_batch_is_retried_page_by_page_and_the_slow_page_rejected(
    dask_cluster: distributed.LocalCluster, pages: list[Page], settings: ExtractSettings
) -> None:
    """Dask cannot interrupt a task: a batch past its deadline is cancelled, its worker
    restarted and its pages sent one by one, so the good ones come back and the slow one is
    rejected. (The allowance leaves a restarted worker time to warm up.)"""
    slow = dataclasses.replace(
        pages[0], final_url="https://slow.example/huge", body=huge_text_page(40000)
    )
    tight = settings.model_copy(update={"page_timeout_s": 1.0})
    with DaskExtractionPool(dask_cluster.scheduler_address, tight, page_allowance_s=3.0) as pool:
        started = time.monotonic()
        results = pool.submit([pages[0], pages[1], slow]).result(timeout=120)
        elapsed = time.monotonic() - started
    assert results[:2] == extract_batch(pages[:2], tight)
    assert results[2] == Rejected("extract", slow.final_url, "extract_timeout", "over 10 s")
    # the batch's deadline, a worker restart, then the pages' own deadline; the rejection above
    # proves the deadline, so this bound is loose for a busy 2-core machine: it catches a hang
    assert elapsed < 2 * 10 + 90
