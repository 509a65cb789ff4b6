"""keywords(): TextRank over an existing segmentation, deterministic, without stop words or noise."""

from __future__ import annotations

import csv

from tests.shared_data import require
from transforms.fastsnow import keywords, segment_many, words
from transforms.fastsnow.keywords import DAMPING, MAX_ITERATIONS, MIN_CHANGE, PUNCTUATION, WINDOW, is_candidate
from transforms.textprep import clean


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


def reference_keywords(words: list[str], limit: int) -> list[str]:
    """The TextRank this module first shipped (words as dict keys, one sum per word over its links):
    the fast version must rank exactly like it, ties and float rounding included."""
    candidates = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        emoticon = before.endswith("[") and i + 1 < len(words) and words[i + 1].startswith("]")
        mention = "@" in word or before.endswith("@")
        trimmed = word.strip(PUNCTUATION)
        if not (emoticon or mention) and is_candidate(trimmed):
            candidates.append(trimmed)
    neighbours: dict[str, dict[str, None]] = {}
    for i, word in enumerate(candidates):
        links = neighbours.setdefault(word, {})
        for other in candidates[max(0, i - WINDOW + 1):i]:
            if other != word:
                links[other] = None
                neighbours[other][word] = None
    scores = dict.fromkeys(neighbours, 1.0)
    for _ in range(MAX_ITERATIONS):
        updated = {word: (1 - DAMPING) + DAMPING * sum(scores[o] / len(neighbours[o]) for o in links)
                   for word, links in neighbours.items()}
        change = max((abs(updated[w] - scores[w]) for w in scores), default=0.0)
        scores = updated
        if change <= MIN_CHANGE:
            break
    first_seen = {w: i for i, w in reversed(list(enumerate(candidates)))}
    return sorted(scores, key=lambda w: (-scores[w], first_seen[w]))[:limit]


def test_real_posts_rank_exactly_as_the_word_keyed_textrank():
    path = require("sentiment", "weibo_senti_100k_dev.tsv")
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [text for _, text in csv.reader(handle, delimiter="\t")][:3000]
    segmented = segment_many([clean(text) for text in texts]) + [["@", "小米", "[", "哈哈", "]", "电池", "电池"]]
    for limit in (8, 1000):
        assert [keywords(w, limit) for w in segmented] == [reference_keywords(w, limit) for w in segmented]
