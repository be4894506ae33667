"""Session-wide test setup.

Flow tests run against one real Prefect server on loopback, started once for the session
(`prefect server start` takes seconds), with its state in a temporary PREFECT_HOME.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.ports import free_port

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect server on 127.0.0.1; yields its API URL (also set for subprocesses)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from wirehouse.flows.server import api_url, running_server

    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    url = api_url(port)
    with running_server(port=port, home=home, log=Path(home) / "server.log"):
        os.environ["PREFECT_API_URL"] = url
        try:
            with temporary_settings({PREFECT_API_URL: url}):
                yield url
        finally:
            os.environ.pop("PREFECT_API_URL", None)


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """A real Dask cluster on loopback: a scheduler and two single-threaded worker processes."""
    import distributed

    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        # None still serves HTTP on 8787 and fails (a warning) if that is taken: any free port
        dashboard_address="127.0.0.1:0",
        host="127.0.0.1",
    ) as local:
        yield local
