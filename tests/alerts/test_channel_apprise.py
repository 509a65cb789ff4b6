"""alerts.channels.apprise_bot: bot formats and the Apprise URL; delivery through Apprise to loopback.

The real bot hosts are unreachable here, so delivery is checked with Apprise's json:// service
and with the DingTalk, Feishu and WeCom plugins pointed at a loopback receiver instead of their hosts.
"""

import base64

import apprise
import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot

from alerts.channels import DeliveryError, Envelope, redact, secret_values
from alerts.channels.apprise_bot import apprise_url, bot_format, names_its_host, render_body, send
from alerts.settings import Channel

from .alert_fixtures import JUST_AFTER, charted_spike_alert, spike_alert

CHANNEL = Channel("pr_bot", "apprise", {}, "pr_bot")


def envelope(languages=("zh", "en"), alert=None) -> Envelope:
    return Envelope(alert=alert or spike_alert(), channel="pr_bot", languages=languages, now=JUST_AFTER)


@pytest.mark.parametrize("url, expected", [
    ("wecombot://abcdef123456", ("text", None, 2048)),
    ("dingtalk://token123456", ("markdown", "dingtalk", 19_000)),
    ("dingtalk://SEC1234@token123456", ("markdown", "dingtalk", 19_000)),
    ("feishu://tok_123456", ("markdown", "feishu", 19_000)),
    ("lark://9a3c2e7f-0b1d-4e5f-8a6b-1c2d3e4f5a6b", ("markdown", "feishu", 19_000)),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#pr", ("markdown", "slack", 39_000)),
    ("https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", ("markdown", "slack", 39_000)),
    ("json://127.0.0.1:9/x", ("text", None, 30_000)),
])
def test_each_bot_gets_the_format_it_renders(url, expected):
    assert bot_format(apprise.Apprise.instantiate(url)) == expected


def test_the_channel_option_format_overrides_the_choice():
    dingtalk = apprise.Apprise.instantiate("dingtalk://token123456")
    assert bot_format(dingtalk, "text") == ("text", None, 19_000)
    assert bot_format(apprise.Apprise.instantiate("json://127.0.0.1:9/x"), "markdown") == ("markdown", "slack", 30_000)


def test_the_url_comes_from_password_extra_url_or_the_apprise_provider_config():
    assert apprise_url({"password": "wecombot://k1"}) == "wecombot://k1"
    assert apprise_url({"extra": {"url": "feishu://t1"}}) == "feishu://t1"
    assert apprise_url({"extra": {"config": {"path": "dingtalk://t2", "tag": "pr"}}}) == "dingtalk://t2"
    with pytest.raises(DeliveryError, match="exactly one"):
        apprise_url({"extra": {"config": [{"path": "a://"}, {"path": "b://"}]}})
    with pytest.raises(DeliveryError):
        apprise_url({"extra": {}})


def test_markdown_bots_get_the_title_apart_and_text_bots_inline():
    title, body = render_body(envelope(), "markdown", "dingtalk", 19_000)
    assert title == "【警告】示例咖啡 负面声量激增 ×4.2" and not body.startswith("**【")
    assert "[原文](https://weibo.com/1234567890/NwXyZ1)" in body and "[link](https://weibo.com/" in body
    title, body = render_body(envelope(), "text", None, 30_000)
    assert title == "" and body.startswith("【警告】示例咖啡")


def test_a_body_over_the_limit_drops_to_one_language_then_is_cut():
    both = render_body(envelope(), "text", None, 30_000)[1]
    zh_only = render_body(envelope(("zh",)), "text", None, 30_000)[1]
    limit = len(zh_only.encode()) + 10
    assert len(both.encode()) > limit
    assert render_body(envelope(), "text", None, limit)[1] == zh_only
    cut = render_body(envelope(), "text", None, 600)[1]
    assert len(cut.encode()) <= 600 and cut.endswith("…")


def test_delivery_through_apprise_to_a_loopback_json_service(receiver):
    url = receiver.url.replace("http://", "json://")
    send(envelope(), CHANNEL, {"password": url, "extra": {"allow_private": True}}, timeout=5)
    [request] = receiver.requests
    assert request["json"]["title"] == ""
    assert request["json"]["message"].startswith("【警告】示例咖啡 负面声量激增 ×4.2")
    assert "https://weibo.com/1234567890/NwXyZ1" in request["json"]["message"]


def test_the_chart_goes_as_an_attachment_where_apprise_can_attach(receiver):
    url = receiver.url.replace("http://", "json://")
    send(envelope(alert=charted_spike_alert()), CHANNEL, {"password": url, "extra": {"allow_private": True}}, timeout=5)
    [attachment] = receiver.requests[0]["json"]["attachments"]
    assert (attachment["filename"], attachment["mimetype"]) == ("chart-zh.png", "image/png")
    assert base64.b64decode(attachment["base64"])[:8] == b"\x89PNG\r\n\x1a\n"
    send(envelope(), CHANNEL, {"password": url, "extra": {"allow_private": True}}, timeout=5)
    assert receiver.requests[1]["json"]["attachments"] == []


def test_a_group_bot_without_attachments_gets_the_text_alone(receiver, monkeypatch):
    monkeypatch.setattr(NotifyWeComBot, "notify_url", receiver.url + "?key={key}")
    send(envelope(alert=charted_spike_alert()), CHANNEL, {"password": "wecombot://abcdef123456"}, timeout=5)
    [request] = receiver.requests
    assert request["json"]["msgtype"] == "text" and request["json"]["text"]["content"].startswith("【警告】示例咖啡")


def test_a_failing_service_is_retryable_and_its_url_is_not_in_the_error(receiver):
    receiver.statuses = [500]
    url = receiver.url.replace("http://", "json://user:hunter2-secret@")
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), CHANNEL, {"password": url, "extra": {"allow_private": True}}, timeout=5)
    assert failure.value.retryable
    assert "hunter2-secret" not in redact(str(failure.value), secret_values({"password": url}))


def test_an_invalid_url_is_permanent_and_not_echoed():
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), CHANNEL, {"password": "nosuchservice://token-abcdef"}, timeout=5)
    assert not failure.value.retryable and "token-abcdef" not in str(failure.value)


@pytest.mark.parametrize("plugin, url, check", [
    (NotifyDingTalk, "dingtalk://token123456",
     lambda p: p["msgtype"] == "markdown" and "[原文](https://weibo.com/1234567890/NwXyZ1)" in p["markdown"]["text"]
     and "＜script＞" in p["markdown"]["text"] and p["markdown"]["title"].startswith("【警告】")),
    (NotifyFeishu, "feishu://tok_123456",
     lambda p: p["msg_type"] == "interactive" and "[原文](https://weibo.com/1234567890/NwXyZ1)"
     in p["card"]["elements"][0]["text"]["content"]),
    (NotifyWeComBot, "wecombot://abcdef123456",
     lambda p: p["msgtype"] == "text" and p["text"]["content"].startswith("【警告】示例咖啡")
     and len(p["text"]["content"].encode()) <= 2048),
])
def test_bot_payloads_built_by_apprise(receiver, monkeypatch, plugin, url, check):
    # Point the plugin at the loopback receiver instead of the bot host; everything else is Apprise's own.
    monkeypatch.setattr(plugin, "notify_url", receiver.url + "?token={token}" if plugin is not NotifyWeComBot
                        else receiver.url + "?key={key}")
    send(envelope(), CHANNEL, {"password": url}, timeout=5)
    [request] = receiver.requests
    assert check(request["json"])


@pytest.mark.parametrize("url, allowed", [
    ("form://169.254.169.254/latest/meta-data", True), ("jsons://metadata.google.internal/x", True),
    ("xml://[fd00:ec2::254]/x", True), ("json://127.0.0.1:9/hook", False), ("gotify://10.0.0.5/token", False),
])
def test_a_service_on_a_host_the_url_names_is_checked_like_a_webhook(receiver, url, allowed):
    with pytest.raises(DeliveryError, match="refused to send to") as failure:
        send(envelope(), CHANNEL, {"password": url, "extra": {"allow_private": allowed}}, timeout=2)
    assert not failure.value.retryable and receiver.requests == []


def test_a_bot_on_its_fixed_service_host_is_not_checked():
    plugin = apprise.Apprise.instantiate("wecombot://abcdef123456")
    assert not names_its_host(plugin) and names_its_host(apprise.Apprise.instantiate("json://hooks.example.com/x"))
