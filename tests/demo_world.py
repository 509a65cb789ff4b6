"""A warehouse filled from the synthetic demo archive, as `make run` fills it: one run over the week.

For tests of what reads a realistic week (the digest, its DAG): both demo brands on one archive
source, alerts in Chinese and English to the local file channel, state under `root`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import yaml

from brandmon import pipeline
from brandmon.config import Config, load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window


def demo_week(root: Path, end: datetime, run_id: str, run_type: str) -> Config:
    """Write the archive ending at `end` and the config under `root`, then extract, load and detect
    the week before `end` in one run (`run_type` backfill: alerts stored, none sent); its config."""
    write_jsonl(root / "posts.jsonl", generate(end))
    (root / "brands.yaml").write_text(yaml.safe_dump({
        "timezone": "Asia/Shanghai", "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history"]},
                   "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
        "alerts": {"languages": ["zh", "en"]}}, allow_unicode=True), encoding="utf-8")
    config = load_config(root / "brands.yaml")
    window = RunWindow(Window(end - timedelta(days=7), end), timedelta(0))
    staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, end) for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, run_id), window)
    pipeline.detect(config, window, pipeline.RunInfo(run_id, run_type, end))
    return config
