"""`wirehouse demo` as a new user meets it: one run in the foreground, then the newsroom, a
Prefect server and the scheduled deployment left running; scheduled runs appear in the UI, the
printed SQL works meanwhile, a second demo reuses everything, and `demo-stop` ends it all.

The schedule runs every 15 s here (60 s in `make demo`), and the newsroom publishes an edition
45 s after a run first reads the one before (time for a slow first run to finish reading it),
so two scheduled runs arrive within three minutes of the first run, and a new version soon after.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devkit.ports import free_port
from wirehouse.demo import NEWSROOM, SCHEDULE, SERVER, Background

WIREHOUSE = [sys.executable, "-m", "wirehouse.cli"]
DEADLINE_S = 180
# a server's first start and the first run come before the three minutes: slow on a busy machine
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """Run the demo in a fresh folder; yield (folder, env, port, output); stop it however."""
    where = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_HOME=str(where / ".prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # the runner asks for due runs every 10 s by default: 2 s keeps the test short
        PREFECT_RUNNER_POLL_FREQUENCY="2",
        PREFECT_RUNNER_PREFETCH_SECONDS="1",
    )
    argv = [*WIREHOUSE, "demo", "--port", str(port), "--interval", "15", "--edition-every", "45"]
    try:
        first = subprocess.run(
            argv, cwd=where, env=env, capture_output=True, text=True, timeout=600
        )
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        yield where, env, port, argv, first.stdout
    finally:
        subprocess.run([*WIREHOUSE, "demo-stop"], cwd=where, env=env, timeout=120)


def completed_scheduled_runs(api: str) -> list[dict]:
    body = {
        "flow_runs": {
            "state": {"type": {"any_": ["COMPLETED"]}},
            "deployment_id": {"is_null_": False},
        }
    }
    found = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    found.raise_for_status()
    return list(found.json())


def test_the_first_run_prints_where_to_look(demo) -> None:
    where, _, port, _, printed = demo
    assert "run " in printed and "new articles" in printed
    assert f"http://127.0.0.1:{port}/runs/flow-run/" in printed
    assert "digest" in printed and (where / "data" / "digest.html").is_file()
    assert printed.count("wirehouse sql --db") == 3
    for name in (NEWSROOM, SERVER, SCHEDULE):
        assert Background(where / ".demo", name).pid() is not None, name


def test_scheduled_runs_complete_and_show_the_newsrooms_new_editions(
    demo, browser, screenshot
) -> None:
    where, env, port, _, printed = demo
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + DEADLINE_S
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = completed_scheduled_runs(api)
        if len(runs) >= 2:
            break
        time.sleep(3)
    log = (where / ".demo" / "schedule.log").read_text(errors="replace")[-3000:]
    assert len(runs) >= 2, f"{len(runs)} scheduled runs completed in {DEADLINE_S}s\n{log}"

    # the printed SQL runs while the schedule writes: it reads the copy the runs publish
    queries = [line.strip() for line in printed.splitlines() if "wirehouse sql --db" in line]
    for line in queries:
        args = shlex.split(line)[1:]
        done = subprocess.run(
            [*WIREHOUSE, *args, "--format", "csv"],
            cwd=where,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) >= 2, (line, done.stdout)

    # and the UI lists the scheduled runs
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"http://127.0.0.1:{port}/runs", wait_until="networkidle")
        for run in runs[:2]:
            page.get_by_text(run["name"]).first.wait_for(timeout=30_000)
        png = screenshot(page, "demo-runs")
    finally:
        page.close()
    if target := os.environ.get("WIREHOUSE_SCREENSHOT"):  # how docs/img/demo-runs.png is made
        shutil.copyfile(png, target)

    # a later edition reached the warehouse: a new version of an article already stored
    read_copy = where / "data" / "wirehouse.read.duckdb"
    versions = "SELECT coalesce(sum(new_versions), 0) FROM runs"
    while time.monotonic() < deadline + 120:
        done = subprocess.run(
            [*WIREHOUSE, "sql", "--db", str(read_copy), versions, "--format", "csv"],
            cwd=where,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode == 0 and int(done.stdout.split()[-1]) > 0:
            break
        time.sleep(3)
    else:
        pytest.fail(f"no run stored a new version: {done.stdout} {done.stderr}")


def test_a_second_demo_reuses_what_runs_and_demo_stop_ends_it(demo) -> None:
    where, env, _, argv, _ = demo
    home = where / ".demo"
    before = {name: Background(home, name).pid() for name in (NEWSROOM, SERVER, SCHEDULE)}
    again = subprocess.run(argv, cwd=where, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "Where to look" in again.stdout
    after = {name: Background(home, name).pid() for name in before}
    assert after == before and all(before.values())

    stopped = subprocess.run(
        [*WIREHOUSE, "demo-stop"], cwd=where, env=env, capture_output=True, text=True, timeout=120
    )
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.count(": stopped") == 3, stopped.stdout
    for name, pid in before.items():
        assert Background(home, name).pid() is None, name
        # gone, or a zombie its new parent has yet to reap (empty command line): ended either way
        cmdline = Path(f"/proc/{pid}/cmdline")
        assert not cmdline.exists() or cmdline.read_bytes() == b"", name
