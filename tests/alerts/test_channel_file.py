"""alerts.channels.file: one JSON line per delivery, never twice for the same key."""

import json

from alerts.channels import Envelope
from alerts.channels.file import send

from .alert_fixtures import JUST_AFTER, make_config, ops_alert, spike_alert


def test_appends_fields_and_rendered_text_once_per_key(tmp_path):
    channel = make_config(tmp_path).channels["local_file"]
    for alert in (spike_alert(), ops_alert(), spike_alert()):
        send(Envelope(alert=alert, channel="local_file", languages=("zh", "en"), now=JUST_AFTER), channel, None, 5)
    lines = [json.loads(line) for line in
             (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["kind"] for line in lines] == ["negative_spike", "source_error"]
    assert lines[0]["idempotency_key"] == f"{spike_alert().alert_id}:local_file"
    assert lines[0]["text"]["zh"].startswith("【警告】示例咖啡 负面声量激增 ×4.2")
    assert "renew the cookie" in lines[1]["text"]["en"]
