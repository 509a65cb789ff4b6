"""The generic webhook channel: POST the alert's JSON payload (alerts.payload) with httpx.

Config: `kind: webhook`, `connection: CONN_ID`.
Connection fields, in order of precedence for the URL:
1. `extra.url`: the full URL.
2. `host` holding a full URL (`https://hooks.example.com/brandmon`), plus `/schema` as a path if set.
3. `conn_type`/`schema` http or https as the scheme (default https), `host`, `port`, and a path from
   `extra.path` or from `schema` when it is not a scheme (that is how a URI Connection such as
   `AIRFLOW_CONN_X='https://hooks.example.com/alerts'` arrives: conn_type https, schema "alerts").
Authentication with `password`: `extra.auth` = `bearer` (default: `Authorization: Bearer
<password>`), `hmac` (`X-Brandmon-Signature: sha256=<hex HMAC-SHA256 of the body keyed by
password>`) or `basic` (login:password). `extra.headers` adds headers (e.g. an API key header).
Every request carries `Idempotency-Key: <alert_id>:<channel>` (also in the JSON). Spikes and
digests add `charts`: their 7-day chart per language as `{lang, content_type: image/png,
filename, base64}` (alerts.chart), for receivers that post images; [] for other alerts.
2xx is delivered; 408, 429 and 5xx and network errors are retried; other 4xx are permanent.
Where it may POST (alerts.channels.destinations): http or https only; the host is resolved, every
address checked (no cloud metadata or link-local address; loopback and private ones only with
`extra.allow_private: true`), and the request goes to a checked address (TLS still verifies the
name). Redirects are not followed. A refused URL is a permanent failure naming the Connection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from alerts.channels import DeliveryError, Envelope, require_secret
from alerts.channels.destinations import allows_private, checked_addresses
from alerts.payload import build_payload
from alerts.settings import Channel

RETRYABLE_4XX = (408, 425, 429)


def send(envelope: Envelope, channel: Channel, secret: Mapping[str, Any] | None, timeout: float) -> str | None:
    """POST the payload; raise DeliveryError (retryable or not) unless the receiver answers 2xx."""
    secret = require_secret(secret, channel)
    url = webhook_url(secret)
    target = _parse(url, channel)
    addresses = checked_addresses(target.host, target.port or (443 if target.scheme == "https" else 80), channel,
                                  allows_private(secret))
    payload = {**build_payload(envelope), "charts": chart_payloads(envelope)}
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": envelope.idempotency_key,
               "User-Agent": "brandmon-alerts/1"}
    headers.update(auth_headers(secret, body))
    try:
        response = _post_pinned(target, addresses, body, headers, timeout)
    except httpx.HTTPError as error:
        raise DeliveryError(f"POST failed: {type(error).__name__}: {error}") from None
    if 200 <= response.status_code < 300:
        return None
    permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX
    raise DeliveryError(f"receiver answered {response.status_code}: {response.text[:200]}", retryable=not permanent)


def chart_payloads(envelope: Envelope) -> list[dict[str, str]]:
    """The alert's chart per language as base64 PNGs, for the JSON body."""
    return [{"lang": doc.lang, "content_type": "image/png", "filename": f"chart-{doc.lang}.png",
             "base64": base64.b64encode(envelope.chart_png(doc.picture)).decode("ascii")}
            for doc in envelope.documents() if doc.picture]


def _parse(url: str, channel: Channel) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        target = None
    if target is None or target.scheme not in ("http", "https") or not target.host:
        scheme = url.partition("://")[0] if "://" in url else "(none)"
        raise DeliveryError(f"channel {channel.name!r}: the webhook URL of Connection "
                            f"{channel.connection or channel.name!r} must be http:// or https:// with a host "
                            f"(scheme {scheme!r})", retryable=False)
    return target


def _post_pinned(target: httpx.URL, addresses: list[str], body: bytes, headers: dict[str, str],
                 timeout: float) -> httpx.Response:
    """POST to the first checked address that accepts a connection, as the URL's host (Host header,
    TLS server name), so the name is never resolved again."""
    headers = {**headers, "Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(timeout=timeout) as client:
        def post(address: str) -> httpx.Response:
            return client.send(client.build_request("POST", target.copy_with(host=address), content=body,
                                                    headers=headers, extensions=extensions))

        for address in addresses[:-1]:
            try:
                return post(address)
            except httpx.ConnectError:
                continue
        return post(addresses[-1])


def webhook_url(secret: Mapping[str, Any]) -> str:
    """The URL to POST to, from the Connection's fields (see the module doc for the precedence)."""
    extra = secret.get("extra") or {}
    if extra.get("url"):
        return str(extra["url"])
    host = str(secret.get("host") or "")
    schema = str(secret.get("schema") or "")
    if not host:
        raise DeliveryError("the webhook Connection has neither extra.url nor host", retryable=False)
    schemes = ("http", "https")
    if "://" in host:
        base, path = host.rstrip("/"), (f"/{schema.strip('/')}" if schema and schema not in schemes else "")
    else:
        conn_type = str(secret.get("conn_type") or "")
        scheme = schema if schema in schemes else conn_type if conn_type in schemes else "https"
        port = f":{secret['port']}" if secret.get("port") else ""
        base = f"{scheme}://{host}{port}"
        path = str(extra.get("path") or (schema if schema not in schemes else ""))
        path = f"/{path.lstrip('/')}" if path else ""
    return base + path


def auth_headers(secret: Mapping[str, Any], body: bytes) -> dict[str, str]:
    """Headers that authenticate the request: bearer token, HMAC signature or basic auth, plus extra.headers."""
    extra = secret.get("extra") or {}
    headers = {str(k): str(v) for k, v in (extra.get("headers") or {}).items()}
    password = secret.get("password")
    if not password:
        return headers
    mode = str(extra.get("auth") or "bearer").lower()
    if mode == "hmac":
        digest = hmac.new(str(password).encode(), body, hashlib.sha256).hexdigest()
        headers["X-Brandmon-Signature"] = f"sha256={digest}"
    elif mode == "basic":
        token = base64.b64encode(f"{secret.get('login') or ''}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif mode == "bearer":
        headers["Authorization"] = f"Bearer {password}"
    else:
        raise DeliveryError(f"extra.auth {mode!r} is not one of bearer, hmac, basic", retryable=False)
    return headers
