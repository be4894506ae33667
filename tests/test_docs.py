"""The public surface is documented: a command, option, setting or column missing from the
README fails here (as sqlite-utils does with its docs)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import duckdb
import typer.main

from wirehouse.cli import app
from wirehouse.config.settings import Settings
from wirehouse.warehouse.migrate import migrate

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, click.Command]:
    group = typer.main.get_command(app)
    commands = getattr(group, "commands", None)  # typer's group is click-like, not a subclass
    assert commands, "the CLI has no commands"
    return dict(commands)


def test_every_cli_command_and_option_is_in_the_readme():
    missing = []
    for name, command in _commands().items():
        if f"wirehouse {name}" not in README:
            missing.append(f"wirehouse {name}")
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in README:
                    missing.append(f"wirehouse {name} {opt}")
    assert not missing, f"undocumented: {missing}"


def test_every_setting_is_in_the_readme():
    names = []
    for name, field in Settings.model_fields.items():
        sub = getattr(field.annotation, "model_fields", None)
        if sub:
            names += [f"{name}.{s}" for s in sub]
        else:
            names.append(name)
    missing = [n for n in names if f"`{n}`" not in README]
    assert not missing, f"settings not in README: {missing}"


def test_every_table_view_and_column_is_in_the_readme(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    con.close()
    missing = []
    for table, column in rows:
        if not re.search(rf"^#+ .*`{re.escape(table)}`", README, re.M):
            missing.append(table)
        elif f"`{column}`" not in README:
            missing.append(f"{table}.{column}")
    assert not missing, f"undocumented tables/columns: {sorted(set(missing))}"
