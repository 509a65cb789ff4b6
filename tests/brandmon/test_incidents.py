"""The demo's complaint burst through the pipeline, on real DuckDB files, to a real SMTP server, a
real webhook receiver and the local file: one incident, one opening message per channel and one
escalation; the shared source failing for both brands is one ops message naming both."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from brandmon import pipeline
from brandmon.config import load_config
from brandmon.demo import generate
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window
from warehouse.db import reader

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # the demo archive ends here; the burst is its last 75 minutes
NOW = END + timedelta(minutes=5)


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    write_jsonl(tmp_path / "posts.jsonl", generate(END))
    config = {
        "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡", "Demo Coffee"], "sources": ["history", "shared"]},
                   "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "sources": ["history", "shared"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "shared": {"kind": "archive", "path": "gone/*.jsonl"}},  # fails for both brands
        "alerts": {
            "channels": {"pr_mail": {"kind": "email", "connection": "smtp_pr", "to": ["pr@example.com"]},
                         "pr_hook": {"kind": "webhook", "connection": "pr_webhook"},
                         "ops_file": {"kind": "file"}},
            "routes": [{"channels": ["pr_mail", "pr_hook", "local_file"]},
                       {"audience": "ops", "channels": ["ops_file"]}],
        },
    }
    (tmp_path / "brands.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return load_config(tmp_path / "brands.yaml")


def secrets(smtp, hook) -> dict:
    return {"pr_mail": {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port, "login": "bot@example.com",
                        "password": "s3cret-pass", "extra": {"from": "brandmon@example.com", "starttls": False}},
            "pr_hook": {"conn_type": "http", "extra": {"url": hook.url, "allow_private": True}}}


def week(config, run_id: str) -> dict:
    """`make run`'s manual run: the demo's week in one window, detected and delivered."""
    window = RunWindow(Window(END - timedelta(days=7), END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, NOW) for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, window, run_id), window)
    return pipeline.detect(config, window, pipeline.RunInfo(run_id, "manual", NOW))


def query(config, sql: str) -> list[tuple]:
    conn = reader(config.warehouse)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_demo_burst_is_one_incident_with_one_opening_and_one_escalation_per_channel(world, smtp_server,
                                                                                        receiver):
    config = world
    detected = week(config, "manual__demo")
    delivered = pipeline.deliver(config, secrets(smtp_server, receiver), NOW)
    assert delivered["retryable_failures"] == delivered["permanent_failures"] == 0

    [(incident_id, severity, alerts, escalations)] = query(config, """
        SELECT incident_id, severity, alerts, escalations FROM v_incidents
        WHERE audience = 'pr' AND messages_sent > 0""")
    assert incident_id.startswith("demo_coffee-") and severity == "critical"
    assert escalations == 1 and alerts > 2 and detected["incidents"]["joined"] >= alerts - 2
    sent = query(config, f"""SELECT channel, incident_role, count(*) FROM v_alerts
                             WHERE incident_id = '{incident_id}' AND status = 'sent' GROUP BY ALL ORDER BY ALL""")
    assert sent == [(channel, role, 1) for channel in ("local_file", "pr_hook", "pr_mail")
                    for role in ("escalated", "opened")]

    hooks = [r["json"] for r in receiver.accepted()]
    assert [(h["incident_id"], h["event"]) for h in hooks] == [(incident_id, "opened"), (incident_id, "escalated")]
    opening, update = smtp_server.messages
    assert opening["Subject"].startswith("【") and not opening["Subject"].startswith("【更新】")
    assert update["Subject"].startswith("【更新】【严重】示例咖啡") and update["In-Reply-To"] == opening["Message-ID"]
    first_text = opening.get_body(("plain",)).get_content()
    assert "https://example.com/demo/posts/" in first_text and "拿铁" in first_text  # the top posts, with links
    assert "投诉原因: " in first_text and "（质量安全）" in first_text  # reasons in words, with their category
    update_text = update.get_body(("plain",)).get_content()
    assert "升级原因: " in update_text and "事件进展（至本条消息）" in update_text
    filed = [json.loads(x) for x in (config.state_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]
    assert [(f["incident_id"], f["event"]) for f in filed] == [(incident_id, "opened"), (incident_id, "escalated")]

    [ops] = [json.loads(x) for x in (config.state_dir / "alerts" / "ops_file.jsonl").read_text().splitlines()]
    assert ops["kind"] == "source_error" and ops["title"]["zh"] == "【警告】示例咖啡、样板茶饮 数据源出错 shared"
    assert ops["incident"]["brands"] == ["demo_coffee", "demo_tea"]

    again = week(config, "manual__again")
    assert again["alerts_new"] == 0 and again["incidents"] == {}
    assert pipeline.deliver(config, secrets(smtp_server, receiver), NOW)["sent"] == 0
    assert len(smtp_server.messages) == 2 and len(receiver.accepted()) == 2


def test_as_in_make_run_the_live_run_opens_the_incident_and_the_week_s_run_sends_one_update(world, smtp_server,
                                                                                           receiver):
    config = world
    live = RunWindow(Window(END - config.schedule.interval, END), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], live, "scheduled__live", NOW)
              for i in pipeline.plan(config)]
    pipeline.load(config, pipeline.transform(config, staged, live, "scheduled__live"), live)
    pipeline.detect(config, live, pipeline.RunInfo("scheduled__live", "scheduled", NOW))
    pipeline.deliver(config, secrets(smtp_server, receiver), NOW)
    week(config, "manual__demo")
    pipeline.deliver(config, secrets(smtp_server, receiver), NOW)

    [incident_id] = {h["incident_id"] for h in (r["json"] for r in receiver.accepted())}
    events = [(r["json"]["event"], r["json"]["incident"]["severity"]) for r in receiver.accepted()]
    assert [event for event, _ in events] == ["opened", "escalated"] and events[-1][1] == "critical"
    sent = query(config, f"""SELECT channel, incident_role, count(*) FROM v_alerts
                             WHERE incident_id = '{incident_id}' AND status = 'sent' GROUP BY ALL ORDER BY ALL""")
    assert [(channel, n) for channel, _, n in sent] == [(c, 1) for c in ("local_file", "local_file", "pr_hook",
                                                                          "pr_hook", "pr_mail", "pr_mail")]
    opening, update = smtp_server.messages
    assert update["Subject"].startswith("【更新】【严重】示例咖啡") and update["In-Reply-To"] == opening["Message-ID"]
