"""What a fault cost: a world after a fault and its re-run, against a clean run of the same window.

Every world runs the same week (`WINDOW`, run `manual__1`) on its own state folder, with three
channels on every route: the file channel, a webhook and an Apprise service (json:// on loopback,
standing in for a chat bot: like WeCom or DingTalk bots it carries no idempotency key). The
closing table of issue 12 counts, per scenario:
- posts lost: posts of the clean run missing from the warehouse;
- rows duplicated: rows of posts, mentions and bucket_stats beyond one per key, plus rows the clean
  run does not have;
- alerts lost: deliveries of the clean run that their receiver never got whole;
- duplicated: deliveries a person would see twice (a file line or a bot message received again);
  a webhook request repeated with the same Idempotency-Key is dropped by a receiver honouring the
  key and is counted apart, under "repeats with the key";
- wrongly sent: messages received that the clean run did not send.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from brandmon import pipeline
from brandmon.config import Config
from brandmon.windows import RunWindow
from extractors.base import Window
from tests.alerts.conftest import Receiver
from warehouse.db import reader

from .conftest import END, NOW, write_config

RUN = pipeline.RunInfo("manual__1", "manual", NOW)
ALERTS = {
    "channels": {"pr_hook": {"kind": "webhook", "connection": "pr_hook"},
                 "pr_bot": {"kind": "apprise", "connection": "pr_bot"}},
    "routes": [{"brands": ["*"], "channels": ["local_file", "pr_hook", "pr_bot"]}],
}
TABLES = {"posts": 2, "mentions": 3, "bucket_stats": 2}  # table -> columns of its key, first in SELECT *


def week(config: Config) -> RunWindow:
    return RunWindow(Window(END - timedelta(days=7), END), config.schedule.lookback)


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
        conn = reader(self.config.published_path)
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


@dataclass
class Outcome:
    scenario: str
    posts_lost: int = 0
    rows_duplicated: int = 0
    alerts_lost: int = 0
    duplicated: int = 0
    wrongly_sent: int = 0
    repeats_with_key: int = 0
    notes: list[str] = field(default_factory=list)

    COLUMNS = ("posts lost", "rows duplicated", "alerts lost", "duplicated", "wrongly sent", "repeats with the key")

    def counts(self) -> tuple[int, ...]:
        return (self.posts_lost, self.rows_duplicated, self.alerts_lost, self.duplicated, self.wrongly_sent,
                self.repeats_with_key)


def compare(scenario: str, clean: World, faulted: World) -> Outcome:
    """The fault table's counts for `faulted` against `clean` (see the module doc)."""
    outcome = Outcome(scenario)
    want, got = clean.rows(), faulted.rows()
    outcome.posts_lost = len({r[:2] for r in want["posts"]} - {r[:2] for r in got["posts"]})
    for table, key in TABLES.items():
        keys = Counter(r[:key] for r in got[table])
        outcome.rows_duplicated += sum(n - 1 for n in keys.values()) + len(set(map(repr, got[table])) - set(map(repr, want[table])))
        if got[table] != want[table]:
            outcome.notes.append(f"{table} differs from the clean run")
    if got["alerts"] != want["alerts"] or got["deliveries"] != want["deliveries"]:
        outcome.notes.append("alerts or delivery statuses differ from the clean run")
    sent, received = clean.receipts(), faulted.receipts()
    for channel in ("file", "webhook", "bot"):
        expected, actual = sent[channel], received[channel]
        assert all(n == 1 for n in expected.values()), f"the clean run sent a {channel} delivery twice"
        outcome.alerts_lost += len(set(expected) - set(actual))
        outcome.wrongly_sent += sum(n for key, n in actual.items() if key not in expected)
        repeats = sum(n - 1 for key, n in actual.items() if key in expected)
        if channel == "webhook":
            outcome.repeats_with_key += repeats
        else:
            outcome.duplicated += repeats
    outcome.alerts_lost += received["broken"]["lines"]
    return outcome


def table(outcomes: list[Outcome]) -> str:
    """The fault table as Markdown."""
    lines = ["| scenario | " + " | ".join(Outcome.COLUMNS) + " |", "|---" * (len(Outcome.COLUMNS) + 1) + "|"]
    lines += [f"| {o.scenario} | " + " | ".join(str(n) for n in o.counts()) + " |" for o in outcomes]
    return "\n".join(lines)
