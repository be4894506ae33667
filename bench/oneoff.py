"""A one-off `wirehouse ingest` process against a running Prefect server, side by side with
the bare trafilatura loop on the same pages.

    .venv/bin/python -m bench.oneoff [--hosts 100 --feeds 50 --articles 1000] [...]

What a user who runs the CLI by hand or from cron pays: the process's imports and start-up,
Prefect's flow start (against a server that is already running, as `wirehouse server` or a
team's server is), the run, and the exit. The pages are the newsroom's (104-150 KB each, with
scripts, menus, comments) over `--hosts` loopback hosts. The CPU of the process tree (the CLI,
its extraction forkserver and workers) is polled every 0.1 s (`measure.PolledCpu`). A second
run, under py-spy, into a fresh warehouse gives the CPU split by stage; the figures come from
the first. Writes
`bench/results/oneoff.json` and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from bench import measure
from bench.ingest_bench import ROOT, Bench, _sample, _shares, newsroom_options, workspace
from devkit.newsroom.generated import Dataset

RESULTS = ROOT / "bench" / "results" / "oneoff.json"
WIREHOUSE = Path(sys.executable).parent / "wirehouse"


def one_off(bench: Bench, dataset: Dataset, db: Path, profile: Path | None) -> dict[str, Any]:
    """Run `wirehouse ingest` once in a fresh process; its wall time from spawn to exit."""
    feeds = bench.feeds_file(dataset)
    log = db.with_suffix(".log")
    cmd = [str(WIREHOUSE), "ingest", "--feeds", str(feeds), "--db", str(db)]
    spawned = datetime.now(UTC)
    started = time.perf_counter()
    with log.open("w") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=bench.work)
        with measure.PolledCpu(proc.pid) as cpu:
            spying = measure.py_spy(profile, pid=proc.pid) if profile else None
            with spying or contextlib.nullcontext() as spy:
                if profile and spy is None:
                    proc.kill()
                    raise RuntimeError("py-spy could not attach: no stage split")
                code = proc.wait(timeout=1800)
                wall = time.perf_counter() - started  # not py-spy's own exit
    if code != 0:
        raise RuntimeError(f"wirehouse ingest exited {code}:\n{log.read_text()[-3000:]}")
    if profile and not profile.stat().st_size:
        raise RuntimeError("py-spy recorded nothing: no stage split")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT started_at, finished_at, pages_fetched, new_articles, summary FROM runs"
        ).fetchall()
    assert len(rows) == 1, f"a fresh warehouse holds one run, not {len(rows)}"
    run_started, run_finished, pages, new_articles, summary = rows[0]
    stages = json.loads(summary).get("stage_seconds", {})
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu.total, 3),
        "parent_cpu_s": round(cpu.by_pid.get(proc.pid, 0.0), 3),
        "processes": len(cpu.by_pid),
        # spawn to the run's record: imports, settings, Prefect's flow start (the run's clock
        # starts as the flow begins; the lock and the warehouse's opening are in `run_s`)
        "start_s": round((run_started - spawned).total_seconds(), 3),
        "run_s": round((run_finished - run_started).total_seconds(), 3),
        # the run's record closed to the process's exit: retention when due, the digest, the
        # checkpoint and read copy, the summary, Prefect's last events, the interpreter's exit
        "exit_s": round(wall - (run_finished - spawned).total_seconds(), 3),
        "pages": pages,
        "new_articles": new_articles,
        "pages_per_s": round(pages / wall, 2),
        "stage_wall_s": {k: round(v, 3) for k, v in stages.items()},
    }


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    run, bare = r["run"], r["bare"]
    f = {
        "pages": run["pages"],
        "avg_page_kb": bare["avg_page_kb"],
        "one_off_pages_per_s": run["pages_per_s"],
        "bare_pages_per_cpu_s": bare["defaults"]["pages_per_cpu_s"],
        "bare_options_pages_per_cpu_s": bare["options"]["pages_per_cpu_s"],
        "bare_before_and_after": bare["defaults"]["before_and_after"],
        "cpu_ms_per_page": round(run["cpu_s"] * 1000 / max(1, run["pages"]), 2),
        "cores_used": round(run["cpu_s"] / run["wall_s"], 2),
        "start_s": run["start_s"],
        "exit_s": run["exit_s"],
    }
    f["one_off_vs_bare_ratio"] = round(f["one_off_pages_per_s"] / f["bare_pages_per_cpu_s"], 2)
    f["one_off_vs_bare_options_ratio"] = round(
        f["one_off_pages_per_s"] / f["bare_options_pages_per_cpu_s"], 2
    )
    f["cpu_per_page_vs_bare"] = round(f["cpu_ms_per_page"] / (1000 / f["bare_pages_per_cpu_s"]), 2)
    if r.get("profile"):
        f["overhead_cpu_share"] = r["profile"]["overhead_share"]
    return f


def _table(f: dict[str, Any]) -> str:
    names = {
        "pages": "pages (one process, cold warehouse)",
        "avg_page_kb": "average page, KB",
        "one_off_pages_per_s": "one-off process, pages/s (spawn to exit)",
        "bare_pages_per_cpu_s": "bare trafilatura defaults, pages/s on 1 core",
        "bare_before_and_after": "  its halves, before / after the run",
        "one_off_vs_bare_ratio": "one-off / bare (defaults)",
        "bare_options_pages_per_cpu_s": "bare, wirehouse's options, pages/s",
        "one_off_vs_bare_options_ratio": "one-off / bare (wirehouse's options)",
        "cpu_ms_per_page": "CPU ms per page (process tree)",
        "cpu_per_page_vs_bare": "CPU per page / bare CPU per page",
        "cores_used": "cores the run got (CPU / wall)",
        "start_s": "spawn to the run's first step, s",
        "exit_s": "the run's end to the exit, s",
        "overhead_cpu_share": "orchestration+dedup+stories+load CPU share",
    }
    width = max(map(len, names.values()))
    return "\n".join(f"{names[k]:<{width}}  {f[k]!s:>10}" for k in names if k in f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    newsroom_options(parser, feeds=50, articles=1_000)
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.out = args.out.resolve()  # before the chdir below
    # what `Bench` reads of the main benchmark's options: no growth runs, pages prerendered
    args.growth, args.growth_feeds, args.growth_articles, args.no_prerender = [], 1, 1, False
    work, result = workspace("wirehouse-oneoff-")
    bench = Bench(args, work)
    try:
        bench.start(warmup=False)  # the CLI processes import and start everything themselves
        print(f"one-off ingest: {args.articles} articles, {args.feeds} feeds", file=sys.stderr)
        sample = _sample(args.articles, args.articles)
        run = functools.partial(one_off, bench, bench.main, work / "run.duckdb", None)
        result["run"], result["bare"] = bench.bracketed(sample, run)
        if not args.no_profile:
            print("profiled one-off ingest", file=sys.stderr)
            profile = work / "run.pyspy.txt"
            profiled = one_off(bench, bench.main, work / "profiled.duckdb", profile)
            result["profile"] = _shares(profile, set(), profiled) | {"run": profiled}
    finally:
        bench.stop()
    result["figures"] = _figures(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result["figures"]))


if __name__ == "__main__":
    main()
