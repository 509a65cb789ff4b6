"""Post selections on a real warehouse: by metric or by key, the rows read and the query shown agree."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warehouse.posts import (
    PostSelection,
    ReasonLabel,
    complaint_labels,
    listing_query,
    post_count,
    post_facts,
    top_posts,
    topic_docs,
)

from .conftest import COMPENSATION, FOOD_SAFETY, RUDE, T0, load_posts, post

HOUR = timedelta(hours=1)


@pytest.fixture
def hour_of_posts(warehouse, tmp_path):
    rows = [post("p1", T0 + timedelta(minutes=1), "艾克米 拉肚子 要求赔偿", "neg", True, keywords=("退款", "拉肚子"),
                 likes=50, terms=("拉肚子", "退款"), details=(COMPENSATION,), severe=(FOOD_SAFETY,), followers=25_000,
                 verified="personal"),
            post("p2", T0 + timedelta(minutes=2), "艾克米 太难喝", "neg", keywords=("难喝",), likes=80, terms=None),
            post("p3", T0 + timedelta(minutes=3), "艾克米 不错", "pos", keywords=("不错",), likes=80,
                 platform="news", terms=("不错",)),
            post("p4", T0 + timedelta(minutes=4), "艾克米 排队太久 投诉", "neu", True, keywords=("排队",), likes=5,
                 details=(RUDE,)),
            post("old", T0 - timedelta(days=1), "艾克米 昨天", keywords=("昨天",)),
            post("later", T0 + HOUR, "艾克米 下一小时", likes=999)]
    load_posts(warehouse, tmp_path, rows)
    load_posts(warehouse, tmp_path / "rival", [post("r1", T0 + timedelta(minutes=5), "对手", likes=1000)], "rival")
    return warehouse


def ids(conn, selection):
    sql = listing_query(selection).replace("SELECT published_local,", "SELECT native_id, published_local,")
    return sorted(row[0] for row in conn.execute(sql).fetchall())


@pytest.mark.parametrize(("metric", "expected"), [("mentions", ["p1", "p2", "p3", "p4"]), ("neg", ["p1", "p2"]),
                                                  ("complaints", ["p1", "p4"])])
def test_a_metric_selects_the_posts_its_bucket_count_counts(hour_of_posts, metric, expected):
    selection = PostSelection("acme", T0, T0 + HOUR, metric=metric)
    assert sorted(f.platform for f in post_facts(hour_of_posts, selection)) == sorted(
        "news" if i == "p3" else "weibo" for i in expected)
    assert post_count(hour_of_posts, selection) == len(expected)
    assert ids(hour_of_posts, selection) == expected  # the query users paste lists the same posts


def test_listed_posts_are_selected_by_key_and_the_query_names_them_quoted(hour_of_posts):
    selection = PostSelection("acme", T0, T0 + HOUR, post_keys=("weibo:p1", "news:p3", "weibo:it's"))
    assert [f.label for f in post_facts(hour_of_posts, selection)] == ["neg", "pos"]
    assert "platform || ':' || native_id IN ('weibo:p1', 'news:p3', 'weibo:it''s')" in listing_query(selection)
    assert ids(hour_of_posts, selection) == ["p1", "p3"]
    assert post_facts(hour_of_posts, PostSelection("acme", T0, T0 + HOUR, post_keys=())) == []


def test_the_listing_query_lists_the_riskiest_first():
    selection = PostSelection("acme", T0, T0 + HOUR, metric="neg")
    assert listing_query(selection) == (
        "SELECT published_local, platform, label, complaint, risk, engagement, url, text FROM v_mentions "
        "WHERE brand = 'acme' AND published_at >= TIMESTAMPTZ '2026-11-26T06:00:00+00:00' "
        "AND published_at < TIMESTAMPTZ '2026-11-26T07:00:00+00:00' AND label = 'neg' "
        "ORDER BY risk DESC NULLS LAST, engagement DESC")


def test_facts_come_in_publication_order_with_their_reasons_and_keywords(hour_of_posts):
    facts = post_facts(hour_of_posts, PostSelection("acme", T0, T0 + HOUR, metric="complaints"))
    assert [(f.published_at, f.complaint, f.reasons, f.categories, f.keywords) for f in facts] == [
        (T0 + timedelta(minutes=1), True, (ReasonLabel(*COMPENSATION.as_json().values()),), ("refund_after_sales",),
         ["退款", "拉肚子"]),
        (T0 + timedelta(minutes=4), True, (ReasonLabel(*RUDE.as_json().values()),), ("service_attitude",), ["排队"])]
    assert facts[0].reasons[0].zh == "要求赔偿" and facts[0].reasons[0].en == "compensation demanded"


def test_category_and_severity_names_are_read_by_code(warehouse):
    names = complaint_labels(warehouse)
    assert names["quality_safety"] == ("质量安全", "Quality and safety")
    assert names["food_safety"] == ("食品安全", "Food safety")


def test_posts_stored_before_risk_was_kept_come_most_engaged_first_and_ties_go_to_the_earlier(hour_of_posts):
    engaged = top_posts(hour_of_posts, PostSelection("acme", T0, T0 + HOUR), 3)
    assert [(p.text, p.engagement) for p in engaged] == [("艾克米 太难喝", 80), ("艾克米 不错", 80),
                                                        ("艾克米 拉肚子 要求赔偿", 50)]
    assert (engaged[2].author_followers, engaged[2].author_verified, engaged[2].severity) == (25_000, "personal", "severe")
    assert (engaged[0].author_followers, engaged[0].severity) == (None, "none")
    assert engaged[0].published_local == "2026-11-26 14:02"  # Shanghai time
    assert (engaged[0].url, engaged[0].author, engaged[0].label) == ("https://weibo.com/1/p2", "网友", "neg")


def test_topic_docs_are_the_posts_with_terms_in_order(hour_of_posts):
    assert topic_docs(hour_of_posts, "acme", T0, T0 + HOUR) == [
        ("weibo:p1", ["拉肚子", "退款"]), ("news:p3", ["不错"]), ("weibo:p4", [])]
    assert topic_docs(hour_of_posts, "rival", T0, T0 + HOUR) == [("weibo:r1", [])]


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown metric 'likes'"):
        PostSelection("acme", T0, T0 + HOUR, metric="likes")


def at_risk(row: dict, risk: float, followers: int | None = None) -> dict:
    """A staged row with the risk the transform would have stored."""
    return {**row, "risk": risk, "author_followers": followers}


COMPLAINT = "喝了艾克米的生椰拿铁之后拉肚子，已经投诉了，要求退款！"


@pytest.fixture
def burst(warehouse, tmp_path):
    """Six copies of one complaint (one by a big account), a severe complaint, a loud neutral post,
    and a post stored before risk was kept."""
    copies = [at_risk(post(f"c{i}", T0 + timedelta(minutes=i), text, "neg", True, likes=i, author=f"网友{i}"), 2.0 + i / 10)
              for i, text in enumerate([COMPLAINT, COMPLAINT + "[怒][怒]", "转发微博 //@网友0: " + COMPLAINT,
                                        "@艾克米官方 " + COMPLAINT, COMPLAINT.replace("，", " "), COMPLAINT + "！！"])]
    copies[3] = at_risk(copies[3], 6.5, followers=5_200_000)
    rows = copies + [
        at_risk(post("s1", T0 + timedelta(minutes=10), "艾克米门店用过期牛奶，已向市场监管部门举报", "neg", True, likes=3),
                6.9),
        at_risk(post("n1", T0 + timedelta(minutes=11), "艾克米新店开业了", "neu", likes=5000), 0.4),
        post("old", T0 + timedelta(minutes=12), "艾克米 以前的帖子", "neg", likes=9000)]
    load_posts(warehouse, tmp_path, rows)
    return warehouse


def test_copies_are_one_story_quoted_by_the_copy_that_reaches_furthest_with_the_earliest(burst):
    top = top_posts(burst, PostSelection("acme", T0, T0 + HOUR), 3)
    story = top[0]  # 6.5 + 0.6 × log10(6) = 6.97 beats the single severe complaint's 6.9
    assert (story.author, story.author_followers, story.copies, story.risk) == ("网友3", 5_200_000, 6, 6.5)
    assert (story.earliest_author, story.earliest_local, story.earliest_url) == (
        "网友0", "2026-11-26 14:00", "https://weibo.com/1/c0")
    assert [p.author for p in top[1:]] == ["网友", "网友"] and [p.risk for p in top[1:]] == [6.9, 0.4]
    assert [p.copies for p in top[1:]] == [1, 1]
    assert top_posts(burst, PostSelection("acme", T0, T0 + HOUR), 5)[-1].risk is None  # unknown risk ranks last


def test_a_story_quoted_by_its_earliest_copy_names_no_other(warehouse, tmp_path):
    rows = [at_risk(post("a", T0, COMPLAINT, "neg", True), 5.0), at_risk(post("b", T0 + HOUR / 4, COMPLAINT, "neg", True), 1.0)]
    load_posts(warehouse, tmp_path, rows)
    (story,) = top_posts(warehouse, PostSelection("acme", T0, T0 + HOUR), 3)
    assert (story.url, story.copies, story.earliest_local) == ("https://weibo.com/1/a", 2, None)
