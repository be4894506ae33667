"""The `ingest` flow as a scheduled Prefect deployment, served by this process.

`wirehouse serve` needs no work pool or worker: the process that serves the deployment polls
the Prefect server for due runs and starts each in a subprocess. Runs never overlap: the
deployment's concurrency limit of 1 cancels a run that comes due while another is still going
(CANCEL_NEW), and the warehouse's run lock backs that up for runs started by other means.

Prefect stores a deployment's parameters in its database and shows them in the UI, so a
location with a password (a PostgreSQL catalog) is never one: the runs read it from
`WIREHOUSE_DB` in the environment of the process that serves them (or the worker's).

A SIGTERM or Ctrl-C to the serving process reaches the run in flight first, which stops and
records itself (`flows.stopping`); only then does Prefect's runner shut down.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner

from wirehouse.config.location import Warehouse
from wirehouse.config.parameters import IngestParameters
from wirehouse.config.shards import Shard
from wirehouse.flows.ingest import ingest

DEPLOYMENT_NAME = "scheduled"


def deployment_name(shard: Shard | None = None) -> str:
    """`scheduled`, or `scheduled-shard-2-of-3`: one deployment per shard under one server."""
    return f"{DEPLOYMENT_NAME}-shard-{shard.index}-of-{shard.count}" if shard else DEPLOYMENT_NAME


def ingest_deployment(
    asked: IngestParameters,
    *,
    interval_s: float | None = None,
    cron: str | None = None,
) -> RunnerDeployment:
    """The `ingest/scheduled` deployment: one schedule, fixed parameters, one run at a time.

    Paths are made absolute, so a run reads the same files whatever directory serves it. Each
    shard is its own deployment, so its one-run-at-a-time limit does not hold back the others.
    A location with a password becomes `db=None`: see secret_location_env().
    """
    if (interval_s is None) == (cron is None):
        raise ValueError("give exactly one of interval_s and cron")
    schedule: dict[str, Any] = {"cron": cron} if cron else {"interval": interval_s}
    if asked.db is None:
        raise ValueError("a deployment needs the warehouse location (the settings' db)")
    warehouse = Warehouse(asked.db, asked.data_path)
    # paths made absolute; a lake's catalog location and an object-storage URL as given
    local_data = warehouse.local_data_path
    shard = asked.parsed_shard()
    fixed = replace(
        asked,
        feeds_file=str(Path(asked.feeds_file).resolve()) if asked.feeds_file else None,
        db=_db_parameter(warehouse),
        data_path=str(local_data.resolve()) if local_data else asked.data_path,
        shard=str(shard) if shard else None,
    )
    deployment = ingest.to_deployment(
        name=deployment_name(shard),
        parameters=fixed.as_flow_parameters(),
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        # the module is importable wherever wirehouse is installed; a file path is not
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Ingest the feeds on a schedule (created by `wirehouse serve`).",
        **schedule,
    )
    assert isinstance(deployment, RunnerDeployment)  # to_deployment is sync outside a loop
    return deployment


def _db_parameter(warehouse: Warehouse) -> str | None:
    if warehouse.has_secret:
        return None  # the run reads WIREHOUSE_DB: a parameter is stored and shown in the UI
    if warehouse.is_lake:
        return warehouse.location
    return str(Path(warehouse.location).resolve())


def secret_location_env(db: str) -> dict[str, str]:
    """What the serving process's environment needs so its runs find a location that was
    kept out of the parameters: `{"WIREHOUSE_DB": db}`, or nothing."""
    return {"WIREHOUSE_DB": db} if Warehouse(db).has_secret else {}


class _StoppingRunner(Runner):
    """Prefect's runner, but a SIGTERM or Ctrl-C reaches the runs in flight first: each stops
    as a run by hand does and records itself (`flows.stopping`). Alone, the runner ends them
    at once, unrecorded. The runs are stopped inside the event loop, which keeps reading their
    output; a second signal ends the runner at once."""

    def __init__(self, *, grace_s: float) -> None:
        super().__init__(pause_on_shutdown=True, limit=None)
        self._grace_s = grace_s

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        self._stop_runs_then(lambda: Runner.handle_sigterm(self, *args, **kwargs))

    def handle_sigint(self, signum: int, frame: object) -> None:
        self._stop_runs_then(_interrupt)

    def _stop_runs_then(self, end: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not serving yet, or any more
            end()
            return
        if self.stopping:  # a second signal, or Prefect stopping on its own: end now
            end()
            return
        # as Prefect's own stop does first: no new run is submitted while these stop
        self.stopping = True
        if poller := getattr(self, "_scheduled_run_poller", None):
            poller.stopping = True
        # threadsafe though on the loop's own thread: it wakes the loop from its wait
        asyncio.run_coroutine_threadsafe(self._stop_runs(end), loop)

    async def _stop_runs(self, end: Callable[[], None]) -> None:
        runs = self._process_manager.flow_run_ids()
        for flow_run_id in runs:
            handle = self._process_manager.get(flow_run_id)
            if handle is not None and handle.pid is not None:
                with suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGTERM)
        waits = [self._process_manager.wait_for_exit(r, self._grace_s) for r in runs]
        await asyncio.gather(*waits)
        end()


def _interrupt() -> None:
    raise KeyboardInterrupt


def serve_deployments(*deployments: RunnerDeployment, grace_s: float) -> None:
    """Serve until SIGTERM or Ctrl-C; the schedules are paused when serving stops, after the
    runs in flight have had up to `grace_s` to stop and record themselves."""
    runner = _StoppingRunner(grace_s=grace_s)
    for deployment in deployments:
        runner.add_deployment(deployment)
    previous = signal.signal(signal.SIGINT, runner.handle_sigint)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
