"""Incidents through the outbox to real receivers: one message per channel when an incident opens,
one update when it escalates (threaded by email, marked by webhook and chat bots), joined alerts
stored but not sent, updates never ahead of what they update, and ops alerts grouped across brands."""

import json
from dataclasses import replace
from datetime import timedelta

from alerts.outbox import deliver_pending, enqueue

from .alert_fixtures import BUCKET_END, make_config, ops_alert, spike_alert
from .conftest import Receiver

Q = timedelta(minutes=15)
HOOK = {"pr_hook": {"kind": "webhook", "connection": "pr_webhook"}}
MAIL = {"pr_mail": {"kind": "email", "connection": "smtp_pr", "to": ["pr@example.com"]}}
BOT = {"pr_bot": {"kind": "apprise", "connection": "pr_bot"}}


def later(alert, buckets: int):
    return replace(alert, bucket_start=alert.bucket_start + buckets * Q, bucket_end=alert.bucket_end + buckets * Q)


def episode():
    """A brand's episode over three runs: a negative spike opens it, another joins, a critical complaint
    spike escalates it."""
    opening = spike_alert()
    joining = later(spike_alert(), 1)
    escalating = later(spike_alert(kind="complaint_spike", subject="complaints", severity="critical"), 2)
    return opening, joining, escalating


def run_episode(warehouse, config, secrets, alerts=None):
    """Each alert found by its own run, delivered right after it; returns the delivery reports."""
    reports = []
    for n, alert in enumerate(alerts or episode()):
        now = alert.bucket_end + timedelta(minutes=2)
        enqueue(warehouse, [alert], config, f"scheduled__{n}", "scheduled", now)
        reports.append(deliver_pending(warehouse, config, secrets, now))
    return reports


def hook_secret(receiver) -> dict:
    return {"conn_type": "http", "password": "tok-123456", "extra": {"url": receiver.url, "allow_private": True}}


def smtp_secret(server) -> dict:
    return {"conn_type": "smtp", "host": "127.0.0.1", "port": server.port, "login": "bot@example.com",
            "password": "s3cret-pass", "extra": {"from": "brandmon@example.com", "starttls": False}}


def rows(warehouse, sql, params=()):
    return warehouse.execute(sql, list(params)).fetchall()


def test_a_webhook_gets_the_opening_and_the_escalation_with_the_incident_and_the_joined_alert_is_only_stored(
        tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {"channels": HOOK, "routes": [{"channels": ["pr_hook"]}]})
    opening, joining, escalating = episode()
    reports = run_episode(warehouse, config, {"pr_hook": hook_secret(receiver)})
    assert [r.sent for r in reports] == [1, 0, 1]
    first, update = [r["json"] for r in receiver.accepted()]
    incident_id = "demo_coffee-20261126T0615Z"
    assert (first["incident_id"], first["event"], first["alert_id"]) == (incident_id, "opened", opening.alert_id)
    assert (update["incident_id"], update["event"], update["alert_id"]) == (incident_id, "escalated",
                                                                            escalating.alert_id)
    assert update["incident"]["updates"] == [opening.alert_id] and update["incident"]["severity"] == "critical"
    assert update["title"]["zh"].startswith("【更新】【严重】示例咖啡 投诉激增") and update["title"]["en"].startswith(
        "[Update] [CRITICAL] 示例咖啡: complaints spike")
    assert "升级原因: 严重程度 警告 → 严重\n" in update["text"]["zh"]
    assert "Escalated because: severity WARNING → CRITICAL\n" in update["text"]["en"]
    timeline = update["text"]["en"].split("Incident timeline (up to this message)")[1]
    assert timeline.index("14:15 WARNING negative mentions spike ×4.2") < timeline.index("opened the incident") \
        < timeline.index("14:30 WARNING negative mentions spike") < timeline.index("joined (not sent on its own)") \
        < timeline.index("14:45 CRITICAL complaints spike") < timeline.index("escalated it")
    assert rows(warehouse, "SELECT status, reason FROM deliveries WHERE alert_id = ?", [joining.alert_id]) == [
        ("suppressed", f"incident:{incident_id}")]

    assert rows(warehouse, """SELECT incident_id, brand, brand_name, kinds, severity, status, alerts, escalations,
                                     messages_sent, strftime(opened_local, '%H:%M') FROM v_incidents""") == [
        (incident_id, "demo_coffee", None, ["negative_spike", "complaint_spike"], "critical", "open", 3, 1, 2, "14:15")]
    assert rows(warehouse, "SELECT seq, role, kind, sent_to FROM v_incident_alerts ORDER BY seq") == [
        (1, "opened", "negative_spike", ["pr_hook"]), (2, "joined", "negative_spike", None),
        (3, "escalated", "complaint_spike", ["pr_hook"])]
    assert rows(warehouse, "SELECT DISTINCT incident_id, incident_role FROM v_alerts ORDER BY 2") == [
        (incident_id, "escalated"), (incident_id, "joined"), (incident_id, "opened")]


def test_an_email_update_replies_to_the_opening_message_in_its_thread(tmp_path, warehouse, smtp_server):
    config = make_config(tmp_path, {"channels": MAIL, "routes": [{"channels": ["pr_mail"]}]})
    opening, _, escalating = episode()
    run_episode(warehouse, config, {"pr_mail": smtp_secret(smtp_server)})
    first, update = smtp_server.messages
    assert first["Subject"] == "【警告】示例咖啡 负面声量激增 ×4.2" and first["In-Reply-To"] is None
    assert first["Message-ID"] == f"<{opening.alert_id}.pr_mail@example.com>"
    assert update["Subject"] == "【更新】【严重】示例咖啡 投诉激增 ×4.2"
    assert update["In-Reply-To"] == first["Message-ID"] and update["References"] == first["Message-ID"]
    assert update["Message-ID"] == f"<{escalating.alert_id}.pr_mail@example.com>"
    assert first["X-Brandmon-Incident-Id"] == update["X-Brandmon-Incident-Id"] == "demo_coffee-20261126T0615Z"
    text = update.get_body(("plain",)).get_content()
    assert "事件: demo_coffee-20261126T0615Z · 2026-11-26 14:15 (Asia/Shanghai) 起 · 已有 3 条预警" in text
    assert "拉肚子，客服三天不回复" in text  # the update still quotes its posts

    english_first = make_config(tmp_path, {"channels": MAIL, "routes": [{"channels": ["pr_mail"]}],
                                           "languages": ["en", "zh"]})
    later_episode = [later(alert, 48) for alert in episode()]  # twelve hours on: a new incident
    run_episode(warehouse, english_first, {"pr_mail": smtp_secret(smtp_server)}, later_episode)
    *_, opened, updated = smtp_server.messages
    assert opened["Subject"] == "[WARNING] 示例咖啡: negative mentions spike ×4.2"
    assert updated["Subject"] == "[Update] [CRITICAL] 示例咖啡: complaints spike ×4.2"
    assert updated["In-Reply-To"] == opened["Message-ID"] != first["Message-ID"]


def test_chat_bots_get_the_update_marked_in_its_first_line(tmp_path, warehouse, httpserver):
    bot = Receiver(httpserver, "/bot")
    config = make_config(tmp_path, {"channels": BOT, "routes": [{"channels": ["pr_bot"]}]})
    secret = {"password": bot.url.replace("http://", "json://"), "extra": {"allow_private": True}}
    run_episode(warehouse, config, {"pr_bot": secret})
    first, update = (r["json"]["message"] for r in bot.accepted())
    assert first.startswith("【警告】示例咖啡 负面声量激增 ×4.2")
    assert update.startswith("【更新】【严重】示例咖啡 投诉激增 ×4.2")


def test_a_channel_that_heard_nothing_yet_gets_the_escalation_as_its_first_message(tmp_path, warehouse, receiver):
    boss = {"boss_file": {"kind": "file"}}
    config = make_config(tmp_path, {"channels": {**HOOK, **boss}, "routes": [
        {"channels": ["pr_hook"]}, {"severities": ["critical"], "channels": ["boss_file"]}]})
    run_episode(warehouse, config, {"pr_hook": hook_secret(receiver)})
    [line] = [json.loads(x) for x in (tmp_path / "state" / "alerts" / "boss_file.jsonl").read_text().splitlines()]
    assert (line["event"], line["incident"]["updates"]) == ("opened", [])
    assert line["title"]["zh"].startswith("【严重】示例咖啡 投诉激增") and line["kind"] == "complaint_spike"
    assert [r["json"]["event"] for r in receiver.accepted()] == ["opened", "escalated"]


def test_a_catch_up_run_sends_the_opening_and_one_update_not_one_message_per_step(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {"channels": HOOK, "routes": [{"channels": ["pr_hook"]}]})
    opening = spike_alert(kind="volume_spike", subject="volume")
    joining = later(spike_alert(kind="volume_spike", subject="volume"), 1)
    negative = later(spike_alert(), 2)
    complaint = later(spike_alert(kind="complaint_spike", subject="complaints", severity="critical"), 3)
    now = complaint.bucket_end + timedelta(minutes=2)  # one run finds the whole episode
    report = enqueue(warehouse, [opening, joining, negative, complaint], config, "manual__1", "manual", now)
    assert dict(report.incidents) == {"opened": 1, "joined": 1, "escalated": 2}
    assert dict(report.deliveries) == {"pending": 2, "suppressed": 2}
    assert deliver_pending(warehouse, config, {"pr_hook": hook_secret(receiver)}, now).sent == 2
    first, update = [r["json"] for r in receiver.accepted()]
    assert (first["alert_id"], first["event"]) == (opening.alert_id, "opened")
    assert (update["alert_id"], update["event"]) == (complaint.alert_id, "escalated")
    assert "升级原因: 严重程度 警告 → 严重 · 新增 负面声量激增、投诉激增\n" in update["text"]["zh"]
    assert rows(warehouse, "SELECT status, reason FROM deliveries WHERE alert_id = ?", [negative.alert_id]) == [
        ("suppressed", f"combined:{complaint.alert_id}")]


def test_a_run_with_two_escalations_sends_one_update_telling_both(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {"channels": HOOK, "routes": [{"channels": ["pr_hook"]}]})
    opening = spike_alert(kind="volume_spike", subject="volume")
    negative, complaint = later(spike_alert(), 1), later(spike_alert(kind="complaint_spike", subject="complaints",
                                                                     severity="critical"), 2)
    secrets = {"pr_hook": hook_secret(receiver)}
    run_episode(warehouse, config, secrets, [opening])
    now = complaint.bucket_end + timedelta(minutes=2)
    enqueue(warehouse, [negative, complaint], config, "scheduled__2", "scheduled", now)
    assert deliver_pending(warehouse, config, secrets, now).sent == 1
    first, update = [r["json"] for r in receiver.accepted()]
    assert (first["event"], update["event"], update["alert_id"]) == ("opened", "escalated", complaint.alert_id)
    assert update["incident"]["updates"] == [opening.alert_id]
    assert "升级原因: 严重程度 警告 → 严重 · 新增 负面声量激增、投诉激增\n" in update["text"]["zh"]
    assert "Escalated because: severity WARNING → CRITICAL · new: negative mentions spike, complaints spike\n" \
        in update["text"]["en"]


def test_an_update_waits_until_its_opening_is_out(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {"channels": HOOK, "routes": [{"channels": ["pr_hook"]}],
                                    "delivery": {"retry_initial_seconds": 3600}})
    opening, _, escalating = episode()
    secrets = {"pr_hook": hook_secret(receiver)}
    receiver.statuses = [503]
    now = opening.bucket_end + timedelta(minutes=2)
    enqueue(warehouse, [opening], config, "scheduled__1", "scheduled", now)
    assert deliver_pending(warehouse, config, secrets, now).retryable_failures == 1
    now = escalating.bucket_end + timedelta(minutes=2)  # before the opening's retry is due
    enqueue(warehouse, [escalating], config, "scheduled__2", "scheduled", now)
    waiting = deliver_pending(warehouse, config, secrets, now)
    assert (waiting.sent, waiting.queued) == (0, 1) and len(receiver.requests) == 1
    both = deliver_pending(warehouse, config, secrets, now + timedelta(hours=1))
    assert both.sent == 2
    assert [(r["json"]["alert_id"], r["json"]["event"]) for r in receiver.accepted()] == [
        (opening.alert_id, "opened"), (escalating.alert_id, "escalated")]


def test_an_alert_joining_an_incident_whose_opening_was_never_sent_is_sent(tmp_path, warehouse, receiver):
    config = make_config(tmp_path, {"channels": HOOK, "routes": [{"channels": ["pr_hook"]}],
                                    "incidents": {"close_after_hours": 12}})
    stale = spike_alert()
    fresh = later(spike_alert(), 28)  # seven hours on: the first was too old to page when found
    enqueue(warehouse, [stale, fresh], config, "manual__1", "manual", fresh.bucket_end + timedelta(minutes=2))
    assert deliver_pending(warehouse, config, {"pr_hook": hook_secret(receiver)}, fresh.bucket_end).sent == 1
    [sent] = [r["json"] for r in receiver.accepted()]
    assert (sent["alert_id"], sent["event"], sent["incident"]["role"]) == (fresh.alert_id, "opened", "joined")
    assert rows(warehouse, "SELECT status, reason FROM deliveries WHERE alert_id = ?", [stale.alert_id]) == [
        ("expired", "stale")]


def test_an_incident_closes_after_the_quiet_period_and_the_next_alert_opens_another(tmp_path, warehouse):
    config = make_config(tmp_path, {"incidents": {"close_after_hours": 2}})
    first, again = spike_alert(), later(spike_alert(), 9)  # 2h15 later
    enqueue(warehouse, [first], config, "scheduled__1", "scheduled", first.bucket_end)
    enqueue(warehouse, [], config, "scheduled__2", "scheduled", first.bucket_end + timedelta(hours=1))
    assert rows(warehouse, "SELECT status FROM incidents") == [("open",)]
    enqueue(warehouse, [again], config, "scheduled__3", "scheduled", again.bucket_end)
    assert rows(warehouse, "SELECT status, closed_at - opened_at, alerts FROM v_incidents ORDER BY opened_at") == [
        ("closed", timedelta(hours=2), 1), ("open", None, 1)]
    assert deliver_pending(warehouse, config, {}, again.bucket_end).sent == 2


def test_a_shared_source_failing_for_two_brands_sends_one_ops_message_naming_both(tmp_path, warehouse, receiver):
    routes = [{"audience": "ops", "channels": ["ops_hook"]},
              {"audience": "ops", "brands": ["demo_tea"], "channels": ["tea_ops"]}]
    config = make_config(tmp_path, {"channels": {"ops_hook": {"kind": "webhook", "connection": "ops"},
                                                 "tea_ops": {"kind": "file"}}, "routes": routes})
    coffee, tea = ops_alert(), ops_alert(brand="demo_tea", details=replace(ops_alert().details, brand_name="样板茶饮"))
    now = BUCKET_END + timedelta(minutes=2)
    report = enqueue(warehouse, [tea, coffee], config, "scheduled__1", "scheduled", now)
    assert dict(report.incidents) == {"opened": 1, "joined": 1}
    delivered = deliver_pending(warehouse, config, {"ops_hook": hook_secret(receiver)}, now)
    assert delivered.sent == 2, delivered.outcomes
    [message] = [r["json"] for r in receiver.accepted()]
    assert message["incident_id"] == "ops-weibo_hot-20261126T0615Z" and message["brand"] == "demo_coffee"
    assert message["title"]["zh"] == "【警告】示例咖啡、样板茶饮 数据源出错 weibo_hot"
    assert "涉及品牌: 示例咖啡 (demo_coffee) · 样板茶饮 (demo_tea)" in message["text"]["zh"]
    assert "Brands: 示例咖啡 (demo_coffee) · 样板茶饮 (demo_tea)" in message["text"]["en"]
    assert message["incident"]["brands"] == ["demo_coffee", "demo_tea"]
    # demo_tea's own ops route had not heard of the incident: it gets its one message too
    [line] = [json.loads(x) for x in (tmp_path / "state" / "alerts" / "tea_ops.jsonl").read_text().splitlines()]
    assert (line["brand"], line["incident_id"], line["event"]) == ("demo_tea", message["incident_id"], "opened")
    assert rows(warehouse, "SELECT channel, status FROM deliveries WHERE alert_id = ? ORDER BY 1", [tea.alert_id]) == [
        ("ops_hook", "suppressed"), ("tea_ops", "sent")]
