"""The dead man's switch: after each successful run, GET a URL that an outside monitor watches
(healthchecks.io, Uptime Kuma, a cron monitor), so a stopped scheduler, a dead machine or runs
that keep failing are noticed outside the system that stopped. The URL is a secret (it holds the
monitor's token): it lives in the Airflow Connection that `monitoring.heartbeat_connection` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from alerts.channels import DeliveryError
from alerts.channels.destinations import allows_private, checked_addresses
from alerts.channels.webhook import webhook_url
from alerts.settings import Channel


class HeartbeatFailed(RuntimeError):
    """The monitor did not take the ping."""


def heartbeat_url(fields: Mapping[str, Any], conn_id: str = "heartbeat") -> str:
    """The URL from the Connection's fields, read like a webhook channel's (extra.url, else host),
    and checked like one: http(s) only, never a cloud metadata or link-local address, loopback and
    private addresses only with the Connection's `allow_private` (alerts.channels.destinations)."""
    url = webhook_url(fields)
    if not url.startswith(("http://", "https://")):
        raise HeartbeatFailed(f"the heartbeat URL must be http(s), got {url[:40]!r}")
    target = httpx.URL(url)
    try:
        checked_addresses(target.host, target.port, Channel("heartbeat", "webhook", {}, connection=conn_id),
                          allows_private(fields))
    except DeliveryError as error:
        raise HeartbeatFailed(str(error)) from None
    return url


def ping(url: str, timeout: float = 10.0) -> int:
    """GET the URL; its status code, or HeartbeatFailed naming the host (never the whole secret URL)."""
    host = httpx.URL(url).host
    try:
        response = httpx.get(url, timeout=timeout, headers={"User-Agent": "brandmon-heartbeat/1"})
    except httpx.HTTPError as error:
        raise HeartbeatFailed(f"heartbeat to {host} failed: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise HeartbeatFailed(f"heartbeat to {host} answered {response.status_code}")
    return response.status_code
