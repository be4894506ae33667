"""The labelled evaluation set, through the real code path, must stay above its floors.

The same evaluation as `devkit/evals/dedup.py` (which prints it and writes the JSON report).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.evals.dedup import EVAL_DIR, evaluate, load_items

FLOORS = json.loads((EVAL_DIR / "floors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return evaluate(db_path=Path(tmp_path_factory.mktemp("eval")) / "eval.duckdb")


def test_the_eval_set_covers_every_kind_of_copy_and_story():
    items = load_items()
    kinds = {i.kind for i in items}
    assert {
        "wire",
        "reprint-verbatim",
        "reprint-trimmed",
        "reprint-edited",
        "update",
        "brief",
    } <= kinds
    events = {i.event for i in items}
    assert len(events) >= 8
    outlets_per_event = {e: {i.outlet for i in items if i.event == e} for e in events}
    assert sum(len(o) >= 2 for o in outlets_per_event.values()) >= 8
    words = [len(i.text.split()) for i in items if i.kind not in ("brief", "update")]
    assert min(words) >= 150 and max(words) <= 600


def test_near_duplicate_decisions_meet_their_floors(result):
    near = result["near_duplicates"]
    assert near["precision"] >= FLOORS["near_precision"], near["wrong"]
    assert near["recall"] >= FLOORS["near_recall"], near["missed"]
    assert near["pairwise"]["precision"] >= FLOORS["near_pairwise_precision"]
    assert near["pairwise"]["recall"] >= FLOORS["near_pairwise_recall"]


def test_story_clustering_meets_its_floors(result):
    pairwise = result["stories"]["pairwise"]
    clusters = result["stories"]["clusters"]
    assert pairwise["precision"] >= FLOORS["story_precision"], clusters
    assert pairwise["recall"] >= FLOORS["story_recall"], clusters
    assert pairwise["f1"] >= FLOORS["story_f1"], clusters
