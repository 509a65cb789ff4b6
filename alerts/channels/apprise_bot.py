"""The Apprise channel: WeCom, DingTalk and Feishu/Lark group bots, Slack, and any other Apprise URL.

Config: `kind: apprise`, `connection: CONN_ID`, optional `format: text|markdown` to override the
choice below.
Connection: the Apprise URL is a secret (it holds the bot's key), taken from `password`, else
`extra.url`, else `extra.config.path` (the form the Airflow Apprise provider stores). Examples:
`wecombot://KEY`, `dingtalk://TOKEN` or `dingtalk://SECRET@TOKEN` (signed), `feishu://TOKEN`,
`lark://TOKEN`, `slack://TOKEN_A/TOKEN_B/TOKEN_C/#channel` or a hooks.slack.com URL. One URL per
channel: a fan-out that half succeeded could not be retried without duplicating.
How each bot gets the message: WeCom plain text (Apprise sends WeCom text messages, 2048 bytes);
DingTalk and Feishu/Lark their Markdown subsets; Slack CommonMark, converted to mrkdwn by Apprise;
any other service plain text. A body over the service's limit keeps only the first language, then
is cut at the limit with an ellipsis. A spike's or digest's 7-day chart (alerts.chart) goes along as
a PNG attachment, in the first language, to services Apprise can attach files to (Slack with a
bot token, Telegram, Discord, email, json://, ...); the group bots of WeCom, DingTalk and Feishu
take no attachment through Apprise, so they get the text alone.
A service on a host the URL names (json://, xml://, form://, gotify://, mailto://, ...: every URL
form of the plugin has a host) is checked like a webhook (alerts.channels.destinations): no cloud
metadata or link-local address, loopback and private ones only with `extra.allow_private: true`.
Apprise resolves the name again when it sends, so unlike the webhook channel this check does not
pin the address. Bots on a fixed service host (WeCom, DingTalk, Feishu, Slack) need no check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import apprise
from apprise.attachment.memory import AttachMemory

from alerts.channels import DeliveryError, Envelope, require_secret
from alerts.channels.destinations import allows_private, checked_addresses
from alerts.formats import to_markdown, to_text
from alerts.settings import Channel

# Apprise protocol -> (body format, Markdown flavour, body limit in UTF-8 bytes)
BOTS: dict[str, tuple[str, str | None, int]] = {
    "wecombot": ("text", None, 2048),
    "dingtalk": ("markdown", "dingtalk", 19_000),
    "feishu": ("markdown", "feishu", 19_000),
    "lark": ("markdown", "feishu", 19_000),
    "slack": ("markdown", "slack", 39_000),
}
DEFAULT = ("text", None, 30_000)


def send(envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None, timeout: float) -> str | None:
    """Notify the Connection's Apprise URL; Apprise reports only success, so failures are retried."""
    secret = require_secret(secret, channel)
    plugin = _plugin(apprise_url(secret))
    if names_its_host(plugin):
        checked_addresses(plugin.host, plugin.port, channel, allows_private(secret))
    plugin.socket_connect_timeout = plugin.socket_read_timeout = timeout
    fmt, flavour, limit = bot_format(plugin, channel.options.get("format"))
    title, body = render_body(envelope, fmt, flavour, limit)
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        ok = notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat(fmt),
                             attach=chart_attachment(envelope) if plugin.attachment_support else None)
        problems = " ".join(log.getvalue().split())[-300:]
    if not ok:
        raise DeliveryError(f"{plugin.service_name} notification failed: {problems or 'no reason given'}")
    return None


def chart_attachment(envelope: Envelope) -> apprise.AppriseAttachment | None:
    """The alert's chart as an in-memory PNG attachment (first language with one), or None."""
    doc = next((d for d in envelope.documents() if d.picture), None)
    if doc is None:
        return None
    return apprise.AppriseAttachment(AttachMemory(content=envelope.chart_png(doc.picture), name=f"chart-{doc.lang}.png",
                                                  mimetype="image/png"))


def apprise_url(secret: Mapping[str, Any]) -> str:
    """The Apprise URL from the Connection: password, extra.url or extra.config.path (exactly one URL)."""
    extra = secret.get("extra") or {}
    config = extra.get("config")
    if isinstance(config, list):
        if len(config) != 1:
            raise DeliveryError("extra.config must hold exactly one Apprise URL per channel", retryable=False)
        config = config[0]
    url = secret.get("password") or extra.get("url") or (config or {}).get("path")
    if not url:
        raise DeliveryError("the Connection holds no Apprise URL (password, extra.url or extra.config.path)",
                            retryable=False)
    return str(url).strip()


def names_its_host(plugin: Any) -> bool:
    """Whether the plugin sends to a host its URL names (every URL form has {host}), not a fixed service."""
    templates = getattr(plugin, "templates", ())
    return bool(getattr(plugin, "host", None)) and bool(templates) and all("{host}" in t for t in templates)


def bot_format(plugin: Any, override: str | None = None) -> tuple[str, str | None, int]:
    """(format, Markdown flavour, byte limit) for an Apprise plugin; `override` text/markdown forces one."""
    protocols = {p for attr in ("protocol", "secure_protocol")
                 for p in _as_tuple(getattr(plugin, attr, None))}
    fmt, flavour, limit = next((BOTS[p] for p in protocols if p in BOTS), DEFAULT)
    if override == "text":
        return "text", None, limit
    if override == "markdown" and flavour is None:
        return "markdown", "slack", limit
    return fmt, flavour, limit


def render_body(envelope: Envelope, fmt: str, flavour: str | None, limit: int) -> tuple[str, str]:
    """(title, body) for the bot, fitted to `limit` bytes; text bodies carry their own title line."""
    docs = envelope.documents()
    for subset in (docs, docs[:1]):
        if fmt == "text":
            title, body = "", to_text(subset)
        else:
            title, body = docs[0].title, to_markdown(subset, flavour or "slack")
        if len(body.encode("utf-8")) <= limit:
            return title, body
    cut = body.encode("utf-8")[:limit - len("…".encode())].decode("utf-8", errors="ignore")
    return title, cut + "…"


def _plugin(url: str) -> Any:
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = url.partition("://")[0] if "://" in url else "(none)"
        raise DeliveryError(f"the Connection's Apprise URL (scheme {scheme!r}) is not a valid Apprise URL",
                            retryable=False)
    return plugin


def _as_tuple(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
