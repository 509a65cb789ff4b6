"""How a post spreads, in an alert's words (zh / en): the top amplifiers and the acceleration verdict,
the value an incident rule escalates on, and alert details that keep the spread through JSON."""

from __future__ import annotations

from dataclasses import replace

import pytest

from alerts.compose import compose
from alerts.formats import to_html, to_text
from alerts.i18n import SPREAD_WORDS
from alerts.model import Alert
from alerts.spread_text import spread_item
from transforms.spread import Amplifier
from warehouse.spread import PostSpread

from .alert_fixtures import spike_alert

NEWS = Amplifier("1234567108", "本地新闻速递", 1_500_000, "media", 1, 4, 7_500_000.0)
REPORTER = Amplifier("1234567102", "美食记者老李", 250_000, "personal", 1, 2, 750_000.0)
BLOGGER = Amplifier("1234567104", "消费维权观察", 86_000, "personal", 1, 3, 344_000.0)
SHOP = Amplifier("1234567114", "楼下便利店老板", 5_000, None, 1, 0, 5_000.0)
ACCELERATING = PostSpread(
    post_key="weibo:5105000000000001", author="吃货小王", url="https://weibo.com/1234567001/P0demo001",
    as_of_local="2026-11-26 14:00", reposts_total=15, reposts_seen=14, depth=5, large_reach_share=3 / 14,
    early_per_hour=3.0, recent_minutes=30, recent_per_hour=20.0, before_per_hour=10 / 3, rate_ratio=6.0,
    p_value=0.000795, verdict="accelerating", amplifiers=(NEWS, REPORTER, BLOGGER, SHOP))


def with_spread(*spreads: PostSpread) -> Alert:
    alert = spike_alert()
    return replace(alert, details=replace(alert.details, spread=list(spreads)))


def test_an_accelerating_spread_names_its_amplifiers_and_its_numbers():
    line, url, meta = spread_item("zh", ACCELERATING)
    assert line == ("吃货小王的帖子：转发 15（已抓取 14），最深 5 层，大号转发占 21%；正在加速：最近 30 分钟 20.0 次/小时，"
                    "此前 3.3 次/小时（×6.0，p=0.0008），首小时 3.0 次/小时")
    assert url == ACCELERATING.url
    assert meta == ("主要扩散者：本地新闻速递（粉丝 150万，带来转发 4） · 美食记者老李（粉丝 25万，带来转发 2） · "
                    "消费维权观察（粉丝 8.6万，带来转发 3） · 截至 2026-11-26 14:00")  # three named, not the shop
    line, _, meta = spread_item("en", ACCELERATING)
    assert line == ("吃货小王's post: 15 reposts (14 read), depth 5, 21% by large accounts; accelerating: 20.0/h "
                    "in the last 30 min against 3.3/h before (×6.0, p=0.0008), 3.0/h in the first hour")
    assert meta.startswith("top amplifiers: 本地新闻速递 (1.5M followers, drew 4 reposts) · 美食记者老李 (250k")


@pytest.mark.parametrize(("changes", "zh", "en"), [
    ({"verdict": "steady", "recent_per_hour": 4.0, "rate_ratio": 1.2, "p_value": 0.31},
     "未见加速：最近 30 分钟 4.0 次/小时，此前 3.3 次/小时（×1.2，p=0.31）", "not accelerating: 4.0/h in the last 30 min"),
    ({"verdict": "too_few", "recent_per_hour": 6.0, "p_value": None},
     "近期转发太少，无法判断是否加速：最近 30 分钟 6.0 次/小时，此前 3.3 次/小时，首小时",
     "too few recent reposts to tell whether it accelerates: 6.0/h in the last 30 min against 3.3/h before, 3.0/h"),
    ({"verdict": "too_young", "before_per_hour": None, "rate_ratio": None, "p_value": None, "early_per_hour": None},
     "发布不久，尚无法判断是否加速：最近 30 分钟 20.0 次/小时", "too new to tell whether it accelerates: 20.0/h in the last 30 min"),
    ({"rate_ratio": float("inf"), "before_per_hour": 0.0}, "此前 0.0 次/小时（×∞，p=0.0008）", "against 0.0/h before (×∞, p=0.0008)"),
])
def test_every_verdict_reads_as_words_with_its_rates(changes, zh, en):
    spread = replace(ACCELERATING, **changes)
    assert zh in spread_item("zh", spread)[0] and en in spread_item("en", spread)[0]


def test_a_spread_read_whole_without_amplifiers_of_known_reach():
    spread = replace(ACCELERATING, reposts_total=None, reposts_seen=3, depth=1, large_reach_share=None, amplifiers=())
    line, _, meta = spread_item("en", spread)
    assert line.startswith("吃货小王's post: 3 reposts, depth 1;") and meta == "as of 2026-11-26 14:00"


def test_the_section_follows_the_samples_in_every_format():
    alert = with_spread(ACCELERATING)
    titles = [section.title for section in compose(alert, "zh").sections]
    assert titles[-2] == "传播情况（转发链）" and titles[0].startswith("样本帖子")
    assert "How it spreads (reposts)" in to_text([compose(alert, "en")])
    assert "本地新闻速递" in to_html([compose(alert, "zh")])
    assert [s.title for s in compose(spike_alert(), "zh").sections] == [t for t in titles if t != "传播情况（转发链）"]


def test_an_accelerating_post_is_a_plain_value_for_the_incident_rule():
    assert with_spread(ACCELERATING).details.spread_accelerating
    assert not with_spread(replace(ACCELERATING, verdict="steady")).details.spread_accelerating
    assert not spike_alert().details.spread_accelerating


def test_alert_details_keep_the_spread_through_json():
    alert = with_spread(ACCELERATING, replace(ACCELERATING, post_key="weibo:2", rate_ratio=float("inf")))
    assert Alert.details_from_json(alert.details_json()) == alert.details
    stored_before = spike_alert().details_json()  # alerts stored before spreads were told have none
    assert Alert.details_from_json(stored_before).spread == []


def test_both_languages_have_every_spread_word():
    assert set(SPREAD_WORDS["zh"]) == set(SPREAD_WORDS["en"])
