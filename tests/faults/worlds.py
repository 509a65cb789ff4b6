"""The fault suite's worlds: the demo archive, a config with its own state folder, the run of a week.

Every world runs the same week (`week`, run `manual__1`) on its own state folder, with three
channels on every route: the file channel, a webhook and an Apprise service (json:// on loopback,
standing in for a chat bot: like WeCom or DingTalk bots it carries no idempotency key).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from pytest_httpserver import HTTPServer

from brandmon import pipeline
from brandmon.config import Config, load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from tests.alerts.conftest import Receiver
from warehouse.db import reader

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
NOW = END + timedelta(minutes=5)
RUN = pipeline.RunInfo("manual__1", "manual", NOW)
ALERTS = {
    "channels": {"pr_hook": {"kind": "webhook", "connection": "pr_hook"},
                 "pr_bot": {"kind": "apprise", "connection": "pr_bot"}},
    "routes": [{"brands": ["*"], "channels": ["local_file", "pr_hook", "pr_bot"]}],
}
TABLES = {"posts": 2, "mentions": 3, "bucket_stats": 2}  # table -> columns of its key, first in SELECT *


def week(config: Config) -> RunWindow:
    return RunWindow(Window(END - timedelta(days=7), END), config.schedule.lookback)


def write_config(root: Path, state_dir: str = "state", alerts: dict[str, Any] | None = None) -> Config:
    """Two brands on the demo archive in `root` (coffee also on a source whose files are missing),
    state under `root/state_dir`."""
    config = {
        "storage": {"state_dir": state_dir},
        "brands": {
            "demo_coffee": {"keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "broken"]},
            "demo_tea": {"keywords": ["样板茶饮"], "sources": ["history"]},
        },
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "broken": {"kind": "archive", "path": "missing/*.jsonl"}},
        "alerts": alerts or {},
    }
    path = root / f"{state_dir}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return load_config(path)


def write_archive(root: Path) -> None:
    write_jsonl(root / "posts.jsonl", generate(END))


@dataclass
class World:
    """One scenario's state folder, config and receivers."""

    name: str
    root: Path
    config: Config
    hook: Receiver
    bot: Receiver

    @classmethod
    def make(cls, root: Path, name: str, server: HTTPServer) -> World:
        return cls(name, root, write_config(root, name, ALERTS), Receiver(server, f"/{name}/hook"),
                   Receiver(server, f"/{name}/bot"))

    def secrets(self) -> dict[str, dict[str, Any]]:
        """The channels' Connections: both receivers are on loopback, so they allow a private address."""
        bot = self.bot.url.replace("http://", "json://")
        return {"pr_hook": {"conn_type": "http", "extra": {"url": self.hook.url, "allow_private": True}},
                "pr_bot": {"conn_type": "generic", "password": bot, "extra": {"allow_private": True}}}

    @property
    def config_path(self) -> Path:
        return self.root / f"{self.name}.yaml"

    @property
    def alerts_file(self) -> Path:
        return self.config.state_dir / "alerts" / "alerts.jsonl"

    def extract_and_transform(self) -> dict[str, Any]:
        window = week(self.config)
        staged = [pipeline.extract(self.config, i["brand"], i["source"], window, RUN.run_id, NOW)
                  for i in pipeline.plan(self.config)]
        return pipeline.transform(self.config, staged, window, RUN.run_id)

    def load(self, transformed: dict[str, Any]) -> dict[str, Any]:
        return pipeline.load(self.config, transformed, week(self.config))

    def detect(self) -> dict[str, Any]:
        return pipeline.detect(self.config, week(self.config), RUN)

    def deliver(self, now=NOW) -> dict[str, Any]:
        return pipeline.deliver(self.config, self.secrets(), now)

    def rows(self) -> dict[str, list[tuple]]:
        """The published warehouse's pipeline tables, and each delivery's final status."""
        conn = reader(self.config.warehouse)
        try:
            found = {table: conn.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in TABLES}
            found["alerts"] = conn.execute("SELECT alert_id, brand, kind, subject, bucket_start FROM alerts "
                                           "ORDER BY ALL").fetchall()
            found["deliveries"] = conn.execute("SELECT alert_id, channel, status FROM deliveries ORDER BY ALL"
                                               ).fetchall()
            return found
        finally:
            conn.close()

    def receipts(self) -> dict[str, Counter]:
        """What each channel's receiver got: file lines and webhook requests by idempotency key, bot
        messages by text (they carry no key); a line of the file that does not parse counts as `broken`."""
        lines, broken = Counter(), 0
        if self.alerts_file.exists():
            for line in self.alerts_file.read_text(encoding="utf-8").splitlines(keepends=True):
                key = _key(line) if line.endswith("\n") else None
                if key is None:
                    broken += 1
                else:
                    lines[key] += 1
        hook = Counter(r["headers"]["Idempotency-Key"] for r in self.hook.accepted())
        bot = Counter(r["json"]["message"] for r in self.bot.accepted())
        return {"file": lines, "webhook": hook, "bot": bot, "broken": Counter({"lines": broken})}


def _key(line: str) -> str | None:
    try:
        return json.loads(line)["idempotency_key"]
    except (ValueError, KeyError, TypeError):
        return None
