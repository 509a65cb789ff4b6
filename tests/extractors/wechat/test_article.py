"""extractors.wechat.article: an mp.weixin.qq.com article page and the pages shown instead (pure),
on the hand-rebuilt pages in fixtures/wechat."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractors.wechat.article import parse_article_page, permanent_link

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechat"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_an_article_page_gives_title_account_body_time_and_permanent_link():
    page = parse_article_page(fixture("article0.html"), "https://mp.weixin.qq.com/s?src=11")
    assert page.problem is None
    assert (page.title, page.account) == ("艾克米咖啡全线提价，门店客流下滑", "财经日报")
    assert page.body.splitlines()[0] == "记者走访发现，艾克米咖啡本周起多款饮品上调价格，大杯拿铁由28元涨至32元。"
    assert page.body.splitlines()[-1] == "艾克米方面尚未就提价原因作出正式说明。"
    assert page.published_at == datetime(2025, 12, 2, 1, 15, tzinfo=timezone.utc)
    assert page.permanent_url == "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMQ==&mid=2650000001&idx=1&sn=0a0b0c0d0e0f"


def test_the_title_falls_back_to_og_title_and_a_template_link_is_not_used():
    page = parse_article_page(fixture("article_old0.html"))
    assert (page.title, page.account, page.permanent_url) == ("艾克米官方：冬季新品今日上市", "艾克米咖啡", None)


@pytest.mark.parametrize("name, problem, notice", [
    ("article_deleted.html", "deleted", "该内容已被发布者删除"),
    ("article_expired.html", "expired", "链接已过期"),
    ("article_verification.html", "verification", "环境异常"),
    ("layout_changed.html", "unrecognised", "搜狗微信搜索"),
])
def test_pages_shown_instead_of_an_article(name, problem, notice):
    page = parse_article_page(fixture(name))
    assert (page.problem, page.notice, page.body) == (problem, notice, "")


def test_a_verification_address_is_known_without_reading_the_page():
    page = parse_article_page("<html></html>", "https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x")
    assert page.problem == "verification"


def test_a_permanent_link_needs_the_accounts_biz():
    assert permanent_link('var msg_link = "http://mp.weixin.qq.com/s?src=11&amp;timestamp=1#rd";') is None
    assert permanent_link("var msg_link = 'https://mp.weixin.qq.com/s?__biz=QQ==&amp;mid=1&amp;idx=2#rd';") == (
        "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=2")
