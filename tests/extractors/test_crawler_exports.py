"""crawler_export: MediaCrawler and dataabc/weibo-crawler files (reconstructed fixtures) become posts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors import crawler_exports
from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.timeparse import SHANGHAI

FIXTURES = Path(__file__).parent / "fixtures" / "crawler_exports"
QUERY = BrandQuery("acme", ("某米",))
CONTEXT = ExtractContext(fetched_at=datetime(2026, 3, 1, tzinfo=timezone.utc))  # an import months later
WINDOW = Window(datetime(2025, 11, 20, tzinfo=timezone.utc), datetime(2025, 11, 30, tzinfo=timezone.utc))
CRAWLED = datetime(2025, 11, 26, 5, 13, 20, tzinfo=timezone.utc)  # last_modify_ts in the fixtures


def load(preset: str, path: str, window: Window = WINDOW, **options):
    settings = crawler_exports.Settings.parse({"path": path, "preset": preset, **options}, FIXTURES)
    return crawler_exports.extract(settings, QUERY, window, CONTEXT)


def by_id(result) -> dict:
    return {post.native_id: post for post in result.posts}


def test_mediacrawler_weibo_notes_and_comments():
    result = load("mediacrawler_weibo", "mediacrawler/weibo")
    posts = by_id(result)
    note = posts["5237412345678901"]
    assert (note.platform, note.source) == ("weibo", "crawler_export")
    assert note.published_at == datetime(2025, 11, 26, 9, 30, tzinfo=SHANGHAI)
    assert (note.reposts, note.comments, note.likes) == (88, 356, 1203)
    assert (note.author, note.author_id) == ("数码爱好者小王", "6012345678")
    assert note.url == "https://m.weibo.cn/detail/5237412345678901"
    assert posts["5237398765432109"].likes == 12000 and posts["5237398765432109"].reposts == 20000  # "1.2万", "2万+"
    comment = posts["5237413000000001"]  # a Weibo comment keeps its numeric mid
    assert comment.extra == {"kind": "comment", "parent_id": "5237412345678901", "ip_location": "来自浙江"}
    assert (comment.comments, comment.likes) == (3, 45)


def test_a_truncated_jsonl_line_is_quarantined_and_creator_files_skipped():
    result = load("mediacrawler_weibo", "mediacrawler/weibo")
    assert len(result.quarantined) == 1 and "broken JSON line" in result.quarantined[0].reason
    assert "断在半行" in result.quarantined[0].raw
    assert result.health.notes == ["skipped search_creators_2025-11-26.json: holds no posts"]
    assert result.health.status == "ok" and result.health.pages == 2


def test_mediacrawler_xhs_csv_and_json_comments():
    result = load("mediacrawler_xhs", "mediacrawler/xhs")
    note = by_id(result)["6745a1b2000000001d03c4e5"]
    assert note.title == "某米手机踩雷记录" and note.text.startswith("某米手机踩雷记录\n买了一周就黑屏")
    assert note.published_at == datetime(2025, 11, 26, 3, 0, tzinfo=timezone.utc)  # epoch milliseconds
    assert (note.reposts, note.comments, note.likes) == (10, 789, 12000)  # "10+", "789", "1.2万"
    assert note.url.startswith("https://www.xiaohongshu.com/explore/6745a1b2000000001d03c4e5")
    comment = by_id(result)["comment:6745b0c1000000001e00aa01"]
    assert comment.likes == 1000 and comment.url == "https://www.xiaohongshu.com/explore/6745a1b2000000001d03c4e5"
    assert [item.reason for item in result.quarantined] == ["row has no text"]


def test_mediacrawler_douyin_with_a_none_count():
    posts = by_id(load("mediacrawler_douyin", "mediacrawler/douyin"))
    aweme = posts["7441234567890123456"]
    assert aweme.reposts is None and aweme.comments == 3400 and aweme.likes == 25000  # share_count "None"
    assert aweme.url == "https://www.douyin.com/video/7441234567890123456"
    assert posts["comment:7441240000000000001"].extra["parent_id"] == "7441234567890123456"


def test_mediacrawler_bilibili_video_and_comment():
    posts = by_id(load("mediacrawler_bilibili", "mediacrawler/bilibili"))
    video = posts["113512345678901"]
    assert video.text == "某米扫地机器人半年使用报告\n优缺点都说清楚，不是广告"
    assert (video.reposts, video.comments, video.likes) == (456, 654, 8901)
    assert posts["comment:245678901234"].author_id == "87654321"


def test_mediacrawler_zhihu_answer_and_article_with_the_same_number_stay_apart():
    posts = by_id(load("mediacrawler_zhihu", "mediacrawler/zhihu"))
    assert {"answer:3201234567", "article:3201234567", "comment:10987654321"} == set(posts)
    assert posts["answer:3201234567"].likes == 321
    assert posts["comment:10987654321"].url == "https://www.zhihu.com/answer/3201234567"


def test_mediacrawler_tieba_relative_time_uses_the_crawl_time_not_the_import_time():
    posts = by_id(load("mediacrawler_tieba", "mediacrawler/tieba"))
    assert posts["9283746501"].published_at == datetime(2025, 11, 26, 8, 12, tzinfo=SHANGHAI)
    assert posts["9283746502"].published_at == CRAWLED - timedelta(hours=3)  # "3小时前"
    assert posts["9283746501"].comments == 57 and posts["comment:150123456789"].comments == 2


def test_comments_can_be_left_out():
    posts = by_id(load("mediacrawler_tieba", "mediacrawler/tieba", comments=False))
    assert set(posts) == {"9283746501", "9283746502"}


def test_weibo_crawler_csv_and_json():
    result = load("weibo_crawler", "weibo_crawler")
    posts = by_id(result)
    assert set(posts) == {"5237412345678901", "5237420000000002"}  # CSV and JSON hold the same posts
    first = posts["5237412345678901"]
    assert first.author_id == "6012345678"  # the CSV has no user column: the file is named by user id
    assert (first.reposts, first.comments, first.likes) == (88, 356, 1203)
    assert first.published_at == datetime(2025, 11, 26, 9, 30, tzinfo=SHANGHAI)
    assert posts["5237420000000002"].extra["retweet_id"] == "5237400000000003"
    assert len(result.quarantined) == 1 and "not numeric" in result.quarantined[0].reason


def test_weibo_crawler_json_alone_has_author_and_date_only_times():
    result = load("weibo_crawler", "weibo_crawler/weibo/*/*.json")
    post = by_id(result)["5237420000000002"]
    assert (post.author, post.author_id) == ("数码爱好者小王", "6012345678")
    assert post.published_at == datetime(2025, 11, 26, tzinfo=SHANGHAI)
    assert post.extra["retweet_text"].startswith("某米新品发布会定档12月")


def test_weibo_crawler_json_gives_every_post_its_files_account_reach():
    posts = load("weibo_crawler", "weibo_crawler/weibo/*/*.json").posts
    assert {(post.author_followers, post.author_verified) for post in posts} == {(3400, "none")}
    assert "user" not in posts[0].extra


def test_exports_without_reach_columns_leave_it_unknown():
    csv_posts = load("weibo_crawler", "weibo_crawler/weibo/*/*.csv").posts
    mediacrawler = load("mediacrawler_weibo", "mediacrawler/weibo").posts + load("mediacrawler_xhs", "mediacrawler/xhs").posts
    assert {(p.author_followers, p.author_verified) for p in csv_posts + mediacrawler} == {(None, None)}


def test_counts_are_dated_by_the_crawl_that_saw_them():
    posts = by_id(load("mediacrawler_zhihu", "mediacrawler/zhihu"))
    crawl = datetime.fromtimestamp(1764134000, tz=timezone.utc)  # the rows' last_modify_ts (ms)
    assert {p.counted_at for p in posts.values()} == {crawl}
    assert posts["answer:3201234567"].likes == 321


def test_the_same_weibo_from_two_crawlers_has_one_key():
    mediacrawler = by_id(load("mediacrawler_weibo", "mediacrawler/weibo"))["5237412345678901"]
    weibo_crawler = by_id(load("weibo_crawler", "weibo_crawler"))["5237412345678901"]
    assert mediacrawler.key == weibo_crawler.key == ("weibo", "5237412345678901")


def test_only_the_window_is_returned():
    narrow = Window(datetime(2025, 11, 26, 9, 0, tzinfo=SHANGHAI), datetime(2025, 11, 26, 10, 0, tzinfo=SHANGHAI))
    result = load("mediacrawler_weibo", "mediacrawler/weibo", window=narrow)
    assert sorted(by_id(result)) == ["5237412345678901", "5237413000000001"]


def test_a_missing_path_is_a_permanent_health_error():
    result = load("mediacrawler_xhs", "nowhere/*.json")
    assert result.health.error_kind == "permanent"


@pytest.mark.parametrize(("options", "key"), [
    ({"preset": "mediacrawler_xhs"}, "path"), ({"path": "x"}, "preset"), ({"path": "x", "preset": "kuaishou"}, "preset"),
    ({"path": "x", "preset": "weibo_crawler", "comments": "no"}, "comments"),
    ({"path": "x", "preset": "weibo_crawler", "format": "xlsx"}, "format"),
    ({"path": "x", "preset": "weibo_crawler", "fields": {}}, "fields"),
])
def test_bad_settings_name_the_key(options, key):
    with pytest.raises(SettingsError) as caught:
        crawler_exports.Settings.parse(options, FIXTURES)
    assert caught.value.key == key


KNOWN_FIELDS = sorted({"note_id", "comment_id", "content", "create_time", "create_date_time", "liked_count", "desc",
                       "title", "time", "aweme_id", "video_id", "content_id", "content_type", "created_time", "publish_time",
                       "id", "text", "正文", "日期", "点赞数", "user_id", "share_count", "last_modify_ts"})
ROW_VALUES = st.one_of(st.none(), st.integers(min_value=-10, max_value=2 * 10**12), st.text(max_size=15),
                       st.sampled_from(["1.2万", "None", "3小时前", "2025-11-26 10:00", "5237412345678901"]))


@pytest.mark.parametrize("preset", sorted(crawler_exports.PRESETS))
@given(row=st.dictionaries(st.sampled_from(KNOWN_FIELDS), ROW_VALUES, max_size=10))
def test_row_mapping_gives_a_post_or_a_value_error(preset, row):
    context = crawler_exports.RowContext(SHANGHAI, CRAWLED, "6012345678")
    try:
        post = crawler_exports.PRESETS[preset].map_row(row, context)
    except ValueError:
        return
    assert post.text and post.native_id and post.published_at.tzinfo == timezone.utc
