"""End-to-end ingest benchmark against a simulated newsroom on loopback.

    .venv/bin/python -m bench.ingest_bench [--hosts 100 --feeds 500 --articles 10000] [...]

Measures as production runs: a persistent Prefect server started first (its start-up not
counted), the `ingest` flow called in this long-lived process as `wirehouse serve` does (each
run's own flow start counted), politeness settings at their defaults (the run's budgets lifted
to the dataset, so no run leaves pages to the next), pages spread over `--hosts` loopback
addresses so per-host limits are not what is measured, every page rendered by the newsroom
before the run (a distant server's rendering is not the client's CPU). Figures, each measured
side by side in the same run: cold ingest throughput against bare trafilatura loops (one core,
the same pages: its defaults, and the worker's options; half the sample right before the cold
run and half right after, `Bench.bracketed`); the warm run (all feeds 304); CPU
share per stage (py-spy over a second cold run into a fresh warehouse, so that the profiler's
CPU is not in the first); the growth curve (a fresh batch into warehouses pre-filled with 0 /
100k / 1M articles); memory (peak PSS and summed RSS of the tree, RSS after each run);
trafilatura's own CLI on the same URLs. Writes `bench/results/ingest.json` and
prints a table; `bench/plot.py` draws it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import psutil

from bench import measure
from devkit.newsroom.generated import Dataset, Generator, Scale
from devkit.newsroom.generated_server import start_process, stop_process
from devkit.ports import free_port

ROOT = Path(__file__).resolve().parents[1]

RESULTS = ROOT / "bench" / "results" / "ingest.json"
OVERHEAD_STAGES = ("orchestration", "dedup", "stories", "load")
T = TypeVar("T")


class Bench:
    """The helpers (Prefect server, newsroom) and one `run` per flow run, in one process."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.scale = Scale(hosts=args.hosts, seed=args.seed)
        self.main = Dataset("main", args.feeds, args.articles)
        # a serve process has run before: its first run's imports are not part of a run
        self.warmup = Dataset("w", 1, 2)
        self.growth = [
            Dataset(f"g{i}", args.growth_feeds, args.growth_articles)
            for i in range(len(args.growth))
        ]
        self.datasets = [self.warmup, self.main, *self.growth]
        self.room = Generator(self.scale, self.datasets)
        self.rss_after_runs: list[int] = []
        self._helpers = contextlib.ExitStack()  # the Prefect server, stopped by `stop`

    def start(self, *, warmup: bool = True) -> None:
        """The Prefect server and the newsroom, then (`warmup`) one small run in-process, as a
        serve process has done before its measured runs."""
        from wirehouse.config.settings import BudgetSettings
        from wirehouse.flows.server import api_url, running_server

        home = self.work / "prefect"
        home.mkdir()
        os.environ["PREFECT_HOME"] = str(home)
        port = free_port()
        server = running_server(port=port, home=home, log=home / "server.log")
        self.server = self._helpers.enter_context(server)
        os.environ["PREFECT_API_URL"] = api_url(port)
        # no budget may split a dataset: the cold run measures every page, and the warm run
        # then finds every feed unchanged (a budget is a scheduling choice, and a run never
        # fetches more pages than its dataset has, whatever its feeds' sizes)
        largest = str(max(d.articles for d in self.datasets))
        for budget in BudgetSettings.model_fields:
            os.environ[f"WIREHOUSE_BUDGET__{budget.upper()}"] = largest
        self.newsroom, self.port = start_process(
            self.scale,
            self.datasets,
            latency_s=self.args.latency,
            prerender=not self.args.no_prerender,
        )
        self.tree = measure.Tree(exclude={self.server.pid, self.newsroom.pid})
        if warmup:
            self.run(self.warmup, self.work / "warmup.duckdb")
            self.rss_after_runs.clear()

    def stop(self) -> None:
        from prefect._internal.concurrency.services import QueueService

        # the runs' queued logs and events go to the server before it stops: drained at exit
        # instead, they wait on a server that is gone, and the process lingers for minutes
        QueueService.drain_all(timeout=30)
        stop_process(self.newsroom)
        self._helpers.close()

    def feeds_file(self, dataset: Dataset) -> Path:
        path = self.work / f"feeds-{dataset.name}.txt"
        path.write_text("\n".join(self.room.feed_urls(dataset, self.port)) + "\n")
        return path

    def run(self, dataset: Dataset, db: Path, *, profile: Path | None = None) -> dict[str, Any]:
        """One flow run, timed from the call (flow start included) to its return."""
        from wirehouse.flows.ingest import ingest

        feeds = self.feeds_file(dataset)
        cpu0 = self.tree.cpu_seconds()
        parent0 = sum(psutil.Process().cpu_times()[:2])
        helpers0 = {
            "prefect_server": measure.subtree_cpu_seconds(self.server.pid),
            "newsroom": measure.subtree_cpu_seconds(self.newsroom.pid),
        }
        profiling = (
            measure.py_spy(profile, pid=os.getpid()) if profile else contextlib.nullcontext()
        )
        with profiling as spy:
            if spy is not None:  # py-spy is the benchmark's helper, not part of the run
                self.tree.exclude.add(spy.pid)
            with measure.PeakMemory(self.tree) as memory:
                started = time.perf_counter()
                try:
                    summary = asyncio.run(ingest(feeds_file=str(feeds), db=str(db)))
                finally:
                    wall = time.perf_counter() - started
        if spy is not None:
            self.tree.exclude.discard(spy.pid)
        cpu = self.tree.cpu_seconds() - cpu0
        parent_cpu = sum(psutil.Process().cpu_times()[:2]) - parent0
        self.rss_after_runs.append(psutil.Process().memory_info().rss)
        s: dict[str, Any] = (
            {f.name: getattr(summary, f.name) for f in dataclasses.fields(summary)}
            if dataclasses.is_dataclass(summary)
            else {"state": str(summary)}
        )
        pages = int(s.get("pages_fetched", 0))
        return {
            "dataset": dataset.name,
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "parent_cpu_s": round(parent_cpu, 3),
            "helpers_cpu_s": {
                "prefect_server": round(
                    measure.subtree_cpu_seconds(self.server.pid) - helpers0["prefect_server"], 3
                ),
                "newsroom": round(
                    measure.subtree_cpu_seconds(self.newsroom.pid) - helpers0["newsroom"], 3
                ),
            },
            "peak_rss_mb": round(memory.peak / 2**20, 1),
            "peak_pss_mb": round(memory.peak_pss / 2**20, 1),
            "pages": pages,
            "pages_per_s": round(pages / wall, 2) if wall else 0.0,
            "feeds_fetched": s.get("feeds_fetched"),
            "feeds_not_modified": s.get("feeds_not_modified"),
            "entries_new": s.get("entries_new"),
            "new_articles": s.get("new_articles"),
            "duplicates": s.get("duplicates"),
            "pages_failed": s.get("pages_failed"),
            "state": s.get("state"),
            "stage_wall_s": {k: round(v, 3) for k, v in s.get("stage_seconds", {}).items()},
        }

    def bare_trafilatura(self, sample: list[int]) -> dict[str, Any]:
        """The extraction limit: trafilatura alone on the same pages, one core, two ways, in a
        fresh interpreter (`bench.bare_loop`: trafilatura as released, a heap of its own).

        ``defaults`` is what a user would write, `trafilatura.extract(body, output_format="json",
        with_metadata=True)`; ``options`` is `bare_extraction` with the worker's own options
        (text only: the worker reads the metadata itself).
        """
        from wirehouse.config.settings import ExtractSettings
        from wirehouse.extractors.page import WARM_UP_PAGE, trafilatura_options

        pages = [
            (
                self.room.article_url(self.main, k, self.port),
                self.room.page(self.main, k, self.port),
            )
            for k in sample
        ]
        options = trafilatura_options(ExtractSettings())  # the flow's, at their defaults
        shipped = self.work / "bare-pages.pickle"
        shipped.write_bytes(pickle.dumps({"pages": pages, "warm_up": WARM_UP_PAGE}))
        cmd = [sys.executable, "-m", "bench.bare_loop", str(shipped), json.dumps(options)]
        try:
            # a few seconds per hundred pages; a hung loop must not hang the benchmark
            done = subprocess.run(
                cmd, capture_output=True, text=True, cwd=ROOT, timeout=60 + 2 * len(pages)
            )
        finally:
            shipped.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"bare loop exited {done.returncode}: {done.stderr[-2000:]}")
        answer = json.loads(done.stdout.splitlines()[-1])
        spent, extracted = answer["cpu_s"], answer["extracted"]
        result: dict[str, Any] = {
            "pages": len(pages),
            "avg_page_kb": round(sum(len(b) for _, b in pages) / len(pages) / 1024, 1),
        }
        for name, cpu in spent.items():
            result[name] = {
                "extracted": extracted[name],
                "cpu_s": round(cpu, 3),
                "pages_per_cpu_s": round(len(pages) / cpu, 2),
            }
        return result

    def bracketed(self, sample: list[int], measured: Callable[[], T]) -> tuple[T, dict[str, Any]]:
        """`measured()` between two halves of the bare loops (alternate pages of `sample`), so
        that the machine's speed, which drifts by tens of percent over minutes on a shared
        host, weighs on the run and its baseline alike; each half's rate is kept."""
        before = self.bare_trafilatura(sample[0::2])
        outcome = measured()
        after = self.bare_trafilatura(sample[1::2])
        pages = before["pages"] + after["pages"]
        bare: dict[str, Any] = {
            "pages": pages,
            "avg_page_kb": round(
                (before["avg_page_kb"] * before["pages"] + after["avg_page_kb"] * after["pages"])
                / pages,
                1,
            ),
        }
        for name in ("defaults", "options"):
            cpu = before[name]["cpu_s"] + after[name]["cpu_s"]
            bare[name] = {
                "extracted": before[name]["extracted"] + after[name]["extracted"],
                "cpu_s": round(cpu, 3),
                "pages_per_cpu_s": round(pages / cpu, 2),
                "before_and_after": [
                    before[name]["pages_per_cpu_s"],
                    after[name]["pages_per_cpu_s"],
                ],
            }
        return outcome, bare

    def peer(self, sample: list[int]) -> dict[str, Any]:
        """trafilatura's CLI over the same URLs (loopback protection and per-domain sleep off)."""
        import trafilatura

        cli = Path(sys.executable).parent / "trafilatura"
        config = self.work / "trafilatura.cfg"
        text = (Path(trafilatura.__file__).parent / "settings.cfg").read_text()
        text = text.replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0")
        config.write_text(text.replace("SSRF_PROTECTION = on", "SSRF_PROTECTION = off"))
        urls = self.work / "urls.txt"
        urls.write_text(
            "\n".join(self.room.article_url(self.main, k, self.port) for k in sample) + "\n"
        )
        out = self.work / "peer.jsonl"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with out.open("wb") as sink:
            subprocess.run(
                [
                    str(cli),
                    "-i",
                    str(urls),
                    "--parallel",
                    "2",
                    "--json",
                    "--with-metadata",
                    "--config-file",
                    str(config),
                ],
                stdout=sink,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        lines = sum(1 for line in out.read_bytes().splitlines() if line.strip())
        return {
            "urls": len(sample),
            "extracted": lines,
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "pages_per_s": round(len(sample) / wall, 2),
        }

    def growth_point(self, size: int, dataset: Dataset) -> dict[str, Any]:
        db = self.work / f"growth-{size}.duckdb"
        started = time.perf_counter()
        prefill = [sys.executable, "-m", "bench.prefill", str(db), str(size)]
        subprocess.run([*prefill, "--seed", str(self.scale.seed)], check=True)
        prefill_s = time.perf_counter() - started
        row = self.run(dataset, db)
        row["warehouse_articles"] = size
        row["prefill_s"] = round(prefill_s, 1)
        row["ms_per_article"] = round(row["wall_s"] * 1000 / max(1, row["pages"]), 2)
        row["cpu_ms_per_article"] = round(row["cpu_s"] * 1000 / max(1, row["pages"]), 2)
        db.unlink()
        return row


def _sample(n: int, size: int) -> list[int]:
    step = max(1, n // size)
    return list(range(0, n, step))[:size]


def _shares(profile: Path, helpers: set[int], cold: dict[str, Any]) -> dict[str, Any]:
    """CPU seconds and share per stage of the pipeline (helper processes left out).

    py-spy counts a runnable thread waiting for a core as busy, so its samples are not CPU
    time on a loaded machine: the measured CPU of the parent process and of the extraction
    workers (psutil) is split between stages in proportion to each one's own samples."""
    lines = profile.read_text(errors="replace").splitlines() if profile.exists() else []
    mine = [
        ln
        for ln in lines
        if not any(f"process {pid}:" in ln for pid in helpers) and measure.SAMPLER not in ln
    ]
    parent = [ln for ln in mine if ln.count("process ") == 1]
    workers = [ln for ln in mine if ln.count("process ") > 1]
    seconds: dict[str, float] = {}
    for part, cpu in (
        (parent, cold["parent_cpu_s"]),
        (workers, cold["cpu_s"] - cold["parent_cpu_s"]),
    ):
        counts = measure.classify(part)
        total = sum(counts.values()) or 1
        for stage, n in counts.items():
            seconds[stage] = seconds.get(stage, 0.0) + cpu * n / total
    total_s = sum(seconds.values()) or 1.0
    ordered = sorted(seconds.items(), key=lambda kv: -kv[1])
    return {
        "samples": len(mine),
        "cpu_s": {k: round(v, 2) for k, v in ordered},
        "shares": {k: round(v / total_s, 4) for k, v in ordered},
        "overhead_share": round(sum(seconds.get(k, 0.0) for k in OVERHEAD_STAGES) / total_s, 4),
        "top_parent": [[f, n] for f, n in measure.top_functions(parent, 15)],
        "top_workers": [[f, n] for f, n in measure.top_functions(workers, 10)],
    }


def _helper_pids(*pids: int) -> set[int]:
    out: set[int] = set()
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            out |= {pid, *(c.pid for c in proc.children(recursive=True))}
        except psutil.Error:
            continue
    return out


def _table(result: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str]] = []
    f = result["figures"]
    for name, value, target in (
        ("cold ingest, pages/s (end to end)", f.get("cold_pages_per_s"), ""),
        ("bare trafilatura defaults, pages/s on 1 core", f.get("bare_pages_per_cpu_s"), ""),
        ("  its halves, before / after the cold run", f.get("bare_before_and_after"), ""),
        ("cold / bare single-core ratio", f.get("cold_vs_bare_ratio"), ">= 1.6"),
        ("bare, wirehouse's options, pages/s", f.get("bare_options_pages_per_cpu_s"), ""),
        ("cold / bare with wirehouse's options", f.get("cold_vs_bare_options_ratio"), ""),
        ("cold CPU ms per page (whole tree)", f.get("cold_cpu_ms_per_page"), ""),
        ("cores the run got (CPU / wall)", f.get("cold_cores_used"), ""),
        ("CPU per page / bare CPU per page", f.get("cpu_per_page_vs_bare"), "<= 1.25"),
        ("ratio if the run had the idle cores", f.get("ceiling_ratio_on_idle_cores"), ">= 1.6"),
        ("orchestration+dedup+stories+load CPU share", f.get("overhead_cpu_share"), "<= 0.15"),
        ("warm run (all 304), s incl. flow start", f.get("warm_wall_s"), "< 5"),
        ("growth: ms/article at 0", f.get("growth_ms_per_article_at_0"), ""),
        ("growth: ms/article at largest", f.get("growth_ms_per_article_at_max"), ""),
        ("growth ratio largest / 0", f.get("growth_ratio"), "<= 1.5"),
        ("peak RSS of the tree (shared pages per process), MB", f.get("cold_peak_rss_mb"), ""),
        ("peak PSS of the tree (its footprint), cold run, MB", f.get("cold_peak_pss_mb"), "< 1000"),
        ("RSS after each run, MB", f.get("rss_after_runs_mb"), "flat"),
        ("trafilatura CLI --parallel 2, pages/s", f.get("peer_pages_per_s"), ""),
        ("wirehouse / trafilatura CLI", f.get("wirehouse_vs_peer_ratio"), "> 1"),
    ):
        if value is not None:
            rows.append((name, str(value), target))
    width = max(len(r[0]) for r in rows)
    lines = [f"{'figure':<{width}}  {'value':>12}  target", "-" * (width + 24)]
    lines += [f"{n:<{width}}  {v:>12}  {t}" for n, v, t in rows]
    return "\n".join(lines)


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    f: dict[str, Any] = {}
    cold = r.get("cold")
    if cold:
        f["cold_pages_per_s"] = cold["pages_per_s"]
        f["cold_cpu_ms_per_page"] = round(cold["cpu_s"] * 1000 / max(1, cold["pages"]), 2)
        f["cold_cores_used"] = round(cold["cpu_s"] / cold["wall_s"], 2)
        f["cold_peak_rss_mb"] = cold["peak_rss_mb"]
        f["cold_peak_pss_mb"] = cold.get("peak_pss_mb")
    if r.get("bare"):
        # the target is against trafilatura's defaults; the worker's own options are reported too
        bare = r["bare"]["defaults"]["pages_per_cpu_s"]
        f["bare_pages_per_cpu_s"] = bare
        f["bare_before_and_after"] = r["bare"]["defaults"].get("before_and_after")
        f["bare_options_pages_per_cpu_s"] = r["bare"]["options"]["pages_per_cpu_s"]
        if cold:
            f["cold_vs_bare_ratio"] = round(cold["pages_per_s"] / bare, 2)
            f["cold_vs_bare_options_ratio"] = round(
                cold["pages_per_s"] / f["bare_options_pages_per_cpu_s"], 2
            )
            # what the same CPU per page would give with both cores to itself (others' load,
            # the newsroom and the Prefect server removed): a ceiling, not a measurement
            bare_ms = 1000 / bare
            f["cpu_per_page_vs_bare"] = round(f["cold_cpu_ms_per_page"] / bare_ms, 2)
            f["ceiling_ratio_on_idle_cores"] = round(
                (os.cpu_count() or 1) / f["cpu_per_page_vs_bare"], 2
            )
    if r.get("profile"):
        f["overhead_cpu_share"] = r["profile"]["overhead_share"]
    if r.get("warm"):
        f["warm_wall_s"] = r["warm"]["wall_s"]
    growth = r.get("growth") or []
    if len(growth) >= 2:
        f["growth_ms_per_article_at_0"] = growth[0]["ms_per_article"]
        f["growth_ms_per_article_at_max"] = growth[-1]["ms_per_article"]
        f["growth_ratio"] = round(growth[-1]["ms_per_article"] / growth[0]["ms_per_article"], 2)
    f["rss_after_runs_mb"] = [round(x / 2**20) for x in r.get("rss_after_runs", [])]
    if r.get("peer"):
        f["peer_pages_per_s"] = r["peer"]["pages_per_s"]
        if cold:
            f["wirehouse_vs_peer_ratio"] = round(cold["pages_per_s"] / r["peer"]["pages_per_s"], 2)
    return f


def workspace(prefix: str) -> tuple[Path, dict[str, Any]]:
    """A new working folder, made the current one (no config/wirehouse.toml is picked up, so
    settings are at their defaults), and the header of the benchmark's result."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.chdir(work)
    return work, {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }


def newsroom_options(parser: argparse.ArgumentParser, *, feeds: int, articles: int) -> None:
    """The generated newsroom's size and speed, as every benchmark that runs it takes them."""
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--feeds", type=int, default=feeds)
    parser.add_argument("--articles", type=int, default=articles)
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per request")
    parser.add_argument("--seed", type=int, default=6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    newsroom_options(parser, feeds=500, articles=10_000)
    parser.add_argument("--bare-sample", type=int, default=1_000, help="pages, bare loop")
    parser.add_argument("--peer-sample", type=int, default=2_000, help="URLs, trafilatura CLI")
    parser.add_argument("--growth", type=int, nargs="*", default=[0, 100_000, 1_000_000])
    parser.add_argument("--growth-feeds", type=int, default=100)
    parser.add_argument("--growth-articles", type=int, default=2_000)
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the profiled cold run (py-spy)"
    )
    parser.add_argument(
        "--no-prerender",
        action="store_true",
        help="the newsroom renders each page when asked (its memory: ~125 KB a page otherwise)",
    )
    parser.add_argument(
        "--only-cold", action="store_true", help="cold run only (the memory figure at scale)"
    )
    parser.add_argument("--keep-profile", type=Path, help="copy py-spy's raw stacks here")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.only_cold:
        args.growth = []

    args.out = args.out.resolve()  # before the chdir below
    if args.keep_profile:
        args.keep_profile = args.keep_profile.resolve()
    work, result = workspace("wirehouse-bench-")
    bench = Bench(args, work)
    result["scale"] = {k: v for k, v in vars(args).items() if k not in {"out"}} | {"out": None}
    try:
        bench.start()
        helpers = _helper_pids(bench.server.pid, bench.newsroom.pid)
        print(f"cold ingest: {args.articles} articles, {args.feeds} feeds", file=sys.stderr)
        cold = functools.partial(bench.run, bench.main, work / "main.duckdb")
        if args.only_cold or not args.bare_sample:
            result["cold"] = cold()
        else:
            sample = _sample(args.articles, args.bare_sample)
            result["cold"], result["bare"] = bench.bracketed(sample, cold)
        if not args.only_cold:
            print("warm run", file=sys.stderr)
            result["warm"] = bench.run(bench.main, work / "main.duckdb")
        if not args.no_profile:
            # py-spy takes CPU of its own from the two cores: the stage shares come from a
            # second cold run, into a fresh warehouse, and the figures above from one without it
            print("profiled cold ingest", file=sys.stderr)
            profile = work / "cold.pyspy.txt"
            profiled = bench.run(bench.main, work / "profiled.duckdb", profile=profile)
            result["profile"] = _shares(profile, helpers, profiled) | {"run": profiled}
            if args.keep_profile:
                shutil.copy(profile, args.keep_profile)
        if not args.only_cold and args.peer_sample:
            print("trafilatura CLI", file=sys.stderr)
            result["peer"] = bench.peer(_sample(args.articles, args.peer_sample))
        result["growth"] = []
        for size, dataset in zip(args.growth, bench.growth, strict=True):
            print(f"growth point {size:,}", file=sys.stderr)
            result["growth"].append(bench.growth_point(size, dataset))
        result["rss_after_runs"] = bench.rss_after_runs
    finally:
        bench.stop()
        result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        shutil.rmtree(work, ignore_errors=True)
    result["figures"] = _figures(result)
    table = _table(result)
    print(table)
    result["table"] = table.splitlines()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
