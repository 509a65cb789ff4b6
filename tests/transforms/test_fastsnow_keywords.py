"""keywords(): TextRank over an existing segmentation, deterministic, without stop words or noise."""

from __future__ import annotations

from transforms.fastsnow import keywords, words
from transforms.fastsnow.keywords import is_candidate


def test_candidates_are_multi_character_terms_not_stopwords_punctuation_or_links():
    assert is_candidate("手机")
    assert is_candidate("iPhone")
    assert not is_candidate("好")  # one character
    assert not is_candidate("我们")  # snownlp stop word
    assert not is_candidate("！！")
    assert not is_candidate("][")
    assert not is_candidate("2024")
    assert not is_candidate("http://t.cn/abc")


def test_the_term_linked_to_most_others_ranks_first():
    segmented = ["电池", "续航", "电池", "发热", "电池", "屏幕", "电池", "价格"]
    assert keywords(segmented, 1) == ["电池"]


def test_ties_go_to_the_term_seen_first():
    assert keywords(["苹果", "香蕉"], 2) == ["苹果", "香蕉"]
    assert keywords(["香蕉", "苹果"], 2) == ["香蕉", "苹果"]


def test_limit_and_empty_input():
    segmented = words("华为手机的电池续航很好，但是屏幕容易刮花，客服处理也慢")
    assert len(keywords(segmented, 3)) == 3
    assert set(keywords(segmented, 3)) <= set(segmented)
    assert keywords(segmented, 0) == []
    assert keywords([], 5) == []
    assert keywords(["的", "，", "了"], 5) == []


def test_a_lone_term_is_still_a_keyword():
    assert keywords(["退款"], 5) == ["退款"]


def test_weibo_emoticons_and_mentions_are_not_keywords():
    segmented = words("[哈哈][哈哈]//@酒红冰蓝: 电池续航太差[怒] @小米客服 退款")
    found = keywords(segmented, 10)
    assert "哈哈" not in found and "怒" not in found
    assert not any("@" in w or "酒红" in w or "小米" in w for w in found)
    assert found == ["电池", "退款"]


def test_punctuation_clinging_to_a_token_is_trimmed():
    assert keywords(["iPad", "air.", "air"], 5) == ["iPad", "air"]
