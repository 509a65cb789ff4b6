"""One story, one key: a growing story keeps the key of the topic it continues."""

import random

from tests.transforms.test_topics import EVERYDAY, terms
from transforms.stories import Earlier, carry_keys, same_headline, story_overlap
from transforms.topics import Topic, detect_topics

BASELINE = [(f"b{i}", ("咖啡", "好喝", "|", "拿", "铁")) for i in range(60)] + [("b60", ("新品", "推荐"))]
OPENING = [(f"o{i}", ("新品", "|", "好喝")) for i in range(12)]
GROWN = [(f"g{i}", ("新品", "生", "椰", "拿", "铁")) for i in range(24)]  # no post in common with the opening
SPOILED = ["示例咖啡的拿铁变质了，喝完拉肚子", "示例咖啡拿铁变质还在卖", "买的示例咖啡拿铁变质发酸，要求赔偿",
           "拿铁变质了，示例咖啡门店不承认", "示例咖啡拿铁变质，已投诉12315", "示例咖啡今天的拿铁变质了，一股酸味"]
PRICE = ["示例咖啡拿铁涨价了，中杯贵两块", "示例咖啡全线涨价，拿铁涨到三十块", "示例咖啡又涨价，以后少喝点拿铁",
         "拿铁涨价之后示例咖啡还值得喝吗", "示例咖啡涨价，网友吐槽喝不起拿铁了", "示例咖啡宣布涨价，拿铁会员也不例外"]


def earlier(topic: Topic) -> Earlier:
    return Earlier(topic.key, topic.terms, topic.post_keys)


def topic(key: str, terms: tuple[str, ...], posts: tuple[str, ...]) -> Topic:
    return Topic(key=key, label=key, terms=terms, post_keys=posts, volume=len(posts), score=20.0, lift=9.0,
                 baseline_volume=0, is_new=True, alert=True)


def test_a_growing_story_keeps_its_key_when_its_strongest_term_changes():
    (first,) = detect_topics(OPENING, BASELINE)
    (grown,) = detect_topics(GROWN, BASELINE)
    assert (first.key, grown.key, grown.terms[0]) == ("新品", "新品生", "新品生椰拿铁")  # two alerts if keyed on the seed
    assert first.alert and grown.alert
    (carried,) = carry_keys([grown], [earlier(first)])
    assert carried.key == "新品" and carried.label == grown.label and carried.post_keys == grown.post_keys


def test_stories_that_share_a_word_keep_their_own_keys():
    def story(texts: list[str], prefix: str, seed: int) -> Topic:
        rng = random.Random(seed)
        current = [(f"{prefix}d{i}", terms(rng.choice(EVERYDAY), "示例咖啡")) for i in range(40)]
        current += [(f"{prefix}s{i}", terms(texts[i % len(texts)], "示例咖啡")) for i in range(12)]
        everyday = [(f"b{i}", terms(rng.choice(EVERYDAY), "示例咖啡")) for i in range(300)]
        (found,) = detect_topics(current, everyday)
        return found

    spoiled, price = story(SPOILED, "h1", 40), story(PRICE, "h2", 41)
    assert "拿铁" in spoiled.label and "拿铁" in "".join(price.terms)  # a word in common, not a headline
    assert not same_headline(price, earlier(spoiled))
    launch = topic("拿铁", ("新品生椰拿铁",), ("x",))  # a short seed inside another story's headline
    assert not same_headline(launch, earlier(spoiled)) and same_headline(launch, Earlier("新品", ("生椰拿铁",), ()))
    assert carry_keys([price], [earlier(spoiled)]) == [price]


def test_shared_posts_make_one_story_even_when_the_headline_moved_on():
    old = Earlier("爆炸", ("爆炸", "咖啡机"), ("weibo:1", "weibo:2", "weibo:3", "weibo:4"))
    new = topic("受伤", ("受伤", "店员", "送医"), ("weibo:3", "weibo:4", "weibo:5"))
    assert story_overlap(new, old) == 2 / 3
    assert [t.key for t in carry_keys([new], [old])] == ["爆炸"]
    assert carry_keys([new], [old], same_story=0.7) == [new]


def test_keys_stay_unique_best_match_first_newest_on_a_tie():
    stories = [topic("新品生", ("新品生椰拿铁", "排队"), ("a", "b")), topic("上新", ("新品生椰拿铁",), ("c",)),
               topic("涨价", ("涨价", "拿铁"), ("d",))]
    before = [Earlier("新品", ("新品生椰拿铁",), ("x",)), Earlier("新品旧", ("新品生椰",), ("a", "b")),
              Earlier("涨价", ("涨价",), ("z",)), Earlier("涨价", ("涨价",), ("d",))]
    assert [t.key for t in carry_keys(stories, before)] == ["新品旧", "新品", "涨价"]
    # a key another topic of this run has as its own seed is not carried over to a different topic
    clash = [topic("新品", ("新品",), ("p",)), topic("新品生", ("新品生椰拿铁",), ("q",))]
    assert [t.key for t in carry_keys(clash, [Earlier("新品", ("新品",), ("x",))])] == ["新品", "新品生"]
    assert carry_keys(stories, []) == stories
