"""What the benchmarks measure: process-tree CPU, peak RSS and PSS and stage profile around a
run, and the CPU of calls timed side by side on the same pages.

CPU and memory cover the benchmarked process and its descendants (the extraction forkserver
and its workers), not the helper processes the benchmark starts itself: the Prefect server
and the newsroom are measured separately, py-spy and the memory sampler not at all
(`Tree.exclude` holds them all).
Workers that exited are counted through their parent's ``children_*`` times, which the
forkserver collects when it reaps them.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil

Page = TypeVar("Page")


@dataclass
class Tree:
    """A process and its descendants, minus the subtrees rooted at `exclude` pids."""

    root: int = field(default_factory=os.getpid)
    exclude: set[int] = field(default_factory=set)

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.root)
        out = [root]
        skipped: set[int] = set()
        for child in root.children(recursive=True):
            try:
                parent = child.ppid()
            except psutil.Error:
                continue
            if child.pid in self.exclude or parent in skipped:
                skipped.add(child.pid)
                continue
            out.append(child)
        return out

    def cpu_seconds(self) -> float:
        """user + system of the tree so far, including its reaped descendants (not the root's)."""
        total = 0.0
        for proc in self.processes():
            try:
                t = proc.cpu_times()
            except psutil.Error:
                continue
            total += t.user + t.system
            if proc.pid != self.root:  # the root reaps helpers we do not count
                total += t.children_user + t.children_system
        return total

    def rss_bytes(self) -> int:
        """Summed RSS: a page every process maps counts once per process, so the pages forked
        workers share with their forkserver count once per worker (an upper bound)."""
        return sum(_safe(lambda p: p.memory_info().rss, proc) for proc in self.processes())

    def pss_bytes(self) -> int:
        """Summed PSS: each shared page split among the processes sharing it (the footprint).
        The kernel walks every mapping for it (~15 ms for a 600 MB process)."""
        return sum(_safe(_pss, proc) for proc in self.processes())


def _pss(proc: psutil.Process) -> int:
    with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def _safe(read: Callable[[psutil.Process], int], proc: psutil.Process) -> int:
    try:
        return read(proc)
    except (psutil.Error, OSError):
        return 0  # the process ended between listing and reading


def subtree_cpu_seconds(pid: int) -> float:
    """CPU of a helper process and everything below it (the Prefect server, the newsroom)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class PolledCpu:
    """The CPU seconds of a process tree that exits on its own (a CLI process and its workers),
    polled while the block runs: each process's own user + system at its last sample, so a
    process's last `every_s` before it exits is missed, and nothing counts twice."""

    def __init__(self, root: int, every_s: float = 0.1) -> None:
        self.root = root
        self.every_s = every_s
        self.by_pid: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        tree = Tree(self.root)
        while not self._done.is_set():
            try:
                procs = tree.processes()
            except psutil.Error:  # the root has exited
                return
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    t = proc.cpu_times()
                    self.by_pid[proc.pid] = t.user + t.system
            self._done.wait(self.every_s)

    def __enter__(self) -> PolledCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def total(self) -> float:
        return sum(self.by_pid.values())


class PeakMemory:
    """The largest summed RSS (`peak`, every `every_s`) and PSS (`peak_pss`, every
    `pss_every_s`) of the tree while the block runs, sampled by a child process excluded from
    the tree: reading /proc costs the sampler, and the measured run none of it."""

    def __init__(self, tree: Tree, *, every_s: float = 0.5, pss_every_s: float = 2.0) -> None:
        self.tree = tree
        self.every_s = every_s
        self.pss_every_s = pss_every_s
        self.peak = 0
        self.peak_pss = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> PeakMemory:
        cmd = [sys.executable, "-m", *SAMPLER.split(), str(self.tree.root)]
        cmd += [str(self.every_s), str(self.pss_every_s), *map(str, self.tree.exclude)]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT
        )
        self.tree.exclude.add(self._proc.pid)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        assert self._proc is not None
        try:
            out, _ = self._proc.communicate("", timeout=60)  # stdin closed: it reports
        except subprocess.TimeoutExpired:
            self._proc.kill()
            out, _ = self._proc.communicate()
        finally:
            self.tree.exclude.discard(self._proc.pid)
        figures = out.split()
        if len(figures) == 2:
            self.peak, self.peak_pss = (int(x) for x in figures)
        elif exc_type is None:  # else the block's own error is the one to see
            raise RuntimeError(f"memory sampler ended without figures ({self._proc.returncode})")


_ROOT = Path(__file__).resolve().parents[1]
# how the sampler's process shows in py-spy's stacks (left out of the stage shares)
SAMPLER = "bench.measure --sample"


def _sample(root: int, every_s: float, pss_every_s: float, exclude: set[int]) -> None:
    """The sampler of `PeakMemory`: samples until its stdin closes, then prints both peaks."""
    tree = Tree(root, exclude | {os.getpid()})
    peak = peak_pss = 0
    next_pss = 0.0
    while True:
        peak = max(peak, tree.rss_bytes())
        if time.monotonic() >= next_pss:
            peak_pss = max(peak_pss, tree.pss_bytes())
            next_pss = time.monotonic() + pss_every_s
        if select.select([sys.stdin], [], [], every_s)[0]:
            break  # closed (or written to): done
    print(max(peak, tree.rss_bytes()), max(peak_pss, tree.pss_bytes()), flush=True)


# Stage of a sampled stack: the first rule matching a frame, scanning from the innermost frame;
# a rule without a stage passes its frame over, to the caller's stage. Frames look like
# "function (path/to/module.py:line)". The worker pool's dispatch and pipes
# (extractors/pool.py) count as extraction: a worker woken by its pipe waits there for a core,
# so they draw more samples than CPU; `bench/pool_pipe.py` measures the pipes apart.
_RULES: tuple[tuple[str, str], ...] = (
    # the exact-dedup hash is computed in the worker; the word splitting beneath it also
    # serves cleanup (extraction) and near-duplicate shingling (dedup)
    ("content_hash (wirehouse/extractors/fingerprint.py", "dedup"),
    ("wirehouse/extractors/fingerprint.py", ""),
    ("extractors/loading.py", "parse"),
    ("lxml/html/__init__.py", "parse"),
    ("zlib", "extract"),
    ("trafilatura/", "extract"),
    ("htmldate/", "extract"),
    ("justext/", "extract"),
    ("courlan/", "extract"),
    ("wirehouse/extractors/", "extract"),
    ("wirehouse/dedup/stories.py", "stories"),
    ("wirehouse/warehouse/stories.py", "stories"),
    ("wirehouse/dedup/", "dedup"),
    ("wirehouse/warehouse/fingerprints.py", "dedup"),
    ("wirehouse/warehouse/demotions.py", "dedup"),
    ("lookups_for", "dedup"),
    ("wirehouse/warehouse/search.py", "search_index"),
    ("wirehouse/warehouse/", "load"),
    ("wirehouse/feeds/", "feeds"),
    ("feedparser/", "feeds"),
    ("wirehouse/fetch/", "fetch"),
    ("httpx/", "fetch"),
    ("httpcore/", "fetch"),
    ("h11/", "fetch"),
    ("anyio/", "fetch"),
)


def stage_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        stage = next((stage for needle, stage in _RULES if needle in frame), None)
        if stage:
            return stage
    return "orchestration"


def classify(lines: Iterable[str]) -> Counter[str]:
    """Samples per stage from py-spy's raw (collapsed) output."""
    counts: Counter[str] = Counter()
    for line in lines:
        stack_text, _, n = line.rstrip("\n").rpartition(" ")
        if not stack_text or not n.isdigit():
            continue
        counts[stage_of(stack_text.split(";"))] += int(n)
    return counts


def top_functions(lines: Iterable[str], n: int = 15) -> list[tuple[str, int]]:
    """The innermost frames with the most samples (the profile's "top" view)."""
    counts: Counter[str] = Counter()
    for line in lines:
        stack_text, _, k = line.rstrip("\n").rpartition(" ")
        if stack_text and k.isdigit():
            counts[stack_text.split(";")[-1]] += int(k)
    return counts.most_common(n)


@contextmanager
def py_spy(out: Path, *, pid: int, rate: int = 25) -> Iterator[subprocess.Popen[bytes] | None]:
    """Sample `pid` and its subprocesses while the block runs (raw collapsed stacks to `out`).

    Yields None when py-spy cannot attach (no ptrace permission, say): no profile then."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        yield None
        return
    cmd = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
    cmd += ["--format", "raw", "--rate", str(rate), "--output", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # attached before the run starts
    try:
        yield proc if proc.poll() is None else None
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def interleaved_cpu(
    calls: Mapping[str, Callable[[Page], object]], pages: list[Page], rounds: int = 1
) -> tuple[dict[str, float], dict[str, int]]:
    """CPU seconds each call spent on all `pages` over `rounds`, and how many pages it answered
    truthy in the last round. The calls take turns page by page, in an order that rotates every
    round, so neither drift nor caches favour one; the time is the calling thread's, so the
    threads a process keeps (Prefect's event and log clients) count for none of them."""
    names = list(calls)
    spent = dict.fromkeys(names, 0.0)
    answered = dict.fromkeys(names, 0)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        answered = dict.fromkeys(names, 0)
        for page in pages:
            for name in order:
                started = time.thread_time()
                answer = calls[name](page)
                spent[name] += time.thread_time() - started
                answered[name] += bool(answer)
    return spent, answered


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sample"]:
        _sample(
            int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), {int(p) for p in sys.argv[5:]}
        )
