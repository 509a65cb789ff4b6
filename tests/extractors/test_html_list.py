"""html_list: forum/complaint/news list pages read with configured CSS selectors, fetched politely."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from extractors import html_list
from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.timeparse import SHANGHAI

FIXTURES = Path(__file__).parent / "fixtures" / "html_list"
DISCUZ = (FIXTURES / "discuz_forumdisplay.html").read_text(encoding="utf-8")
FETCHED = datetime(2025, 11, 27, 12, 0, tzinfo=SHANGHAI)
UA = "brandmon-test/1.0 (+https://example.invalid/brandmon)"
WINDOW = Window(datetime(2025, 11, 25, 0, 0, tzinfo=SHANGHAI), datetime(2025, 11, 28, 0, 0, tzinfo=SHANGHAI))
QUERY = BrandQuery("acme", ("某米",))
DISCUZ_OPTIONS = {
    "item": "tbody[id^=normalthread_]", "text": "a.xst", "link": "a.xst", "author": "td.by cite a",
    "time": "td.by em span", "next": "div.pg a.nxt", "platform": "forum",
}


def settings_for(url: str, **options) -> html_list.Settings:
    return html_list.Settings.parse({"url": url, **DISCUZ_OPTIONS, "min_interval": 0, "backoff": 0.01, **options}, Path("."))


def parse(html: str, **options) -> html_list.Page:
    settings = settings_for("https://bbs.example.com/forum.php?mod=forumdisplay&fid=2", **options)
    return html_list.parse_page(html, settings.url, settings, FETCHED)


def context(**secrets) -> ExtractContext:
    return ExtractContext(fetched_at=FETCHED, secrets=secrets, user_agent=UA)


# --- parsing ------------------------------------------------------------------------------------


def test_discuz_thread_list_items_become_posts():
    page = parse(DISCUZ)
    assert page.items == 4
    first = page.posts[0]
    assert first.text == "某米手机充电发烫，售后说正常，大家遇到过吗？"
    assert first.author == "数码小白"
    assert first.url == "https://bbs.example.com/forum.php?mod=viewthread&tid=880123&extra=page%3D1"
    assert first.native_id == first.url and first.platform == "forum" and first.source == "html_list"
    assert first.published_at == datetime(2025, 11, 26, 21, 47, tzinfo=SHANGHAI)  # "昨天 21:47"
    assert page.posts[1].published_at == datetime(2025, 11, 27, 9, 15, tzinfo=SHANGHAI)


def test_items_without_text_are_quarantined_with_their_html():
    page = parse(DISCUZ)
    assert len(page.posts) == 3 and len(page.quarantined) == 1
    bad = page.quarantined[0]
    assert "no text" in bad.reason and "normalthread_880099" in bad.raw and bad.location.endswith("#item3")


def test_items_without_a_readable_time_are_quarantined():
    html = '<ul><li class="x"><p>有内容</p><span class="t">很久以前</span></li><li class="x"><p>也有内容</p></li></ul>'
    page = parse(html, item="li.x", text="p", time="span.t", link=None, author=None, next=None)
    assert page.posts == []
    assert ["unreadable time" in q.reason or "no time" in q.reason for q in page.quarantined] == [True, True]


def test_next_link_is_absolute():
    assert parse(DISCUZ).next_url == "https://bbs.example.com/forum.php?mod=forumdisplay&fid=2&page=2"


def test_attribute_selectors_and_time_format():
    html = ('<div class="row" data-id="c-77"><a class="t" href="/c/77" title="标题：屏幕碎了">…</a>'
            '<div class="body">刚买就碎屏</div><i class="d" data-ts="2025/11/26 08:05">x</i></div>')
    page = parse(html, item="div.row", text="div.body", title="a.t@title", link="a.t", time="i.d@data-ts",
                 id="a.t@href", author=None, next=None, time_format="%Y/%m/%d %H:%M")
    post = page.posts[0]
    assert post.native_id == "/c/77" and post.url == "https://bbs.example.com/c/77"
    assert post.title == "标题：屏幕碎了" and post.text == "标题：屏幕碎了\n刚买就碎屏"
    assert post.published_at == datetime(2025, 11, 26, 8, 5, tzinfo=SHANGHAI)


def test_html_time_element_datetime_attribute_wins():
    html = '<article><h2>新闻</h2><time datetime="2025-11-26T10:00:00+08:00">3 days ago</time></article>'
    page = parse(html, item="article", text="h2", time="time", link=None, author=None, next=None)
    assert page.posts[0].published_at == datetime(2025, 11, 26, 2, 0, tzinfo=timezone.utc)


def test_time_inside_a_longer_text_is_found():
    html = '<li><p>差评</p><span>发表于 3小时前 · 来自 Android</span></li>'
    page = parse(html, item="li", text="p", time="span", link=None, author=None, next=None)
    assert page.posts[0].published_at == datetime(2025, 11, 27, 9, 0, tzinfo=SHANGHAI)


def test_login_selector_marks_a_login_wall():
    html = '<html><body><form id="loginform"><input name="username"></form></body></html>'
    assert parse(html, login_selector="form#loginform").login_wall


@hypothesis_settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes_the_page_parser(html):
    page = parse(html)
    assert page.items >= len(page.posts)


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=len(DISCUZ)), st.text(alphabet="<>/\"'= abc&;", max_size=30))
def test_truncated_or_corrupted_pages_never_crash(cut, junk):
    page = parse(DISCUZ[:cut] + junk)
    assert all(post.text for post in page.posts)


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "key"), [
    ({"item": None}, "item"), ({"text": None}, "text"), ({"time": None}, "time"),
    ({"item": "div[["}, "item"), ({"timezone": "Mars/Base"}, "timezone"), ({"encoding": "klingon"}, "encoding"),
    ({"max_pages": 0}, "max_pages"), ({"url": "bbs.example.com"}, "url"), ({"stop_when_older": "yes"}, "stop_when_older"),
    ({"items": "li"}, "items"),
])
def test_bad_settings_name_the_key(change, key):
    options = {"url": "https://bbs.example.com/list", **DISCUZ_OPTIONS, **change}
    options = {k: v for k, v in options.items() if v is not None}
    with pytest.raises(SettingsError) as caught:
        html_list.Settings.parse(options, Path("."))
    assert caught.value.key == key


def test_query_and_page_templates():
    settings = settings_for("https://ts.example.com/search?kw={query}&p={page}", terms="all")
    assert html_list.start_urls(settings, BrandQuery("acme", ("某米", "MI"))) == [
        "https://ts.example.com/search?kw=%E6%9F%90%E7%B1%B3&p={page}", "https://ts.example.com/search?kw=MI&p={page}"]


# --- fetching -----------------------------------------------------------------------------------


def serve_robots(httpserver) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /admin\n")


def gbk(html: str) -> bytes:
    return html.encode("gbk")


@pytest.mark.parametrize("content_type", ["text/html; charset=gbk", "text/html", "text/html; charset=utf-8"])
def test_gbk_forum_page_with_and_without_a_charset_header(httpserver, content_type):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(gbk(DISCUZ), content_type=content_type)
    settings = settings_for(httpserver.url_for("/forum.php"), next=None)
    result = html_list.extract(settings, QUERY, WINDOW, context())
    assert [post.author for post in result.posts] == ["数码小白", "阿布", "夜猫子"]
    assert len(result.quarantined) == 1 and result.health.status == "ok"


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_a_stray_byte_damages_one_title_not_the_page(httpserver, charset):
    """A byte that fits no character: one title shows U+FFFD, the rest of the page reads right."""
    serve_robots(httpserver)
    page = DISCUZ.replace("charset=gbk", f"charset={charset}").encode(charset)
    damaged = page.replace("大家遇到过吗".encode(charset), "大家遇到过".encode(charset) + b"\xff")
    httpserver.expect_request("/forum.php").respond_with_data(damaged, content_type=f"text/html; charset={charset}")
    result = html_list.extract(settings_for(httpserver.url_for("/forum.php"), next=None), QUERY, WINDOW, context())
    assert [post.author for post in result.posts] == ["数码小白", "阿布", "夜猫子"]
    assert result.posts[0].text == "某米手机充电发烫，售后说正常，大家遇到过\ufffd？"
    assert result.health.notes == [f"{httpserver.url_for('/forum.php')}: 1 invalid byte replaced "
                                   f"(decoded as {'gb18030' if charset == 'gbk' else 'utf-8'})"]


def test_encoding_override_for_a_mislabelled_page(httpserver):
    serve_robots(httpserver)
    page = DISCUZ.replace("charset=gbk", "charset=big5")
    httpserver.expect_request("/forum.php").respond_with_data(gbk(page), content_type="text/html; charset=big5")
    settings = settings_for(httpserver.url_for("/forum.php"), next=None, encoding="gbk")
    result = html_list.extract(settings, QUERY, WINDOW, context())
    assert result.posts[0].author == "数码小白"


def test_next_links_are_followed_and_duplicates_across_pages_dropped(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(gbk(DISCUZ), content_type="text/html; charset=gbk")
    settings = settings_for(httpserver.url_for("/forum.php"), max_pages=5)
    result = html_list.extract(settings, QUERY, WINDOW, context())
    # page 2 repeats page 1 and links to itself as "next": the walk ends there, without a cap hit
    assert result.health.pages == 2 and result.health.page_cap_hits == 0
    assert len(result.posts) == 3


def test_hitting_the_page_cap_is_recorded(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(gbk(DISCUZ), content_type="text/html; charset=gbk")
    result = html_list.extract(settings_for(httpserver.url_for("/forum.php"), max_pages=1), QUERY, WINDOW, context())
    assert result.health.pages == 1
    assert result.health.page_cap_hits == 1 and "page cap of 1 pages" in result.health.notes[0]


def test_page_template_stops_when_a_page_is_older_than_the_window(httpserver):
    serve_robots(httpserver)
    old = DISCUZ.replace("昨天&nbsp;21:47", "2025-10-01 10:00").replace("2025-11-27 09:15", "2025-10-01 09:00").replace(
        "2025-11-25 23:02", "2025-10-01 08:00").replace("2025-11-25 20:00", "2025-10-01 07:00")
    httpserver.expect_request("/list", query_string="page=1").respond_with_data(gbk(DISCUZ), content_type="text/html")
    httpserver.expect_request("/list", query_string="page=2").respond_with_data(gbk(old), content_type="text/html")
    httpserver.expect_request("/list", query_string="page=3").respond_with_data(gbk(DISCUZ), content_type="text/html")
    settings = settings_for(httpserver.url_for("/list") + "?page={page}", next=None, max_pages=5)
    result = html_list.extract(settings, QUERY, WINDOW, context())
    assert result.health.pages == 2 and result.health.page_cap_hits == 0
    assert "page=3" not in [request.query_string.decode() for request, _ in httpserver.log]


def test_window_filter_drops_posts_outside(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(gbk(DISCUZ), content_type="text/html")
    narrow = Window(datetime(2025, 11, 27, 0, 0, tzinfo=SHANGHAI), datetime(2025, 11, 28, 0, 0, tzinfo=SHANGHAI))
    result = html_list.extract(settings_for(httpserver.url_for("/forum.php"), next=None), QUERY, narrow, context())
    assert [post.author for post in result.posts] == ["阿布"]


def test_login_page_served_with_200_is_an_auth_error(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(
        gbk('<form id="loginform" action="member.php?mod=logging">请先登录</form>'), content_type="text/html")
    settings = settings_for(httpserver.url_for("/forum.php"), login_selector="form#loginform", connection="bbs_example")
    result = html_list.extract(settings, QUERY, WINDOW, context(cookie="auth=1"))
    assert result.health.error_kind == "auth" and "bbs_example" in result.health.message


ERROR_PAGE = "<html><head><title>系统繁忙</title></head><body><p>系统繁忙，请稍后再试</p></body></html>"
LOGIN_PAGE = ('<html><head><title>登录 - 示例社区</title></head><body><form action="member.php?mod=logging">'
              '<input name="username"><input type="password" name="password"><button>登录</button></form></body></html>')
LOGIN_BOX = ('<div id="um"><form id="lsform" action="member.php?mod=logging&action=login&loginsubmit=yes">'
             '<input name="username"><input type="password" name="password"><button>登录</button></form></div>')
EMPTY_BOARD = ('<html><body><div id="threadlist"><table><tbody id="separatorline"><tr><th>版块主题</th></tr></tbody>'
               "</table></div></body></html>")


def extract_page(httpserver, html: str, **options):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php").respond_with_data(gbk(html), content_type="text/html; charset=gbk")
    settings = settings_for(httpserver.url_for("/forum.php"), next=None, **options)
    return html_list.extract(settings, QUERY, WINDOW, context())


def test_an_error_page_answered_with_200_is_a_permanent_error_naming_the_url(httpserver):
    result = extract_page(httpserver, ERROR_PAGE)
    assert result.health.status == "error" and result.health.error_kind == "permanent"
    message = result.health.message
    assert httpserver.url_for("/forum.php") in message and "tbody[id^=normalthread_]" in message and "系统繁忙" in message


def test_a_login_page_without_login_selector_is_an_auth_error(httpserver):
    result = extract_page(httpserver, LOGIN_PAGE, connection="bbs_example")
    assert result.health.error_kind == "auth" and "bbs_example" in result.health.message
    assert httpserver.url_for("/forum.php") in result.health.message


def test_a_login_box_beside_the_list_is_no_login_wall(httpserver):
    result = extract_page(httpserver, DISCUZ.replace('<body id="nv_forum" class="pg_forumdisplay">',
                                                     f'<body id="nv_forum">{LOGIN_BOX}'))
    assert result.health.status == "ok" and len(result.posts) == 3


def test_an_empty_list_is_ok_when_its_container_is_there(httpserver):
    result = extract_page(httpserver, EMPTY_BOARD, container="#threadlist")
    assert result.health.status == "ok" and result.posts == [] and result.health.pages == 1


def test_a_page_without_the_list_container_is_a_permanent_error(httpserver):
    result = extract_page(httpserver, ERROR_PAGE, container="#threadlist")
    assert result.health.error_kind == "permanent"
    assert "#threadlist" in result.health.message and httpserver.url_for("/forum.php") in result.health.message


def test_an_empty_list_without_a_container_option_is_an_error_that_says_what_to_set(httpserver):
    result = extract_page(httpserver, EMPTY_BOARD)
    assert result.health.error_kind == "permanent" and "container:" in result.health.message


def test_login_redirect_is_an_auth_error_and_the_cookie_is_sent(httpserver):
    serve_robots(httpserver)
    httpserver.expect_request("/forum.php", headers={"Cookie": "auth=1"}).respond_with_data(
        "", status=302, headers={"Location": "/member.php?mod=logging&action=login"})
    settings = settings_for(httpserver.url_for("/forum.php"), connection="bbs_example")
    result = html_list.extract(settings, QUERY, WINDOW, context(cookie="auth=1"))
    assert result.health.error_kind == "auth"


def test_robots_disallowed_list_is_never_fetched(httpserver):
    serve_robots(httpserver)
    result = html_list.extract(settings_for(httpserver.url_for("/admin/list")), QUERY, WINDOW, context())
    assert result.health.error_kind == "permanent" and result.posts == []
    assert "/admin/list" not in [request.path for request, _ in httpserver.log]


def test_a_dead_host_is_a_transient_health_record_not_an_exception():
    settings = settings_for("http://127.0.0.1:9/list", max_retries=0)
    result = html_list.extract(settings, QUERY, WINDOW, context())
    assert result.health.status == "error" and result.health.error_kind == "transient"
