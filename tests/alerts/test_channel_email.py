"""alerts.channels.email against a real SMTP server (aiosmtpd) on loopback."""

from datetime import timedelta

import pytest

from alerts.channels import DeliveryError, Envelope
from alerts.channels.email import send
from alerts.outbox import deliver_pending, enqueue

from .alert_fixtures import JUST_AFTER, charted_spike_alert, make_config, spike_alert

EMAIL_ALERTS = {
    "channels": {"pr_mail": {"kind": "email", "connection": "smtp_pr", "to": ["pr@example.com", "lead@example.com"]}},
    "routes": [{"channels": ["pr_mail"]}],
}


def smtp_secret(server, **extra) -> dict:
    return {"conn_type": "smtp", "host": "127.0.0.1", "port": server.port, "login": "bot@example.com",
            "password": "s3cret-pass", "schema": None, "extra": {"from": "brandmon@example.com", "starttls": False,
                                                                 **extra}}


def envelope(alert=None, languages=("zh", "en")) -> Envelope:
    return Envelope(alert=alert or spike_alert(), channel="pr_mail", languages=languages, now=JUST_AFTER)


def test_the_alert_arrives_with_headers_both_languages_samples_and_links(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    send(envelope(), channel, smtp_secret(smtp_server), timeout=10)
    [message] = smtp_server.messages
    alert_id = spike_alert().alert_id
    assert message["From"] == "brandmon@example.com"
    assert message["To"] == "pr@example.com, lead@example.com"
    assert message["Subject"] == "【警告】示例咖啡 负面声量激增 ×4.2"
    assert message["Message-ID"] == f"<{alert_id}.pr_mail@example.com>"
    assert message["X-Brandmon-Idempotency-Key"] == f"{alert_id}:pr_mail"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "负面声量激增" in body and "negative mentions spike" in body
        assert "https://weibo.com/1234567890/NwXyZ1" in body and "拉肚子，客服三天不回复" in body
    assert text.index("拉肚子") < text.index("门店排队") < text.index("联名款翻车")  # most engaged first
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert smtp_server.envelopes == [("brandmon@example.com", ["pr@example.com", "lead@example.com"])]


def test_a_spike_carries_its_7_day_chart_inline_per_language_with_a_text_fallback(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    alert = charted_spike_alert()
    send(envelope(alert), channel, smtp_secret(smtp_server), timeout=10)
    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()
    assert text.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html = message.get_body(("html",)).get_content()
    images = {part["Content-ID"]: part.get_content() for part in message.walk() if part.get_content_type() == "image/png"}
    assert set(images) == {f"<chart-zh.{alert.alert_id}@brandmon>", f"<chart-en.{alert.alert_id}@brandmon>"}
    assert html.index(f'src="cid:chart-zh.{alert.alert_id}@brandmon"') < html.index("Sample posts")
    assert 'alt="图表：示例咖啡 · 近 7 天每小时声量"' in html and 'alt="Chart: 示例咖啡: mentions per hour' in html
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000 for png in images.values())
    assert images[f"<chart-zh.{alert.alert_id}@brandmon>"] != images[f"<chart-en.{alert.alert_id}@brandmon>"]
    assert "负面声量激增" in text.get_content()  # the text part stands on its own


def test_an_alert_without_a_trend_has_no_image(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    send(envelope(), channel, smtp_secret(smtp_server), timeout=10)
    [message] = smtp_server.messages
    assert not [part for part in message.walk() if part.get_content_type().startswith("image/")]
    assert "<img" not in message.get_body(("html",)).get_content()


def test_a_wrong_password_is_a_retryable_failure_without_the_password(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    secret = {**smtp_secret(smtp_server), "password": "wrong-password-1"}
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel, secret, timeout=10)
    assert failure.value.retryable and "535" in str(failure.value) and "wrong-password-1" not in str(failure.value)
    assert smtp_server.messages == []


def test_refused_recipients_are_permanent_and_partial_refusals_are_noted(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    smtp_server.refuse = {"pr@example.com", "lead@example.com"}
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel, smtp_secret(smtp_server), timeout=10)
    assert not failure.value.retryable and "550" in str(failure.value)
    smtp_server.refuse = {"lead@example.com"}
    note = send(envelope(), channel, smtp_secret(smtp_server), timeout=10)
    assert "lead@example.com (550" in note and len(smtp_server.messages) == 1


def test_a_server_that_is_down_is_retried(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    secret = {**smtp_secret(smtp_server), "port": 1}
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel, secret, timeout=5)
    assert failure.value.retryable


def test_through_the_outbox_an_email_goes_once(tmp_path, warehouse, smtp_server):
    config = make_config(tmp_path, EMAIL_ALERTS)
    enqueue(warehouse, [spike_alert()], config, "scheduled__1", "scheduled", JUST_AFTER)
    secrets = {"pr_mail": smtp_secret(smtp_server)}
    assert deliver_pending(warehouse, config, secrets, JUST_AFTER).sent == 1
    assert deliver_pending(warehouse, config, secrets, JUST_AFTER + timedelta(minutes=15)).sent == 0
    assert len(smtp_server.messages) == 1
    assert warehouse.execute("SELECT status FROM v_alerts").fetchall() == [("sent",)]


def test_a_display_name_sender_keeps_a_valid_message_id(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    secret = smtp_secret(smtp_server, **{"from": "品牌监测 <brandmon@example.com>"})
    send(envelope(), channel, secret, timeout=10)
    message = smtp_server.messages[0]
    assert message["Message-ID"] == f"<{spike_alert().alert_id}.pr_mail@example.com>"
    assert message["From"].addresses[0].addr_spec == "brandmon@example.com"
    assert smtp_server.envelopes[0][0] == "brandmon@example.com"


def test_english_only_configuration(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    send(envelope(languages=("en",)), channel, smtp_secret(smtp_server), timeout=10)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert smtp_server.messages[0]["Subject"] == "[WARNING] 示例咖啡: negative mentions spike ×4.2"
    assert "负面声量激增" not in text


def test_a_connection_without_sender_is_a_permanent_error(tmp_path, smtp_server):
    channel = make_config(tmp_path, EMAIL_ALERTS).channels["pr_mail"]
    secret = {**smtp_secret(smtp_server), "login": "bot", "extra": {}}
    with pytest.raises(DeliveryError, match="extra.from") as failure:
        send(envelope(), channel, secret, timeout=10)
    assert not failure.value.retryable
