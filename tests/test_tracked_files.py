"""The files git knows are all a test run needs: nothing beside the checkout, nothing ignored.

CI runs in a fresh clone with other folders beside it; a user's clone has none. A test that
reads `../something` passes in CI and fails for the user, so the suite is collected again in a
bare copy of the repository, and every test and benchmark file is searched for paths that
climb out of it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _leaves_by_dots(value: str) -> bool:
    """A relative path that starts by going up into a folder (`..`, `../x`, `../x/y`): from the
    repository root or a test's folder, that is a sibling of the checkout, which a user's clone
    does not have. A lone file name one level up (`../atom.xml`) is a relative URL reference in
    the tests of link resolution, not a path anyone keeps beside a checkout."""
    if "://" in value:  # a URL's dot segments are the URL's business
        return False
    parts = value.replace("\\", "/").split("/")
    if parts[0] != "..":
        return False
    rest = [p for p in parts if p not in ("..", ".", "")]
    return len(rest) != 1 or "." not in rest[0].strip(".")


def repository_files() -> list[str]:
    """Tracked files, plus new ones not yet added (but not ignored ones), that exist."""
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git checkout: this check lists its files with git")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_the_suite_collects_in_a_copy_of_the_repository_files_alone(tmp_path: Path) -> None:
    copy = tmp_path / "clone"
    for name in repository_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error" not in done.stdout.lower().splitlines()[-1], done.stdout[-3000:]
    # the copy was what ran: its tests were collected, not the original checkout's
    assert str(ROOT) not in done.stdout


def _climbs_out(node: ast.AST, depth: int) -> bool:
    """`Path(__file__)...parents[k]` or `.parent.parent...` that reaches above the repository."""
    ups = 0
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(node, ast.Subscript):
            value = node.value
            if (
                isinstance(value, ast.Attribute)
                and value.attr == "parents"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int)
            ):
                ups += node.slice.value + 1
                node = value.value
                continue
            node = value
        elif isinstance(node, ast.Attribute):
            ups += node.attr == "parent"
            node = node.value
        else:
            node = node.func if not node.args else node.args[0]
    return isinstance(node, ast.Name) and node.id == "__file__" and ups > depth


@pytest.mark.parametrize("folder", ["tests", "bench", "devkit"])
def test_no_test_or_benchmark_names_a_path_outside_the_repository(folder: str) -> None:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT)
        depth = len(relative.parts)  # steps from the file up to the repository root
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _climbs_out(node, depth):
                found.append(f"{relative}:{node.lineno}: climbs above the repository")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and path != Path(__file__).resolve()  # its own examples of what to find
                and _leaves_by_dots(node.value)
            ):
                found.append(f"{relative}:{node.lineno}: names {node.value[:60]!r}")
    assert not found, "\n".join(found)


def test_the_climb_check_knows_the_ways_up() -> None:
    def climbs(expr: str, depth: int) -> bool:
        return any(_climbs_out(n, depth) for n in ast.walk(ast.parse(expr)))

    # from tests/warehouse/test_x.py, three steps up is the repository root
    assert climbs("Path(__file__).resolve().parents[3] / 'sibling'", 3)
    assert not climbs("Path(__file__).resolve().parents[2] / 'README.md'", 3)
    assert not climbs("Path(__file__).resolve().parents[1] / 'fixtures'", 3)
    assert climbs("Path(__file__).parent.parent.parent.parent", 3)
    assert not climbs("Path(__file__).parent.parent.parent", 3)


def test_the_dots_check_knows_a_climb_from_a_url() -> None:
    assert _leaves_by_dots("../sibling/data.txt")
    assert _leaves_by_dots("..")
    assert _leaves_by_dots("..\\sibling")
    assert not _leaves_by_dots("https://example.org/a/./b/../c")
    assert not _leaves_by_dots("tests/fixtures/a.html")
    assert _leaves_by_dots("../sibling")
    assert _leaves_by_dots("../../sibling/notes.md")
    assert not _leaves_by_dots("../atom.xml")  # a relative href, resolved against a page URL
