"""The background half of `wirehouse demo`: the demo newsroom, a Prefect server and the scheduled
deployment, each a process whose pid and log live in one folder (`.demo/`).

A second demo finds them by their pid files and reuses them; `wirehouse demo-stop` ends them. A
pid file is trusted only while its process is alive and still runs the same command, so a pid
reused by the system after a reboot is never signalled.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from wirehouse.errors import WirehouseError

# the order they start in; demo-stop ends them in reverse (the deployment before its server)
NEWSROOM, SERVER, SCHEDULE = "newsroom", "prefect-server", "schedule"


@dataclass(frozen=True)
class Background:
    """One background process of the demo: `<home>/<name>.pid` and `<home>/<name>.log`."""

    home: Path
    name: str

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    @property
    def log(self) -> Path:
        return self.home / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid of the running process, or None when there is none (or it is not ours)."""
        try:
            pid, marker = self.pid_file.read_text(encoding="utf-8").split("\n", 1)
            cmdline = Path(f"/proc/{int(pid)}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return int(pid) if marker.rstrip("\n").encode() in cmdline else None

    def started(self) -> int:
        """The pid written by `start`, whatever that process is doing now."""
        return int(self.pid_file.read_text(encoding="utf-8").split("\n", 1)[0])

    def start(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int:
        """Start `argv` in its own session (so it outlives this process), logging to `log`
        (a new log: `wait_for_line` must not find the ready line of an earlier start)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                start_new_session=True,
            )
        # the command after its program, checked against /proc before a pid is trusted
        marker = "\0".join(argv[1:])
        self.pid_file.write_text(f"{proc.pid}\n{marker}\n", encoding="utf-8")
        return proc.pid

    def stop(self, *, timeout_s: float = 20.0) -> bool:
        """End the process and its children (its process group); False if none was running."""
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.2)
        _signal_group(pid, signal.SIGKILL)
        return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)  # started with start_new_session: the group id is its pid


def _alive(pid: int) -> bool:
    try:
        # a child of ours that exited stays a zombie until reaped: reap it if it is one
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    # the state follows the command name in parentheses; Z: exited, its parent has not reaped it
    # (not an empty /proc cmdline: a process in the middle of exec shows one for a moment)
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def wirehouse_argv(*args: str) -> list[str]:
    """Run a wirehouse command with this interpreter (the venv's), wherever the script is."""
    return [sys.executable, "-m", "wirehouse.cli", *args]


def newsroom_argv(
    feed_list: Path, *, port_base: int | None, edition_every_s: float | None
) -> list[str]:
    """Run the demo newsroom, which lives in the repository (`devkit/newsroom`), not the wheel."""
    if importlib.util.find_spec("devkit") is None:
        raise WirehouseError(
            "`wirehouse demo` runs from a clone of the repository (`make demo`): its newsroom,"
            " devkit/newsroom, is a development tool and not part of the installed package"
        )
    ports = ["--port-base", str(port_base)] if port_base is not None else []
    every = ["--edition-every", f"{edition_every_s:g}"] if edition_every_s else []
    return [
        sys.executable,
        "-m",
        "devkit.newsroom",
        *ports,
        *every,
        "--feeds-file",
        str(feed_list.resolve()),
    ]


@contextlib.contextmanager
def newsroom_for_one_run(
    feed_list: Path, *, port_base: int, timeout_s: float = 30.0
) -> Iterator[None]:
    """The newsroom as a child process until the block ends (`wirehouse demo --once`): on
    `port_base` and the ports after it, or on free ports when those are taken."""
    log = feed_list.with_suffix(".log")  # beside the feed list, in the caller's folder
    for base in (port_base, None):
        argv = newsroom_argv(feed_list, port_base=base, edition_every_s=None)
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            _wait_until_said(
                log, "feed list written to", partial(_runs, proc), "newsroom", timeout_s=timeout_s
            )
            break
        except WirehouseError:
            proc.kill()
            proc.wait(timeout=20)
    else:
        said = log.read_text(encoding="utf-8", errors="replace")
        raise WirehouseError("the demo newsroom did not start:\n" + said)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _runs(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


def wait_for_line(proc: Background, text: str, *, timeout_s: float = 30.0) -> None:
    """Wait until the process's log has a line containing `text` (it is ready), or say why not."""
    # not `proc.pid()`: just after the fork, /proc shows this process's command line
    _wait_until_said(proc.log, text, lambda: _alive(proc.started()), proc.name, timeout_s=timeout_s)


def _wait_until_said(
    log: Path, text: str, alive: Callable[[], bool], name: str, *, timeout_s: float = 30.0
) -> None:
    """Poll `log` until it contains `text`; a process that exits or stays silent past
    `timeout_s` is an error naming the log, never a wait without end."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return
        if not alive():
            raise WirehouseError(f"the demo's {name} exited at start; see {log}")
        time.sleep(0.2)
    raise WirehouseError(f"the demo's {name} did not start in {timeout_s:.0f}s; see {log}")
