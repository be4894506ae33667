"""A local Prefect server on loopback: where runs are recorded and watched in the UI.

Without a server, Prefect starts a temporary one inside each process and forgets every run
when the process exits; a persistent server keeps the history. It works with no internet:
telemetry is off and the UI is served from the installed package.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from wirehouse.errors import WirehouseError

DEFAULT_PORT = 4200


def server_env(home: Path | None = None) -> dict[str, str]:
    """Environment for a server (and its clients) that never calls out to the internet."""
    env = dict(os.environ)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    # records task runs in batches: cut server CPU per task run from ~35 ms to ~9 ms, measured
    env.setdefault("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE", "100")
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    return env


def start_server(
    *, port: int = DEFAULT_PORT, home: Path | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on 127.0.0.1:port in the background and return the process."""
    prefect = shutil.which("prefect", path=str(Path(sys.executable).parent)) or "prefect"
    env = server_env(home)
    # the UI asks the server where its API is; unset, Prefect answers PREFECT_API_URL or
    # 127.0.0.1:4200, not the --port given here, and the UI shows "Can't connect to Server API"
    env.setdefault("PREFECT_UI_API_URL", api_url(port))
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (owned by the child)
    try:
        return subprocess.Popen(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def running_server(
    *, port: int = DEFAULT_PORT, home: Path | None = None, log: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A healthy server for as long as the block runs (stopped however it ends); yields its
    process. Its API is at `api_url(port)`."""
    proc = start_server(port=port, home=home, log=log)
    try:
        wait_healthy(api_url(port), proc=proc)
        yield proc
    finally:
        stop_server(proc)


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def healthy(url: str) -> bool:
    """Whether a Prefect server answers its health check at the API `url`."""
    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def use_running_server() -> str | None:
    """Point this process's Prefect at a server already answering on 127.0.0.1:DEFAULT_PORT
    (`wirehouse server`'s port) when neither PREFECT_API_URL nor the active Prefect profile
    names one; returns its API URL, or None when Prefect will start its temporary server.

    A temporary server costs each one-off process about 10-20 s of CPU to start (it migrates
    its database and registers block types); a running one costs a health check. Set
    PREFECT_API_URL, even empty, to choose for yourself (empty: always the temporary one).
    """
    if "PREFECT_API_URL" in os.environ:
        return None
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():  # from the active profile
        return None
    url = api_url(DEFAULT_PORT)
    if not healthy(url):
        return None
    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()  # Prefect read its settings when it was imported
    return url


def wait_healthy(
    url: str, *, timeout_s: float = 120.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Wait until the server answers its health check, or say why it did not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise WirehouseError(f"the Prefect server exited with code {proc.returncode}")
        if healthy(url):
            return
        time.sleep(0.5)
    raise WirehouseError(f"the Prefect server at {url} did not become healthy in {timeout_s:.0f}s")


def stop_server(proc: subprocess.Popen[bytes], *, timeout_s: float = 20.0) -> None:
    """Stop the server and its workers (it runs in its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
