"""alerts.channels.file: one JSON line per delivery, never twice for the same key, none lost on a full disk."""

import json
from dataclasses import replace
from datetime import timedelta

from alerts.channels import Envelope
from alerts.channels.file import send
from alerts.outbox import deliver_pending, enqueue
from tests.faults.disk import FullDisk

from .alert_fixtures import JUST_AFTER, make_config, ops_alert, spike_alert


def file_lines(tmp_path) -> list[dict]:
    return [json.loads(line) for line in
            (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]


def envelope(alert) -> Envelope:
    return Envelope(alert=alert, channel="local_file", languages=("zh", "en"), now=JUST_AFTER)


def test_appends_fields_and_rendered_text_once_per_key(tmp_path):
    channel = make_config(tmp_path).channels["local_file"]
    for alert in (spike_alert(), ops_alert(), spike_alert()):
        send(envelope(alert), channel, None, 5)
    lines = file_lines(tmp_path)
    assert [line["kind"] for line in lines] == ["negative_spike", "source_error"]
    assert lines[0]["idempotency_key"] == f"{spike_alert().alert_id}:local_file"
    assert lines[0]["text"]["zh"].startswith("【警告】示例咖啡 负面声量激增 ×4.2")
    assert "renew the cookie" in lines[1]["text"]["en"]


def test_a_delivered_alert_links_to_the_dashboard_configured(tmp_path, warehouse):
    config = make_config(tmp_path, alerts={"dashboard_url": "http://127.0.0.1:8080/brandmon"})
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    assert deliver_pending(warehouse, config, {}, JUST_AFTER).sent == 1
    (line,) = file_lines(tmp_path)
    link = f"http://127.0.0.1:8080/brandmon/alerts/{spike_alert().alert_id}"
    assert link in line["text"]["zh"] and link in line["text"]["en"]


def test_a_full_disk_loses_no_alert_and_sends_none_twice(tmp_path, warehouse, monkeypatch):
    """The disk fills up in the middle of the second of four alerts: the failed appends leave no
    partial line, so once space returns the retry writes each of the three, whole, once.
    (Before: the partial line held the key, its retry was marked sent, the third alert was
    appended onto it: 2 of 4 lost.) Four incidents (two brands, two sources), so each alert is sent."""
    config = make_config(tmp_path)
    alerts = [spike_alert(), ops_alert(), spike_alert(brand="demo_tea", kind="volume_spike", subject="all"),
              ops_alert(subject="news:auth", details=replace(ops_alert().details, source="news"))]
    disk = FullDisk(tmp_path / "state", budget=None).install(monkeypatch)
    enqueue(warehouse, alerts[:1], config, "scheduled__1", "scheduled", JUST_AFTER)
    assert deliver_pending(warehouse, config, {}, JUST_AFTER).sent == 1
    disk.budget = 200  # room for the start of the next line (its idempotency key), not all of it
    enqueue(warehouse, alerts[1:], config, "scheduled__2", "scheduled", JUST_AFTER)
    full = deliver_pending(warehouse, config, {}, JUST_AFTER)
    assert (full.sent, full.retryable_failures) == (0, 3)
    assert all("No space left on device" in o["error"] for o in full.outcomes)
    assert [line["alert_id"] for line in file_lines(tmp_path)] == [alerts[0].alert_id]  # no partial line

    disk.free()
    later = deliver_pending(warehouse, config, {}, JUST_AFTER + timedelta(hours=1))
    assert later.sent == 3
    written = [line["idempotency_key"] for line in file_lines(tmp_path)]
    assert sorted(written) == sorted(f"{a.alert_id}:local_file" for a in alerts)  # each whole, once
    assert warehouse.execute("SELECT DISTINCT status FROM deliveries").fetchall() == [("sent",)]


def test_a_line_cut_by_an_older_crash_is_dropped_not_merged_and_not_counted(tmp_path):
    """A process killed mid-append left half a line holding the key: the key does not count as
    written (the outbox never recorded that send), and the next line starts on a line of its own."""
    channel = make_config(tmp_path).channels["local_file"]
    path = tmp_path / "state" / "alerts" / "alerts.jsonl"
    first, cut = spike_alert(), ops_alert()
    send(envelope(first), channel, None, 5)
    whole = path.read_bytes()
    send(envelope(cut), channel, None, 5)
    path.write_bytes(path.read_bytes()[:len(whole) + 150])  # the second line, cut after its key

    assert send(envelope(cut), channel, None, 5) is None  # written again, not "already in the file"
    assert [line["alert_id"] for line in file_lines(tmp_path)] == [first.alert_id, cut.alert_id]
