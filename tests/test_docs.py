"""The public surface is documented, and the docs hold together: the README lists every command,
the generated references (docs/cli.md, docs/configuration.md) match the code, every table, view
and column is in docs/warehouse.md, and every link and image points at something that exists."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tools import gen_docs
from wirehouse.warehouse.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_LINES = 150


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _pages() -> list[Path]:
    return [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_lists_every_command_in_its_table():
    rows = {m.group(1) for m in re.finditer(r"^\| `(wirehouse[^`]*)` \|", _text(README), re.M)}
    commands = {" ".join(("wirehouse", *path)) for path in gen_docs.command_paths() if path}
    assert commands, "the CLI has no commands"
    assert not commands - rows, f"commands missing from the README's table: {commands - rows}"
    assert not rows - commands, f"the README's table lists no such command: {rows - commands}"


def test_the_readme_stays_a_readme():
    lines = _text(README).count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: move detail into docs/"


@pytest.mark.parametrize("page", sorted(gen_docs.PAGES))
def test_the_generated_reference_matches_the_code(page: str):
    current = _text(ROOT / page)
    assert gen_docs.render(page, current) == current, f"{page} is stale: run `make docs`"


def test_the_help_is_rendered_the_same_whatever_the_terminal(monkeypatch):
    first = gen_docs.help_text(("sql",))
    # what a narrow colour terminal (or CI's FORCE_COLOR) would make typer use
    monkeypatch.setattr(gen_docs.rich_utils, "MAX_WIDTH", 40)
    monkeypatch.setattr(gen_docs.rich_utils, "COLOR_SYSTEM", "truecolor")
    monkeypatch.setattr(gen_docs.rich_utils, "FORCE_TERMINAL", True)
    assert gen_docs.help_text(("sql",)) == first
    assert "\x1b" not in first
    assert max(len(line) for line in first.splitlines()) == gen_docs.HELP_WIDTH


def test_every_setting_is_in_the_configuration_page():
    from wirehouse.config.settings import Settings, WatchSettings

    page = _text(ROOT / "docs/configuration.md")
    names = []
    for name, field in Settings.model_fields.items():
        sub = getattr(field.annotation, "model_fields", None)
        names += [f"{name}.{s}" for s in sub] if sub else [name]
    names += list(WatchSettings.model_fields)
    missing = [n for n in names if f"| `{n}` |" not in page]
    assert not missing, f"settings not in docs/configuration.md: {missing}"


def test_every_table_view_and_column_is_in_the_warehouse_page(tmp_path):
    page = _text(ROOT / "docs/warehouse.md")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    con.close()
    assert rows, "the migrations made no tables"
    missing = []
    for table, column in rows:
        if not re.search(rf"^#+ .*`{re.escape(table)}`", page, re.M):
            missing.append(table)
        elif f"`{column}`" not in page:
            missing.append(f"{table}.{column}")
    assert not missing, f"undocumented tables/columns: {sorted(set(missing))}"


def _without_code(text: str) -> str:
    """Prose only: a `[x](y)` inside a code block or span is an example, not a link."""
    return re.sub(r"`[^`\n]*`", "", _without_fences(text))


def _anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", _without_fences(text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
        found.add(slug.replace(" ", "-"))
    return found


def _without_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def test_every_link_and_image_in_the_docs_exists():
    broken = []
    for page in _pages():
        for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(_text(page))):
            if re.match(r"[a-z]+:", target):
                continue  # a URL: not ours to check here
            path_part, _, anchor = target.partition("#")
            path = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(ROOT)}: {target}"
            if not path.is_relative_to(ROOT):
                broken.append(f"{where} (outside the repository)")
            elif not path.exists():
                broken.append(where)
            elif anchor and path.suffix == ".md" and anchor not in _anchors(_text(path)):
                broken.append(f"{where} (no such heading)")
    assert not broken, f"broken links: {broken}"


def test_the_link_check_catches_a_broken_link_and_anchor():
    page = "# Top\n\n## `watch_hits`\n\n[a](#watch_hits) [b](#nope) `[c](not-a-link)`\n"
    assert _anchors(page) == {"top", "watch_hits"}
    assert re.findall(r"\]\(([^)\s]+)\)", _without_code(page)) == ["#watch_hits", "#nope"]


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", _text(ROOT / "Makefile"), re.M))


# files the docs name that a user writes, not the repository
_USER_FILES = {"config/wirehouse.toml"}


def _named_in(text: str) -> tuple[set[str], set[str], set[str]]:
    """The make targets, `python -m` modules and repository paths a page names."""
    targets = set(re.findall(r"(?:`|^(?:\$ )?)make ([a-z][\w-]*)", text, re.M))
    modules = set(re.findall(r"python3? -m ([a-z_][\w.]*)", text))
    tops = "wirehouse|devkit|bench|tests|tools|config|docs"
    paths = {p.rstrip("/") for p in re.findall(rf"`((?:{tops})/[\w./*-]*)`", text)}
    return targets, modules, paths


def test_every_make_target_module_and_path_the_docs_name_exists():
    import importlib.util

    missing = []
    for page in _pages():
        if page.name == "CHANGELOG.md":
            continue  # history: it names what was there then
        targets, modules, paths = _named_in(_text(page))
        where = page.relative_to(ROOT)
        missing += [f"{where}: make {t}" for t in sorted(targets - _make_targets())]
        missing += [f"{where}: -m {m}" for m in sorted(modules) if not importlib.util.find_spec(m)]
        missing += [
            f"{where}: {p}"
            for p in sorted(paths - _USER_FILES)
            if not any(ROOT.glob(p)) and not (ROOT / "wirehouse" / p).exists()
        ]
    assert not missing, f"the docs name what is not there: {missing}"


def _cli_options() -> dict[tuple[str, ...], set[str]]:
    import typer.main

    from wirehouse.cli import app

    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command: object, path: tuple[str, ...]) -> None:
        params = getattr(command, "params", [])
        found[path] = {"--help"} | {o for p in params for o in (*p.opts, *p.secondary_opts)}
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def _options_used(text: str, commands: set[tuple[str, ...]]) -> list[tuple[tuple[str, ...], str]]:
    """(command, --option) for every `wirehouse CMD ... --option` on a line, up to the next
    command, pipe, `;`, `&` or backtick."""
    used = []
    for m in re.finditer(
        r"\bwirehouse((?: [a-z][\w-]*)+)(.*?)(?=\bwirehouse |[`;|&]|$)", text, re.M
    ):
        path: tuple[str, ...] = ()
        for word in m.group(1).split():
            if (*path, word) not in commands:
                break
            path = (*path, word)
        if path:
            used += [(path, o) for o in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", m.group(2))]
    return used


def test_every_option_the_docs_give_a_command_exists():
    options = _cli_options()
    wrong = [
        f"{page.relative_to(ROOT)}: wirehouse {' '.join(path)} {option}"
        for page in _pages()
        if page.name != "CHANGELOG.md"
        for path, option in _options_used(_text(page), set(options))
        if option not in options[path]
    ]
    assert not wrong, f"no such option: {wrong}"


def test_the_checks_catch_a_missing_target_module_path_and_option():
    page = (
        "to make a point, `make nope` and `python -m bench.nope`, `bench/nope.py`; "
        "`wirehouse sql 'SELECT 1' --nope` | `wirehouse ingest --feed u`"
    )
    assert _named_in(page) == ({"nope"}, {"bench.nope"}, {"bench/nope.py"})
    commands = {("sql",), ("ingest",)}
    assert _options_used(page, commands) == [(("sql",), "--nope"), (("ingest",), "--feed")]
    assert "--nope" not in _cli_options()[("sql",)]
