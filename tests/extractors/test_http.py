"""The polite HTTP client against a real loopback server: retries, politeness, error classes."""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from werkzeug import Request, Response

from extractors.base import ExtractContext, SourceError
from extractors.http import PoliteClient, client_for, decode_body, is_login_url, retry_after_seconds

UA = "brandmon-test/1.0 (+https://example.invalid/brandmon)"
GBK_TEXT = "这款手机质量太差了，售后服务也不好。"


def fast_client(**options) -> PoliteClient:
    settings = dict(backoff=0.01, max_backoff=5.0, min_interval=0.0, max_retries=2, timeout=5.0)
    settings.update(options)
    return PoliteClient(UA, **settings)


def allow_robots(httpserver) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")


def paths_requested(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log]


def test_get_sends_user_agent_and_cookie_and_returns_body(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/page", headers={"User-Agent": UA, "Cookie": "SUB=abc; SUBP=def"},
                              query_string="q=%E5%93%81%E7%89%8C").respond_with_data("hello")
    with fast_client() as client:
        response = client.get(httpserver.url_for("/page"), params={"q": "品牌"},
                              cookies={"SUB": "abc", "SUBP": "def"})
    assert response.text == "hello"
    assert client.requests == 2  # robots.txt + the page


def test_500_then_success_is_retried(httpserver):
    allow_robots(httpserver)
    httpserver.expect_oneshot_request("/flaky").respond_with_data("down", status=500)
    httpserver.expect_request("/flaky").respond_with_data("up")
    with fast_client() as client:
        assert client.get(httpserver.url_for("/flaky")).text == "up"
        assert client.requests == 3


def test_429_waits_at_least_retry_after(httpserver):
    allow_robots(httpserver)
    httpserver.expect_oneshot_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/busy").respond_with_data("ok")
    with fast_client() as client:
        started = time.monotonic()
        assert client.get(httpserver.url_for("/busy")).text == "ok"
        assert time.monotonic() - started >= 1.0


def test_retry_after_beyond_max_backoff_gives_up_without_hammering(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/later").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    with fast_client(max_backoff=2.0) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/later"))
    assert caught.value.kind == "transient"
    assert paths_requested(httpserver).count("/later") == 1


def test_retries_exhausted_is_transient(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/down").respond_with_data("", status=503)
    with fast_client(max_retries=2) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/down"))
    assert caught.value.kind == "transient"
    assert "503" in str(caught.value)
    assert paths_requested(httpserver).count("/down") == 3


def test_timeout_is_transient(httpserver):
    allow_robots(httpserver)

    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("too late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with fast_client(timeout=0.1, max_retries=1) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/slow"))
    assert caught.value.kind == "transient"
    assert "timed out" in str(caught.value)


@pytest.mark.parametrize("robots", [True, False])
@pytest.mark.parametrize("url", ["ftp://example.com/file", "mailto:ops@example.com", "http:///nohost"])
def test_urls_that_cannot_be_fetched_are_permanent(url, robots):
    with fast_client(respect_robots=robots, max_retries=0) as client, pytest.raises(SourceError) as caught:
        client.get(url)
    assert caught.value.kind == "permanent"


def test_connection_refused_is_transient():
    with fast_client(respect_robots=False, max_retries=1) as client, pytest.raises(SourceError) as caught:
        client.get("http://127.0.0.1:9/nothing-listens-here")
    assert caught.value.kind == "transient"


@pytest.mark.parametrize(("status", "kind"), [(400, "permanent"), (404, "permanent"), (410, "permanent"),
                                              (401, "auth"), (403, "auth")])
def test_client_errors_are_classified_without_retry(httpserver, status, kind):
    allow_robots(httpserver)
    httpserver.expect_request("/x").respond_with_data("", status=status)
    with fast_client() as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/x"))
    assert caught.value.kind == kind
    assert paths_requested(httpserver).count("/x") == 1


def test_redirect_to_login_page_is_auth_naming_the_connection(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/search").respond_with_data(
        "", status=302, headers={"Location": "https://passport.weibo.com/visitor/visitor?entry=miniblog"})
    hint = "renew the cookie in Airflow Connection 'weibo_default'"
    with fast_client(auth_hint=hint) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/search"))
    assert caught.value.kind == "auth"
    assert "weibo_default" in str(caught.value)
    assert "passport.weibo.com" in str(caught.value)


def test_redirect_to_local_login_path_is_auth(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/list").respond_with_data("", status=302, headers={"Location": "/user/login?next=/list"})
    with fast_client() as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/list"))
    assert caught.value.kind == "auth"
    assert "/login" not in paths_requested(httpserver) and "/user/login" not in paths_requested(httpserver)


def test_ordinary_redirect_is_followed(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("moved here")
    with fast_client() as client:
        response = client.get(httpserver.url_for("/old"))
    assert response.text == "moved here"
    assert str(response.url).endswith("/new")


def test_robots_disallow_is_permanent_and_not_fetched(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/private/page").respond_with_data("secret")
    with fast_client() as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/private/page"))
    assert caught.value.kind == "permanent"
    assert "robots.txt" in str(caught.value)
    assert "/private/page" not in paths_requested(httpserver)


def test_robots_rules_for_our_agent_apply(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: brandmon-test\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    with fast_client() as client, pytest.raises(SourceError):
        client.get(httpserver.url_for("/anything"))


def robots_verdicts(httpserver, robots: str, paths: list[str], **options) -> dict[str, bool]:
    """Which of `paths` the client fetches (True) or refuses for robots.txt (False)."""
    httpserver.expect_request("/robots.txt").respond_with_data(robots)
    verdicts = {}
    with fast_client(**options) as client:
        for path in paths:
            httpserver.expect_request(path.split("?")[0]).respond_with_data("page")
            try:
                client.get(httpserver.url_for(path))
            except SourceError as error:
                assert error.kind == "permanent" and "robots.txt" in str(error)
                verdicts[path] = False
            else:
                verdicts[path] = True
    refused = {path for path, fetched in verdicts.items() if not fetched}
    assert not refused & {request.full_path.rstrip("?") for request, _ in httpserver.log}
    return verdicts


def test_robots_wildcards_and_end_anchors_like_jd_com(httpserver):
    """RFC 9309 §2.2.3: `*` matches any characters, `$` anchors the end of the path."""
    robots = "User-agent: *\nDisallow: /*?*\nDisallow: /*.php$\nDisallow: /pinpai/*.html\n"
    verdicts = robots_verdicts(httpserver, robots, [
        "/search?keyword=x", "/forum.php", "/forum.php/archive", "/list.html", "/pinpai/12.html", "/pinpai/"])
    assert verdicts == {"/search?keyword=x": False, "/forum.php": False, "/forum.php/archive": True,
                        "/list.html": True, "/pinpai/12.html": False, "/pinpai/": True}


def test_robots_longest_match_wins_and_allow_wins_a_tie(httpserver):
    """RFC 9309 §2.2.2: the most specific (longest) rule applies; on equal length, allow."""
    robots = ("User-agent: *\nDisallow: /shop/\nAllow: /shop/public/\nDisallow: /shop/public/secret\n"
              "Allow: /page\nDisallow: /page\n")
    verdicts = robots_verdicts(httpserver, robots, [
        "/shop/cart", "/shop/public/list", "/shop/public/secret/1", "/page"])
    assert verdicts == {"/shop/cart": False, "/shop/public/list": True, "/shop/public/secret/1": False,
                        "/page": True}


def test_robots_our_group_replaces_the_star_group(httpserver):
    """RFC 9309 §2.2.1: the group naming our product token applies instead of `*`, not on top of it;
    groups sharing a user-agent list and a name in any case match."""
    robots = ("User-agent: *\nDisallow: /\n\nUser-agent: otherbot\nUser-agent: BRANDMON-TEST\n"
              "Disallow: /private\n")
    verdicts = robots_verdicts(httpserver, robots, ["/public", "/private/1"])
    assert verdicts == {"/public": True, "/private/1": False}


def test_missing_robots_allows_and_is_fetched_once(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/a").respond_with_data("a")
    httpserver.expect_request("/b").respond_with_data("b")
    with fast_client() as client:
        assert client.get(httpserver.url_for("/a")).text == "a"
        assert client.get(httpserver.url_for("/b")).text == "b"
    assert paths_requested(httpserver).count("/robots.txt") == 1


def test_unreachable_robots_blocks_the_host_as_transient(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=500)
    httpserver.expect_request("/page").respond_with_data("page")
    with fast_client(max_retries=0) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/page"))
    assert caught.value.kind == "transient"
    assert "/page" not in paths_requested(httpserver)


def test_size_cap_by_content_length_is_permanent(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    with fast_client(max_bytes=1000) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/big"))
    assert caught.value.kind == "permanent"
    assert "larger than 1000 bytes" in str(caught.value)


def test_size_cap_on_a_stream_without_length(httpserver):
    allow_robots(httpserver)

    def endless(request: Request) -> Response:
        return Response((b"y" * 512 for _ in range(100)), direct_passthrough=True)

    httpserver.expect_request("/stream").respond_with_handler(endless)
    with fast_client(max_bytes=4096) as client, pytest.raises(SourceError) as caught:
        client.get(httpserver.url_for("/stream"))
    assert caught.value.kind == "permanent"


def test_gzip_body_is_decompressed_and_capped_after_decompression(httpserver):
    allow_robots(httpserver)
    packed = gzip.compress(b"z" * 20000)
    httpserver.expect_request("/gz").respond_with_data(packed, headers={"Content-Encoding": "gzip"})
    with fast_client(max_bytes=50000) as client:
        assert client.get(httpserver.url_for("/gz")).content == b"z" * 20000
    with fast_client(max_bytes=10000) as client, pytest.raises(SourceError):
        client.get(httpserver.url_for("/gz"))


def test_requests_to_one_host_are_spaced_by_min_interval(httpserver):
    allow_robots(httpserver)
    seen: list[float] = []

    def stamp(request: Request) -> Response:
        seen.append(time.monotonic())
        return Response("ok")

    httpserver.expect_request("/paced").respond_with_handler(stamp)
    with fast_client(min_interval=0.3) as client:
        client.get(httpserver.url_for("/paced"))
        client.get(httpserver.url_for("/paced"))
    assert seen[1] - seen[0] >= 0.29  # the slot is reserved before the request is sent


def test_client_for_uses_the_runs_user_agent():
    context = ExtractContext(fetched_at=datetime(2025, 11, 26, tzinfo=timezone.utc), user_agent=UA)
    with client_for(context, min_interval=0.0) as client:
        assert client.user_agent == UA
        assert client.min_interval == 0.0


def test_a_blank_user_agent_is_refused():
    with pytest.raises(ValueError):
        PoliteClient("  ")


# --- decode_body ---


def test_gbk_page_with_charset_header(httpserver):
    allow_robots(httpserver)
    httpserver.expect_request("/gbk").respond_with_data(
        f"<html><body>{GBK_TEXT}</body></html>".encode("gbk"), content_type="text/html; charset=GBK")
    with fast_client() as client:
        assert GBK_TEXT in decode_body(client.get(httpserver.url_for("/gbk"))).text


def test_gbk_page_with_only_a_meta_charset(httpserver):
    allow_robots(httpserver)
    page = f'<html><head><meta charset="gb2312"></head><body>{GBK_TEXT}</body></html>'.encode("gbk")
    httpserver.expect_request("/meta").respond_with_data(page, content_type="text/html")
    with fast_client() as client:
        assert GBK_TEXT in decode_body(client.get(httpserver.url_for("/meta"))).text


def test_gbk_page_with_no_charset_anywhere_is_detected():
    body = ("<html><body>" + "用户投诉：这家店的外卖送餐太慢了，客服态度也很差，要求退款。" * 3 + "</body></html>").encode("gbk")
    assert "客服态度也很差" in decode_body(body).text


def test_page_declared_utf8_but_gbk_inside_is_fixed():
    body = f'<meta charset="utf-8"><p>{GBK_TEXT}</p>'.encode("gb18030")
    assert GBK_TEXT in decode_body(body, declared="utf-8").text


def test_latin1_label_on_a_chinese_page_is_ignored():
    body = f"<p>{GBK_TEXT}</p>".encode()
    assert GBK_TEXT in decode_body(body, declared="ISO-8859-1").text


@pytest.mark.parametrize("label", ["gbk", "gb2312", "big5"])
def test_utf8_page_labelled_with_a_chinese_charset_is_read_as_utf8(label):
    body = f'<meta charset="{label}"><p>{GBK_TEXT}某米</p>'.encode()
    assert GBK_TEXT + "某米" in decode_body(body, declared=label).text


def test_gb18030_only_characters_survive_a_gbk_label():
    text = "𠀀 和 € 都不在 GBK 里"
    assert decode_body(text.encode("gb18030"), declared="gbk").text == text


def test_xml_encoding_declaration_is_used():
    body = f'<?xml version="1.0" encoding="GB2312"?><rss><title>{GBK_TEXT}</title></rss>'.encode("gbk")
    assert GBK_TEXT in decode_body(body).text


def test_byte_order_mark_wins():
    assert decode_body(b"\xef\xbb\xbf" + GBK_TEXT.encode("utf-8"), declared="gbk").text == GBK_TEXT
    assert decode_body(GBK_TEXT.encode("utf-16"), declared="gbk").text == GBK_TEXT


def cut_by_bytes(text: str, keep: int) -> bytes:
    """What a PHP site does to a summary: `keep` bytes of the UTF-8 text, wherever the cut falls."""
    return text.encode()[:keep]


SUMMARY = "电池续航太差，客服不处理，要求退款。"


def test_declared_utf8_page_with_a_cut_character_stays_utf8_and_counts_the_damage():
    cut = cut_by_bytes(SUMMARY, 11)  # three characters and two bytes of the fourth
    body = f'<meta charset="utf-8"><title>{GBK_TEXT}</title><p>'.encode() + cut + "…</p>".encode()
    decoded = decode_body(body, declared="utf-8")
    assert decoded.encoding == "utf-8" and decoded.replaced == 2
    assert f"<title>{GBK_TEXT}</title><p>电池续\ufffd…</p>" in decoded.text


def test_undeclared_utf8_page_with_a_stray_byte_stays_utf8():
    body = f"<p>{GBK_TEXT}</p>".encode() + b"\xff" + f"<p>{SUMMARY}</p>".encode()
    decoded = decode_body(body)
    assert decoded.text == f"<p>{GBK_TEXT}</p>\ufffd<p>{SUMMARY}</p>" and decoded.replaced == 1


def test_gbk_page_declaring_gbk_with_a_cut_character_stays_gbk():
    body = f'<meta charset="gbk"><p>{GBK_TEXT}</p><p>'.encode("gbk") + SUMMARY.encode("gbk")[:7] + b"</p>"
    decoded = decode_body(body)
    assert decoded.encoding == "gb18030" and decoded.replaced == 1
    assert decoded.text == f'<meta charset="gbk"><p>{GBK_TEXT}</p><p>电池续\ufffd</p>'


def test_a_clean_page_replaces_nothing():
    decoded = decode_body(f"<p>{GBK_TEXT}</p>".encode("gbk"), declared="gbk")
    assert decoded.replaced == 0 and decoded.text == f"<p>{GBK_TEXT}</p>"


# --- helpers ---


def test_retry_after_as_http_date():
    now = datetime(2025, 11, 26, 12, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(header, now=now) == pytest.approx(30.0)
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("120") == 120.0


@pytest.mark.parametrize(("url", "login"), [
    ("https://passport.weibo.com/visitor/visitor?a=incarnate", True),
    ("https://login.sina.com.cn/sso/login.php", True),
    ("https://bbs.example.com/member/login.php?ref=x", True),
    ("https://example.com/signin", True),
    ("https://bbs.example.com/member.php?mod=logging&action=login", True),
    ("https://s.weibo.com/weibo?q=login", False),
    ("https://example.com/blog/loginsight-review", False),
])
def test_login_urls(url, login):
    assert is_login_url(url) is login
