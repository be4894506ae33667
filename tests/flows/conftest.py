"""Flow tests: the Prefect server is the session fixture `prefect_api` (tests/conftest.py)."""

from __future__ import annotations

import gc

import pytest

# Prefect 3.8.8 leaks one API socket per flow run: prefect/results.py,
# `_read_server_default_result_storage_block_id`, opens `get_client(sync_client=True)` and never
# closes it. The socket is closed when collected; only flow tests see it, so only they allow it.
PREFECT_SOCKET_LEAK = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/flows/" in str(item.path):
            item.add_marker(PREFECT_SOCKET_LEAK)


@pytest.fixture(autouse=True)
def _collect_leaked_sockets():
    """Collect garbage inside each flow test, so a leaked socket is reported here, not later."""
    yield
    gc.collect()
