"""Staged files damaged between tasks (a crash, a full disk, a hand): nothing lost, nothing fails."""

from __future__ import annotations

import json
from datetime import timedelta

from brandmon import pipeline
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import reader

from .conftest import END, NOW


def test_a_damaged_staged_file_loses_nothing_and_fails_nothing(world):
    """An extract file cut short mid-line, another emptied: the whole lines are used, the broken
    one is quarantined with its raw text, the emptied source reads as failed, the rest carry on."""
    _, config = world
    window = RunWindow(Window(END - timedelta(hours=6), END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "damaged", NOW) for i in pipeline.plan(config)]
    tea = next(s for s in staged if s["brand"] == "demo_tea")
    coffee = next(s for s in staged if s["brand"] == "demo_coffee" and s["source"] == "history")
    lines = open(tea["path"], encoding="utf-8").read().splitlines(keepends=True)
    with open(tea["path"], "w", encoding="utf-8") as handle:
        handle.write("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    open(coffee["path"], "w").close()  # emptied: not even its health record is left

    transformed = pipeline.transform(config, staged, window, "damaged")
    pipeline.load(config, transformed, window)
    conn = reader(config.warehouse)
    quarantined = conn.execute("SELECT reason, raw FROM quarantine WHERE reason LIKE 'unreadable staged%'").fetchall()
    health = dict(conn.execute("SELECT brand, status FROM source_runs WHERE source = 'history'").fetchall())
    notes = conn.execute("SELECT notes FROM source_runs WHERE brand = 'demo_tea'").fetchone()[0]
    stored = {row[0] for row in conn.execute("SELECT native_id FROM posts").fetchall()}
    conn.close()
    whole = [json.loads(line) for line in lines[:-1]]
    assert len(quarantined) == 1 and quarantined[0][1] == lines[-1][: len(lines[-1]) // 2]
    assert {row["native_id"] for row in whole if row["type"] == "post"} <= stored  # every whole line was used
    assert health == {"demo_tea": "ok", "demo_coffee": "error"}
    assert any("damaged line" in note for note in notes)
