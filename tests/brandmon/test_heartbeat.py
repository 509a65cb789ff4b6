"""The dead man's switch: a GET to the monitor's URL from the heartbeat Connection; a monitor that
does not take it is an error naming its host, never the secret URL."""

from __future__ import annotations

import pytest

from brandmon.heartbeat import HeartbeatFailed, heartbeat_url, ping


def test_the_url_comes_from_the_connection_and_is_checked_like_a_webhook(httpserver):
    url = httpserver.url_for("/ping/4f2c-secret")
    assert heartbeat_url({"conn_type": "http", "extra": {"url": url, "allow_private": True}}) == url
    with pytest.raises(HeartbeatFailed, match="must be http"):
        heartbeat_url({"conn_type": "http", "extra": {"url": "file:///etc/passwd"}})
    with pytest.raises(HeartbeatFailed, match="allow_private"):
        heartbeat_url({"conn_type": "http", "extra": {"url": url}})  # loopback needs the Connection's consent
    with pytest.raises(HeartbeatFailed, match="metadata"):
        heartbeat_url({"conn_type": "http", "extra": {"url": "http://169.254.169.254/latest/meta-data/"}})


def test_a_ping_is_one_get_and_a_refusal_names_the_host_only(httpserver):
    httpserver.expect_oneshot_request("/ping/4f2c-secret", method="GET").respond_with_data("OK")
    assert ping(httpserver.url_for("/ping/4f2c-secret")) == 200
    httpserver.expect_request("/ping/down").respond_with_data("no", status=503)
    with pytest.raises(HeartbeatFailed) as refused:
        ping(httpserver.url_for("/ping/down"))
    assert "answered 503" in str(refused.value) and "/ping/down" not in str(refused.value)
