"""Defaults and options every Weibo client shares: slower pacing and a cookie Connection."""

from __future__ import annotations

from pydantic import Field

from extractors.options import ConnectionId, HttpSettings, Number

PLATFORM = "weibo"
WEB_CONNECTION = "weibo_default"  # s.weibo.com and weibo.com: .weibo.com cookies
MOBILE_CONNECTION = "weibo_mobile"  # m.weibo.cn keeps its own login (.weibo.cn cookies)
WEB_BASE = "https://weibo.com"


class WeiboSettings(HttpSettings):
    """The politeness options of every web source with Weibo's defaults (it throttles fast
    clients: 2 s between requests, backoff from 2 s) and the Connection holding the cookie."""

    min_interval: Number = Field(2.0, ge=0)
    backoff: Number = Field(2.0, ge=0)
    connection: ConnectionId = WEB_CONNECTION
