"""A configured brand without a single post (a new brand before its cookie is set) must not stop
detection: every other brand's alerts and every ops alert are still found and delivered."""

from __future__ import annotations

from datetime import timedelta

import yaml

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import reader

from .conftest import END, NOW


def test_an_empty_brand_blocks_no_alert(world):
    _, config = world
    spec = yaml.safe_load(config.path.read_text())
    spec["brands"]["new_brand"] = {"keywords": ["新品牌无人提"], "sources": ["history", "broken"]}
    config.path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    config = load_config(config.path)

    window = RunWindow(Window(END - timedelta(days=7), END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "manual__week", NOW)
              for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, "manual__week"), window)
    detected = pipeline.detect(config, window, pipeline.RunInfo("manual__week", "manual", NOW))
    delivered = pipeline.deliver(config, {}, NOW)

    conn = reader(config.warehouse)
    rows = conn.execute("SELECT brand, kind, audience, status FROM v_alerts").fetchall()
    stored = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    broken = conn.execute("SELECT brands, messages_sent FROM v_incidents WHERE source = 'broken'").fetchall()
    conn.close()
    assert detected["alerts_new"] == stored > 0
    assert ("demo_coffee", "complaint_spike", "pr", "sent") in rows  # the other brand's burst still alerts
    assert ("new_brand", "source_error", "ops", "suppressed") in rows  # and its broken source reaches ops:
    assert broken == [(["demo_coffee", "new_brand"], 1)]  # in one message naming both brands it fails for
    assert not any(brand == "new_brand" and audience == "pr" for brand, _, audience, _ in rows)
    assert delivered["sent"] == sum(1 for *_, status in rows if status == "sent")
