"""alerts.channels.webhook: JSON POST to a real receiver on loopback, URL and auth from the Connection."""

import hashlib
import hmac

import pytest

from alerts.channels import DeliveryError, Envelope
from alerts.channels.webhook import send, webhook_url

from .alert_fixtures import JUST_AFTER, make_config, spike_alert

HOOK = {"channels": {"pr_hook": {"kind": "webhook", "connection": "pr_webhook"}}}


def envelope() -> Envelope:
    return Envelope(alert=spike_alert(), channel="pr_hook", languages=("zh", "en"), now=JUST_AFTER)


def channel(tmp_path):
    return make_config(tmp_path, HOOK).channels["pr_hook"]


def test_the_payload_carries_fields_explanation_text_and_idempotency_key(tmp_path, receiver):
    send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url}, "password": "tok-123456"}, timeout=5)
    [request] = receiver.requests
    alert = spike_alert()
    assert request["headers"]["Idempotency-Key"] == f"{alert.alert_id}:pr_hook"
    assert request["headers"]["Authorization"] == "Bearer tok-123456"
    payload = request["json"]
    assert (payload["alert_id"], payload["brand"], payload["kind"], payload["severity"]) == (
        alert.alert_id, "demo_coffee", "negative_spike", "warning")
    assert (payload["observed"], payload["expected"], payload["ratio"]) == (38.0, 9.0, 4.2)
    assert payload["bucket_start"] == "2026-11-26T06:00:00+00:00"
    assert payload["details"]["samples"][1]["url"] == "https://weibo.com/1234567890/NwXyZ1"
    assert payload["title"] == {"zh": "【警告】示例咖啡 负面声量激增 ×4.2", "en": "[WARNING] 示例咖啡: negative mentions spike ×4.2"}
    assert "拉肚子" in payload["text"]["zh"] and "Sample posts" in payload["text"]["en"]
    assert request["body"].decode("utf-8")  # UTF-8 JSON, Chinese not \u-escaped
    assert "示例咖啡" in request["body"].decode("utf-8")


def test_hmac_signing_lets_the_receiver_verify_the_body(tmp_path, receiver):
    secret = {"extra": {"url": receiver.url, "auth": "hmac"}, "password": "shared-secret-42"}
    send(envelope(), channel(tmp_path), secret, timeout=5)
    [request] = receiver.requests
    expected = hmac.new(b"shared-secret-42", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Brandmon-Signature"] == f"sha256={expected}"
    assert "Authorization" not in request["headers"]


@pytest.mark.parametrize("status, retryable", [(400, False), (401, False), (404, False), (408, True),
                                               (429, True), (500, True), (502, True), (503, True)])
def test_4xx_is_permanent_except_timeouts_and_rate_limits(tmp_path, receiver, status, retryable):
    receiver.statuses = [status]
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url}}, timeout=5)
    assert failure.value.retryable is retryable and str(status) in str(failure.value)


def test_an_unreachable_receiver_is_retryable(tmp_path):
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel(tmp_path), {"extra": {"url": "http://127.0.0.1:1/hook"}}, timeout=2)
    assert failure.value.retryable


@pytest.mark.parametrize("fields, url", [
    ({"extra": {"url": "https://hooks.example.com/x?k=1"}, "host": "ignored"}, "https://hooks.example.com/x?k=1"),
    ({"host": "https://hooks.example.com/brandmon"}, "https://hooks.example.com/brandmon"),
    ({"host": "https://hooks.example.com", "schema": "alerts/pr"}, "https://hooks.example.com/alerts/pr"),
    ({"conn_type": "https", "host": "hooks.example.com", "port": 8443, "schema": "alerts"},
     "https://hooks.example.com:8443/alerts"),  # AIRFLOW_CONN_X='https://hooks.example.com:8443/alerts'
    ({"conn_type": "http", "host": "127.0.0.1", "port": 9000, "schema": "http", "extra": {"path": "/in"}},
     "http://127.0.0.1:9000/in"),
    ({"conn_type": "generic", "host": "hooks.example.com"}, "https://hooks.example.com"),
])
def test_url_from_connection_fields(fields, url):
    assert webhook_url(fields) == url


def test_a_connection_without_url_or_host_is_permanent():
    with pytest.raises(DeliveryError) as failure:
        webhook_url({"extra": {}})
    assert not failure.value.retryable
