"""`stop_on_signals` in a real process: one stop cancels the run once, whether it arrives once
or twice (a process group's signal and the serving process's own, however late); a second
Ctrl-C a second or more later is the operator's, and ends the process at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

# the run: waits in its task until cancelled, then takes 2 s to record itself, as a load would
_RUN = textwrap.dedent(
    """
    import asyncio, os, signal, sys, time
    from wirehouse.flows.stopping import stop_on_signals

    async def run():
        with stop_on_signals(grace_s=30) as stop:
            try:
                print("ready", flush=True)
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                print("cancelled by", stop.signal.name, flush=True)
                for gap, name in zip(sys.argv[1::2], sys.argv[2::2]):
                    time.sleep(float(gap))
                    os.kill(os.getpid(), signal.Signals[name])
                await asyncio.sleep(2)  # recording itself
                print("recorded", flush=True)

    asyncio.run(run())
    """
)


def _run(*gaps: str) -> tuple[int, str]:
    proc = subprocess.Popen([sys.executable, "-c", _RUN, *gaps], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)  # the first stop
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out


@pytest.mark.parametrize(
    ("gap", "again"),
    [
        ("0.05", "SIGTERM"),  # Ctrl-C under `serve`: the terminal's SIGINT, then serve's SIGTERM
        ("0.5", "SIGTERM"),
        ("3", "SIGTERM"),  # serve busy: its SIGTERM comes late, and is still the same stop
        ("0.05", "SIGINT"),  # one Ctrl-C heard twice
    ],
)
def test_the_same_stop_heard_twice_stops_the_run_once(gap: str, again: str) -> None:
    code, out = _run(gap, again)
    assert out.splitlines() == ["cancelled by SIGINT", "recorded"], out
    assert code == 0


def test_a_second_ctrl_c_later_ends_the_process_at_once() -> None:
    code, out = _run("1.5", "SIGINT")
    assert out.splitlines() == ["cancelled by SIGINT"], out
    assert code == 128 + signal.SIGINT
