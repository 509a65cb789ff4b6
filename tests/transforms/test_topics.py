"""Hot topics: bursting terms and phrases grouped into labelled topics with their posts."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache

import pytest

from transforms.lexicon import Lexicon
from transforms.scoring import score_texts
from transforms.terms import without_brand_names
from transforms.topics import DEFAULT_TOPICS, detect_topics, join_phrase, units

EVERYDAY = [
    "今天的燕麦拿铁真好喝，新品推荐", "星巴克的桌子很适合办公，一坐就是一下午", "排队半小时才买到咖啡，人太多了",
    "周末和朋友去星巴克聊天", "会员积分换了一杯美式，开心", "早上一杯冷萃，开始工作", "星巴克的焦糖玛奇朵还是那么甜",
    "下雨天在星巴克看书", "公司楼下新开了一家星巴克", "星巴克的杯子设计越来越好看了", "点了外送，咖啡送到还是热的",
    "今天店员在杯子上画了笑脸", "星巴克的三明治当早餐不错", "抹茶星冰乐是夏天的快乐", "和同事拼单买了咖啡",
]
INCIDENT = [
    "在星巴克的拿铁里喝出了异物，门店态度很差", "星巴克喝出异物，要求退款被拒绝", "星巴克咖啡里有异物，客服不回复",
    "星巴克异物事件，门店拒绝退款太离谱", "喝出异物还不给退款，星巴克你怎么解释", "星巴克拿铁喝出异物，已经投诉了",
]
PRICE = ["星巴克宣布涨价，中杯拿铁涨两元", "星巴克又涨价了，以后少喝点", "涨价之后的星巴克还值得喝吗", "星巴克全线涨价，网友吐槽"]
SAKURA = ["星巴克樱花杯又上新了", "抢到了星巴克的樱花杯", "樱花杯好好看，星巴克懂营销"]


BRAND = "星巴克"


@cache
def terms(text: str, brand: str = BRAND, phrases: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What the pipeline stores for a post of `brand`: its topic terms, dictionary phrases whole, the brand a break."""
    (scores,) = score_texts([text], lexicon=Lexicon((brand, *phrases)))
    return tuple(without_brand_names(scores.terms, [brand]))


def posts(texts: list[str], count: int, prefix: str, seed: int) -> list[tuple[str, tuple[str, ...]]]:
    rng = random.Random(seed)
    return [(f"{prefix}{i}", terms(rng.choice(texts))) for i in range(count)]


BASELINE = posts(EVERYDAY, 300, "b", 1)


def test_an_incident_becomes_a_new_topic_with_a_readable_label_and_its_posts():
    incident = posts(INCIDENT, 15, "incident", 2)
    current = posts(EVERYDAY, 40, "day", 3) + incident

    topics = detect_topics(current, BASELINE)

    assert len(topics) == 1
    topic = topics[0]
    assert "异物" in topic.label and 2 <= len(topic.label.split(" / ")) <= 3
    assert set(topic.post_keys) == {key for key, _ in incident}
    assert topic.volume == 15 and topic.is_new and topic.alert
    assert topic.baseline_volume == 0 and topic.lift > DEFAULT_TOPICS.min_lift
    assert topic.key in topic.terms[0] and topic.as_dict()["label"] == topic.label


def test_two_stories_are_two_topics_with_separate_posts():
    incident = posts(INCIDENT, 15, "incident", 4)
    price = posts(PRICE, 12, "price", 5)
    current = posts(EVERYDAY, 40, "day", 6) + incident + price

    topics = detect_topics(current, BASELINE)

    assert len(topics) == 2
    by_label = {("异物" in t.label, "涨价" in t.label): set(t.post_keys) for t in topics}
    assert by_label[(True, False)] == {key for key, _ in incident}
    assert by_label[(False, True)] == {key for key, _ in price}


def test_everyday_talk_does_not_burst():
    current = posts(EVERYDAY, 60, "day", 7)
    assert detect_topics(current, BASELINE) == []


def test_a_familiar_subject_growing_is_a_topic_but_not_new():
    baseline = BASELINE + posts(SAKURA, 20, "sakura-before", 8)
    current = posts(EVERYDAY, 40, "day", 9) + posts(SAKURA, 15, "sakura", 10)

    topics = detect_topics(current, baseline)

    assert [("樱花" in t.label, t.is_new, t.alert) for t in topics] == [(True, False, False)]
    assert topics[0].baseline_volume > DEFAULT_TOPICS.new_max_baseline_docs


def test_a_new_topic_needs_enough_posts_to_alert_and_to_exist():
    small = detect_topics(posts(EVERYDAY, 40, "day", 11) + posts(INCIDENT, 6, "incident", 12), BASELINE)
    assert [(t.is_new, t.alert, t.volume) for t in small] == [(True, False, 6)]
    tiny = detect_topics(posts(EVERYDAY, 40, "day", 13) + posts(INCIDENT, 3, "incident", 14), BASELINE)
    assert tiny == []


def test_a_small_or_missing_baseline_raises_no_alert():
    current = posts(EVERYDAY, 40, "day", 15) + posts(INCIDENT, 15, "incident", 16)
    small = detect_topics(current, BASELINE[:45])
    assert small and not any(t.alert for t in small)
    assert detect_topics(current, []) == []


def test_adjacent_terms_form_phrases():
    assert units(["星", "巴克", "异物"]) == {"巴克": ("巴克",), "异物": ("异物",), "星巴克": ("星", "巴克"),
                                          "巴克异物": ("巴克", "异物")}
    assert units(["，", "退款", "!"]) == {"退款": ("退款",)}
    assert join_phrase("iPhone", "16") == "iPhone 16"
    assert join_phrase("苹果", "iPhone") == "苹果iPhone"


def test_the_label_prefers_a_phrase_that_covers_its_term():
    story = ["双十一 预售 定金 不退", "预售 定金 不退 太坑", "预售 定金 不退 客服 敷衍", "吐槽 预售 定金 不退"]
    current = [(f"s{i}", text.split()) for i, text in enumerate(story * 3)]
    baseline = [(f"b{i}", ["咖啡", "拿铁", "好喝"]) for i in range(100)]

    topics = detect_topics(current, baseline)

    assert len(topics) == 1
    label = topics[0].label.split(" / ")
    assert len(label) == 2 and sorted("".join(label)) == sorted("预售定金不退")  # a phrase plus the third term


def test_results_do_not_depend_on_post_order():
    current = posts(EVERYDAY, 40, "day", 17) + posts(INCIDENT, 15, "incident", 18) + posts(PRICE, 12, "price", 19)
    shuffled = current[:]
    random.Random(0).shuffle(shuffled)

    def summary(topics):
        return [(t.key, t.label, t.terms, frozenset(t.post_keys), t.score) for t in topics]

    assert summary(detect_topics(shuffled, BASELINE)) == summary(detect_topics(current, BASELINE))


def test_config_limits_apply():
    current = posts(EVERYDAY, 40, "day", 20) + posts(INCIDENT, 15, "incident", 21) + posts(PRICE, 12, "price", 22)
    assert len(detect_topics(current, BASELINE, replace(DEFAULT_TOPICS, max_topics=1))) == 1
    strict = replace(DEFAULT_TOPICS, min_docs=13)
    assert [("异物" in t.label) for t in detect_topics(current, BASELINE, strict)] == [True]
    assert detect_topics(current, BASELINE, replace(DEFAULT_TOPICS, min_lift=1e6)) == []


@pytest.mark.parametrize("label_terms", [1, 2])
def test_label_length_follows_the_config(label_terms):
    current = posts(EVERYDAY, 40, "day", 23) + posts(INCIDENT, 15, "incident", 24)
    topic = detect_topics(current, BASELINE, replace(DEFAULT_TOPICS, label_terms=label_terms))[0]
    assert len(topic.label.split(" / ")) == label_terms


CAMERA = ["示例咖啡门店更衣室发现偷拍摄像头，太可怕了", "员工在示例咖啡更衣室发现偷拍摄像头", "示例咖啡被曝偷拍摄像头，已报警",
          "偷拍摄像头藏在示例咖啡卫生间，细思极恐", "示例咖啡回应偷拍摄像头事件：正在配合警方调查", "在示例咖啡上厕所发现偷拍摄像头，吓死了"]
HAIR = ["在示例咖啡喝出头发，恶心", "示例咖啡的奶茶喝出头发，要求退款", "又在示例咖啡喝出头发了，无语",
        "示例咖啡喝出头发，恶心死了", "喝出头发还不道歉，示例咖啡太差了", "朋友在示例咖啡喝出头发，恶心"]
SPOILED = ["示例咖啡的拿铁变质了，喝完拉肚子", "示例咖啡拿铁变质还在卖", "买的示例咖啡拿铁变质发酸，要求赔偿",
           "拿铁变质了，示例咖啡门店不承认", "示例咖啡拿铁变质，已投诉12315", "示例咖啡今天的拿铁变质了，一股酸味"]
LAUNCH = ["示例咖啡新品生椰拿铁上市，排队好久", "示例咖啡新品生椰拿铁太好喝了", "终于喝到示例咖啡新品生椰拿铁",
          "示例咖啡新品生椰拿铁是真的香", "推荐示例咖啡新品生椰拿铁", "示例咖啡新品生椰拿铁卖断货了"]


def story_topic(story: list[str], phrases: tuple[str, ...] = ()):
    """The one topic a 12-post story makes among everyday posts of the brand 示例咖啡."""
    rng = random.Random(25)
    baseline = [(f"b{i}", terms(rng.choice(EVERYDAY), "示例咖啡", phrases)) for i in range(300)]
    current = [(f"d{i}", terms(rng.choice(EVERYDAY), "示例咖啡", phrases)) for i in range(40)]
    current += [(f"s{i}", terms(story[i % len(story)], "示例咖啡", phrases)) for i in range(12)]
    (topic,) = detect_topics(current, baseline)
    return topic


@pytest.mark.parametrize("story, whole, fragment", [
    (CAMERA, "偷拍摄像头", "偷拍摄"),  # snownlp cuts 偷|拍摄|像|头: the single characters after 拍摄 belong to it
    (HAIR, "喝出头发", "出头发"),  # 喝|出头|发: the 喝 before it too
    (SPOILED, "拿铁变质", "铁变质"),  # 拿 is a stop word, yet part of 拿|铁
])
def test_labels_and_terms_are_whole_phrases_not_fragments(story, whole, fragment):
    topic = story_topic(story)
    assert whole in topic.label.split(" / ") and whole in topic.terms
    assert fragment not in topic.label.split(" / ") and fragment not in topic.terms


def test_a_phrase_never_runs_across_a_comma():
    topic = story_topic(HAIR)  # 喝出头发，恶心 in half the posts
    assert not any("头发恶心" in part for part in (*topic.label.split(" / "), *topic.terms))


def test_product_names_from_the_config_stay_whole():
    plain = story_topic(LAUNCH)
    assert "新品生" not in plain.label.split(" / ")  # what the issue saw: the 生 of 生椰 glued to 新品
    with_products = story_topic(LAUNCH, phrases=("生椰拿铁",))
    assert with_products.label == "新品生椰拿铁" and with_products.terms == ("新品生椰拿铁",)


def test_what_counts_as_new_grows_with_the_baseline():
    from transforms.topics import new_allowance

    assert [new_allowance(n) for n in (50, 2_000, 5_000, 100_000)] == [2, 2, 5, 100]
    echoes = posts(INCIDENT, 4, "echo", 26)  # four earlier posts with the same words
    current = posts(EVERYDAY, 40, "day", 27) + posts(INCIDENT, 15, "incident", 28)
    small = detect_topics(current, BASELINE + echoes)
    big = detect_topics(current, posts(EVERYDAY, 4_000, "big", 29) + echoes)
    assert [(t.baseline_volume, t.is_new) for t in small] == [(4, False)]  # 4 of 304 posts: familiar
    assert [(t.baseline_volume, t.is_new, t.alert) for t in big] == [(4, True, True)]  # 4 of 4,004: new


def test_single_characters_most_posts_share_beside_a_phrase_are_glued_back():
    from transforms.topics import with_glued_chars

    posts = [("发现", "偷", "拍摄", "像", "头", "|", "可怕"), ("偷", "拍摄", "像", "头"), ("员工", "偷", "拍摄", "像", "头", "视频")]
    assert with_glued_chars(("拍摄",), posts, 0.6, 12) == ("偷", "拍摄", "像", "头")  # never past the break or a word
    assert with_glued_chars(("拍摄",), posts[:1], 0.6, 12) == ("拍摄",)  # one post is no agreement
    assert with_glued_chars(("拍摄",), posts, 0.6, 3) == ("偷", "拍摄")  # up to the length cap
    mixed = [("新品", "生", "椰"), ("新品", "生", "酪"), ("新品", "生", "椰")]
    assert with_glued_chars(("新品",), mixed, 0.6, 12) == ("新品", "生", "椰")
    assert with_glued_chars(("新品",), mixed, 0.7, 12) == ("新品", "生")
