"""Scale-out, simulated on this machine: one process against several, DuckDB file against
DuckLake, local pool against Dask. Loopback only.

    .venv/bin/python -m bench.scaleout [--hosts 20 --feeds 100 --articles 1500 --latency 0.03]

Every configuration ingests the same generated newsroom (`devkit/newsroom/generated.py`) cold
into a fresh warehouse through real `wirehouse ingest` processes, as separate machines would
run them, with one Prefect server for all (started first, not timed):

- `file`: one process, two extraction workers, a DuckDB file (the default);
- `lake`: the same into a DuckLake with its catalog in PostgreSQL (a real server on loopback);
- `lake-2-shards`: two processes at once, `--shard 1/2` and `--shard 2/2`, one worker each;
- `lake-dask`: one process whose extraction runs on a Dask scheduler with two worker processes.

Throughput is pages per second of wall time from starting the processes to the last exit, so a
process's own start counts. This machine has two cores, so the configurations share the same
CPU: the figures show what scaling out costs, not what more machines would gain. Writes
`bench/results/scaleout.json` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devkit.newsroom.generated import Dataset, Generator, Scale
from devkit.newsroom.generated_server import start_process, stop_process
from devkit.ports import free_port
from devkit.postgres import running_postgres
from wirehouse.config.location import Warehouse
from wirehouse.warehouse.connection import session

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
COUNTS = (
    "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM article_urls),"
    " (SELECT count(*) FROM pages)"
)


def _ingest(
    feeds: Path, where: Warehouse, env: dict[str, str], *extra: str
) -> subprocess.Popen[str]:
    args = [str(BIN / "wirehouse"), "ingest", "--feeds", str(feeds), "--db", where.location]
    if where.data_path:
        args += ["--data-path", where.data_path]
    return subprocess.Popen(
        [*args, *extra],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _timed(procs: list[subprocess.Popen[str]]) -> float:
    started = time.perf_counter()
    for p in procs:
        out, _ = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(f"wirehouse ingest failed:\n{out}")
    return time.perf_counter() - started


def _dask_cluster(scheduler_file: Path) -> tuple[list[subprocess.Popen[bytes]], str]:
    """A real `dask scheduler` and two single-threaded `dask worker` processes on loopback."""
    scheduler = subprocess.Popen(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        if time.monotonic() > deadline:
            raise RuntimeError("the Dask scheduler did not start")
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    worker = subprocess.Popen(
        [
            str(BIN / "dask"),
            "worker",
            address,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--preload",
            "wirehouse.extractors._preload",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return [worker, scheduler], address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--articles", type=int, default=1500)
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/scaleout.json")
    args = parser.parse_args()

    from wirehouse.flows.server import api_url, running_server

    scale, dataset = Scale(hosts=args.hosts), Dataset("main", args.feeds, args.articles)
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="wirehouse-scaleout-") as tmp,
        running_postgres() as make_db,
    ):
        work = Path(tmp)
        home = work / "prefect"
        home.mkdir()
        port = free_port()
        with running_server(port=port, home=home, log=home / "server.log"):
            newsroom, news_port = start_process(scale, [dataset], latency_s=args.latency)
            try:
                feeds = work / "feeds.txt"
                urls = Generator(scale, [dataset]).feed_urls(dataset, news_port)
                feeds.write_text("\n".join(urls))
                env = {
                    "PREFECT_API_URL": api_url(port),
                    "PREFECT_HOME": str(home),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                    "WIREHOUSE_EXTRACT__WORKERS": "2",
                }
                configs: list[tuple[str, Warehouse, list[dict[str, str]], list[list[str]]]] = [
                    ("file", Warehouse(str(work / "file.duckdb")), [env], [[]]),
                    ("lake", _lake(make_db, work, "one"), [env], [[]]),
                    (
                        "lake-2-shards",
                        _lake(make_db, work, "two"),
                        [{**env, "WIREHOUSE_EXTRACT__WORKERS": "1"}] * 2,
                        [["--shard", "1/2"], ["--shard", "2/2"]],
                    ),
                ]
                for name, where, envs, extras in configs:
                    wall = _timed(
                        [_ingest(feeds, where, e, *x) for e, x in zip(envs, extras, strict=True)]
                    )
                    results[name] = _result(where, wall, processes=len(envs))
                    print(name, results[name], flush=True)
                cluster, address = _dask_cluster(work / "scheduler.json")
                try:
                    where = _lake(make_db, work, "dask")
                    wall = _timed(
                        [_ingest(feeds, where, {**env, "WIREHOUSE_EXTRACT__DASK_ADDRESS": address})]
                    )
                    results["lake-dask"] = _result(where, wall, processes=1)
                    print("lake-dask", results["lake-dask"], flush=True)
                finally:
                    for p in cluster:
                        p.terminate()
                        p.wait(timeout=30)
            finally:
                stop_process(newsroom)
    base = results["file"]["pages_per_s"]
    for r in results.values():
        r["vs_file"] = round(r["pages_per_s"] / base, 2)
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": vars(args) | {"out": str(args.out)},
        "loadavg_after": os.getloadavg(),
        "cpus": os.cpu_count(),
        "runs": results,
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    head = ("configuration", "processes", "wall s", "pages/s", "vs file")
    print("\n{:16} {:>9} {:>7} {:>8} {:>8}  articles, urls, pages".format(*head))
    for name, r in results.items():
        cells = (name, r["processes"], r["wall_s"], r["pages_per_s"], r["vs_file"], r["rows"])
        print("{:16} {:>9} {:>7.1f} {:>8.1f} {:>8.2f}  {}".format(*cells))


def _lake(make_db: Any, work: Path, name: str) -> Warehouse:
    return Warehouse(f"ducklake:postgres:{make_db(name)}", str(work / f"lake-{name}"))


def _result(where: Warehouse, wall: float, *, processes: int) -> dict[str, Any]:
    with session(where, read_only=True) as con:
        row = con.execute(COUNTS).fetchone()
    assert row is not None
    return {
        "processes": processes,
        "wall_s": round(wall, 2),
        "pages_per_s": round(row[2] / wall, 1),
        "rows": list(row),
    }


if __name__ == "__main__":
    main()
