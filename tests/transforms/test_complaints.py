"""Complaint detection: cues, demand patterns, negation and sentiment combine into an explained score."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest

from transforms.complaints import COMPLAINT_THRESHOLD, complaint, fired_cues
from transforms.sentiment import sentiments
from transforms.textprep import clean

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BRANDMON_DATA_DIR") or REPO.parent / "shared" / "data")

NEGATIVE, POSITIVE = 0.05, 0.95


def _signals(text: str) -> set[str]:
    return set(fired_cues(clean(text)))


def test_a_demand_for_a_refund_is_a_complaint_and_says_why():
    found = complaint("在这个平台借款后被扣了会员费，根本没享受到服务，要求退还会员费和担保费", NEGATIVE)
    assert found.is_complaint
    assert "demand:要求退还" in found.reasons
    assert any(r.startswith("negative_sentiment:") for r in found.reasons)


@pytest.mark.parametrize("text", ["申请退货三次都被驳回", "我要退款！", "强烈要求商家赔偿并道歉", "已经投诉到12315了",
                                  "准备去消协维权"])
def test_demands_and_complaint_channels_fire(text):
    assert _signals(text) & {"demand", "channel"}


def test_cold_food_from_a_delivery_app_is_the_same_complaint_as_a_weibo_rant():
    review = complaint("外卖送到的时候饭都凉了，差评", NEGATIVE)
    rant = complaint("气死了！某某外卖送餐慢了一个小时，饭菜都凉了，客服还不理人[怒]", NEGATIVE)
    assert review.is_complaint and rant.is_complaint
    assert "problem:饭都凉了" in review.reasons


def test_negated_cues_do_not_fire():
    assert "problem" not in _signals("用了一个月，没有质量问题")
    assert "problem" not in _signals("不是虚假宣传，效果确实好")
    assert "demand" not in _signals("东西很好，无需退款")
    assert "problem" in _signals("质量问题很严重")


def test_words_that_only_look_like_negators_do_not_cancel_a_cue():
    assert "channel" in _signals("马上给我处理，不然就投诉")
    assert "problem" in _signals("客服就是不退款")


def test_a_question_is_not_a_demand():
    assert "demand" not in _signals("请问事情解决了吗")


def test_an_object_with_negative_sentiment_alone_is_not_enough():
    sad = complaint("手机丢了，好难过[泪]", NEGATIVE)
    assert not sad.is_complaint and sad.score < COMPLAINT_THRESHOLD


def test_dissatisfaction_about_a_product_with_negative_sentiment_is_a_complaint():
    assert complaint("这个手机太让人失望了", NEGATIVE).is_complaint
    assert not complaint("好失望，偶像今天没来", NEGATIVE).is_complaint  # no product or service


def test_negative_sentiment_raises_the_score_of_the_same_text():
    text = "快递三天了还没到，商家也不发货"
    assert complaint(text, NEGATIVE).score > complaint(text, POSITIVE).score > complaint(text).score


@pytest.mark.parametrize("text", ["今天天气真好[哈哈]", "客服很耐心，问题很快解决了，点赞", "退款很快，好评",
                                  "周末和朋友去吃火锅，开心"])
def test_happy_posts_are_not_complaints(text):
    found = complaint(text, POSITIVE)
    assert not found.is_complaint and found.score < 0.2


def test_traditional_text_fires_the_same_cues():
    assert complaint("要求退貨，客服態度惡劣", NEGATIVE) == complaint("要求退货，客服态度恶劣", NEGATIVE)


@pytest.mark.parametrize("text", [None, "", "👍👍", "[哈哈]"])
def test_empty_and_emoji_only_posts_are_not_complaints(text):
    found = complaint(text, 0.5)
    assert not found.is_complaint and found.reasons == ()


def test_score_stays_in_0_1_when_every_signal_fires():
    found = complaint("投诉！质量问题，虚假宣传，要求退款赔偿，客服敷衍，太失望了，已曝光" * 50, 0.0)
    assert 0.9 < found.score <= 1.0 and found.is_complaint


def test_real_heimao_complaints_are_complaints():
    path = DATA / "complaints" / "heimao_tousu_sample.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (set BRANDMON_DATA_DIR to the shared data folder)")
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [row["summary"] for row in csv.DictReader(handle)]
    for text, score in zip(texts, sentiments(texts)):
        assert complaint(text, score.probability).is_complaint, text


def test_positive_weibo_posts_are_almost_never_complaints():
    path = DATA / "sentiment" / "weibo_senti_100k_dev.tsv"
    if not path.exists():
        pytest.skip(f"{path} not found (set BRANDMON_DATA_DIR to the shared data folder)")
    with open(path, encoding="utf-8", newline="") as handle:
        positive = [text for label, text in csv.reader(handle, delimiter="\t") if label == "1"]
    sample = random.Random(8).sample(positive, 1000)
    flagged = sum(complaint(t, s.probability).is_complaint for t, s in zip(sample, sentiments(sample)))
    assert flagged / len(sample) <= 0.01
