"""extractors.wechat.sogou: Sogou's result pages, link pages, verification page and time filter
(pure), on the hand-rebuilt pages in fixtures/wechat and small inline variants."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractors.base import Window
from extractors.wechat.sogou import is_wall, link_target, parse_result_page, search_params

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wechat"
FETCHED = datetime(2025, 12, 2, 4, 0, tzinfo=timezone.utc)
BASE = "https://weixin.sogou.com"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def page_with(meta: str, title: str = "<em><!--red_beg-->艾克米<!--red_end--></em>新闻") -> str:
    return (f'<ul class="news-list"><li><div class="txt-box"><h3><a href="/link?url=x&amp;type=2">{title}</a></h3>'
            f'<p class="txt-info">摘要</p>{meta}</div></li></ul>')


def test_a_result_page_is_read_with_its_highlights_removed():
    page = parse_result_page(fixture("search_page1.html"), base_url=BASE, fetched_at=FETCHED, location="p1")
    assert (page.kind, page.has_next, len(page.results), len(page.quarantined)) == ("results", True, 3, 1)
    first = page.results[0]
    assert (first.title, first.account, first.verified) == ("艾克米咖啡全线提价，门店客流下滑", "财经日报", None)
    assert first.summary == "记者走访发现，艾克米咖啡本周起多款饮品上调价格，部分门店午间客流明显减少…"
    assert first.link.startswith(BASE + "/link?url=dn9a_") and "&type=2&query=" in first.link
    assert first.published_at == datetime(2025, 12, 2, 1, 15, tzinfo=timezone.utc)
    assert page.quarantined[0].location == "p1#2"


def test_the_older_layout_gives_the_account_id_and_its_flag():
    page = parse_result_page(fixture("search_page2.html"), base_url=BASE, fetched_at=FETCHED)
    assert page.has_next is False
    assert [(r.account, r.account_id, r.verified) for r in page.results] == [
        ("艾克米咖啡", "oIWsFtACMEofficial0000000001", True), ("夜猫子日记", "oIWsFtNIGHTowl00000000000002", False)]
    assert page.results[0].link == "http://mp.weixin.qq.com/s?src=3&timestamp=1764648000&ver=1&signature=hb2old0"


@pytest.mark.parametrize("meta, expected", [
    ('<div class="s-p" t="1764638100"><span class="s2"><script>document.write(timeConvert(\'1764643200\'))</script>'
     '</span></div>', datetime(2025, 12, 2, 2, 40, tzinfo=timezone.utc)),  # the script wins over `t`
    ('<div class="s-p" t="1764638100"><span class="s2"></span></div>', datetime(2025, 12, 2, 1, 15, tzinfo=timezone.utc)),
    ('<div class="s-p"><span class="s2">3小时前</span></div>', datetime(2025, 12, 2, 1, 0, tzinfo=timezone.utc)),
    ('<div class="s-p"><span class="s2">2025-12-1</span></div>', datetime(2025, 11, 30, 16, 0, tzinfo=timezone.utc)),
])
def test_the_publish_time_comes_from_the_script_the_attribute_or_the_text(meta, expected):
    page = parse_result_page(page_with(meta), base_url=BASE, fetched_at=FETCHED)
    assert [r.published_at for r in page.results] == [expected]


def test_a_result_without_a_title_is_quarantined():
    page = parse_result_page(page_with('<div class="s-p" t="1764638100"></div>', title=""), base_url=BASE,
                             fetched_at=FETCHED, location="p")
    assert page.results == [] and "empty title" in page.quarantined[0].reason


@pytest.mark.parametrize("name, kind", [
    ("search_empty.html", "empty"), ("search_capped.html", "capped"), ("antispider.html", "wall"),
    ("layout_changed.html", "unrecognised"),
])
def test_pages_other_than_results(name, kind):
    assert parse_result_page(fixture(name), base_url=BASE, fetched_at=FETCHED).kind == kind


def test_the_wall_is_known_by_its_address_too():
    assert is_wall("<html></html>", "https://weixin.sogou.com/antispider/?from=%2Fweixin")
    assert not is_wall(fixture("search_page1.html"), "https://weixin.sogou.com/weixin?type=2")


def test_a_link_page_gives_the_article_address_from_its_pieces():
    assert link_target(fixture("link_article0.html")) == (
        "https://mp.weixin.qq.com/s?src=11&timestamp=1764648000&ver=6000&signature=art0sig")
    assert link_target("<script>window.location.replace('/')</script>") is None
    assert link_target("<script>var url = ''; url += 'javascript:'; url += 'void(0)';</script>") is None


@pytest.mark.parametrize("start, end, days", [
    ((2025, 12, 1, 16), (2025, 12, 2, 4), ("2025-12-02", "2025-12-02")),  # 00:00 to 12:00 in Shanghai
    ((2025, 12, 1, 15), (2025, 12, 1, 16), ("2025-12-01", "2025-12-01")),  # 23:00 to 24:00: the end is excluded
    ((2025, 12, 1, 15), (2025, 12, 2, 17), ("2025-12-01", "2025-12-03")),
])
def test_the_time_filter_covers_the_windows_days_in_shanghai(start, end, days):
    window = Window(datetime(*start, tzinfo=timezone.utc), datetime(*end, tzinfo=timezone.utc))
    params = search_params("艾克米", window, 3)
    assert (params["ft"], params["et"]) == days
    assert (params["type"], params["tsn"], params["query"], params["page"]) == ("2", "5", "艾克米", "3")
