"""weibo.auth: login and visitor walls, and messages that tell ops which cookie to renew."""

from __future__ import annotations

import pytest

from extractors.base import SourceError
from extractors.weibo.auth import as_weibo_auth, missing_cookie_error, wall_reason


@pytest.mark.parametrize("body, walled", [
    ("<html><head><title>Sina Visitor System</title></head></html>", True),
    ('{"ok":-100,"msg":"请先登录","url":"https://passport.weibo.cn/signin/welcome?entry=mweibo"}', True),
    ("<script>location.replace('https://login.sina.com.cn/sso/login.php?url=x')</script>", True),
    ('<div class="card-wrap" mid="1">登录后可以看到更多</div>', False),
    ('{"ok":1,"data":{"cards":[]}}', False),
])
def test_login_and_visitor_walls_are_recognised(body, walled):
    assert (wall_reason(body) is not None) == walled


def test_auth_messages_tell_ops_what_to_renew():
    missing = missing_cookie_error("weibo_default")
    assert missing.kind == "auth" and "AIRFLOW_CONN_WEIBO_DEFAULT" in str(missing)
    reworded = as_weibo_auth(SourceError("auth", "HTTP 403 from https://m.weibo.cn/api"), "weibo_x")
    assert str(reworded).startswith(
        "Weibo cookie expired or missing: renew the password/extra.cookie of Airflow Connection 'weibo_x'")
    assert "HTTP 403" in str(reworded)
    transient = SourceError("transient", "HTTP 502")
    assert as_weibo_auth(transient, "weibo_x") is transient
