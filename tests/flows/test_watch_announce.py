"""A watch hit is recorded only once its event was handed over, against a real DuckDB file: an
event that could not be sent (events off, the client failing) leaves the hit unrecorded, and
the next evaluation of its story announces it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.test_watches import RATE_COURIER, RATE_MERIDIAN, RATE_WIRE, T, run, watch
from wirehouse.flows.watches import announce_hits
from wirehouse.warehouse.migrate import migrate
from wirehouse.watches import WatchHit


def recorded(db: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT watch, run_id FROM watch_hits").fetchall()


def fails(hit: WatchHit) -> bool:
    raise ConnectionError("events endpoint unreachable")


def off(hit: WatchHit) -> bool:
    return False


@pytest.mark.parametrize("emit", [fails, off], ids=["emit-raises", "events-off"])
def test_an_event_not_sent_leaves_its_hit_to_be_announced_again(tmp_path, emit):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con)
        placed = run(con, "r1", [RATE_WIRE, RATE_COURIER, RATE_MERIDIAN])
    watches = [watch(min_outlets=3)]

    hits, emitted = announce_hits(db, watches, run_id="r1", placed=placed, now=T, emit=emit)
    assert [h.watch for h in hits] == ["rates"] and emitted == []
    assert recorded(db) == []  # not announced, so not recorded

    sent: list[WatchHit] = []

    def works(hit: WatchHit) -> bool:
        sent.append(hit)
        return True

    later = T + timedelta(hours=1)
    hits, emitted = announce_hits(db, watches, run_id="r1", placed=placed, now=later, emit=works)
    assert [h.watch for h in emitted] == ["rates"] and sent == emitted
    assert recorded(db) == [("rates", "r1")]

    # announced and recorded: the same story touched again sends nothing
    hits, emitted = announce_hits(db, watches, run_id="r1", placed=placed, now=later, emit=works)
    assert hits == [] and len(sent) == 1


def test_only_the_hits_whose_events_were_sent_are_recorded(tmp_path):
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        migrate(con)
        placed = run(con, "r1", [RATE_WIRE, RATE_COURIER, RATE_MERIDIAN])
    watches = [watch("first", min_outlets=1), watch("second", min_outlets=1)]

    def second_fails(hit: WatchHit) -> bool:
        if hit.watch == "second":
            raise TimeoutError("send timed out")
        return True

    hits, emitted = announce_hits(db, watches, run_id="r1", placed=placed, now=T, emit=second_fails)
    assert sorted(h.watch for h in hits) == ["first", "second"]
    assert [h.watch for h in emitted] == ["first"]
    assert recorded(db) == [("first", "r1")]
    hits, _ = announce_hits(db, watches, run_id="r1", placed=placed, now=T, emit=second_fails)
    assert [h.watch for h in hits] == ["second"]
