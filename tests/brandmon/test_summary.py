"""The report `make run` prints, from a real warehouse filled by the pipeline."""

from datetime import datetime, timedelta, timezone

import yaml

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from brandmon.summary import summarise
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import reader

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


def test_the_summary_reports_sources_mix_topics_alerts_and_where_they_went(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    write_jsonl(tmp_path / "posts.jsonl", generate(END))
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "gone"]},
                   "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "gone": {"kind": "archive", "path": "nowhere.jsonl"}},
    }, allow_unicode=True))
    config = load_config(tmp_path / "brands.yaml")
    window = RunWindow(Window(END - timedelta(days=7), END), timedelta(0))
    staged = [pipeline.extract(config, i["brand"], i["source"], window, "r", END) for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, "r"), window)
    pipeline.detect(config, window, pipeline.RunInfo("r", "manual", END))
    pipeline.deliver(config, {}, END + timedelta(minutes=1))

    text = summarise(reader(config.warehouse), config)
    assert "demo_coffee      demo/archive" in text
    assert "gone             error" in text and "permanent: no archive file" in text
    assert "complaint_spike" in text and "-> local_file: sent" in text
    assert "Incidents (latest first" in text and "demo_coffee    critical open" in text and "escalated 1×" in text
    assert "-> local_file: suppressed (incident:demo_coffee-" in text  # an alert that joined it
    assert "gone:permanent" in text  # the ops alert names the source and the kind of failure
    assert str(config.state_dir / "alerts" / "alerts.jsonl") in text
    assert "Hot topics (last hour)" in text
