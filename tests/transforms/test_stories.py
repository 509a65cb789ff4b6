"""One story, one key: a growing story keeps the key of the topic it continues."""

import random

from tests.transforms.test_topics import CAMERA, EVERYDAY, LAUNCH, terms
from transforms.stories import Earlier, carry_keys, story_overlap
from transforms.topics import Topic, detect_topics

OPENING = ["示例咖啡新品今天上市", "示例咖啡新品上市，排队好久", "终于喝到示例咖啡新品", "示例咖啡新品上市了，去试试",
           "示例咖啡的新品上市第一天", "示例咖啡新品今天上市，人好多"]


def window(story: list[str], count: int, seed: int, prefix: str):
    rng = random.Random(seed)
    everyday = [(f"{prefix}d{i}", terms(rng.choice(EVERYDAY), "示例咖啡")) for i in range(40)]
    return everyday + [(f"{prefix}s{i}", terms(story[i % len(story)], "示例咖啡")) for i in range(count)]


BASELINE = [(f"b{i}", terms(text, "示例咖啡")) for i, text in enumerate(random.Random(30).choices(EVERYDAY, k=300))]


def earlier(topics: list[Topic]) -> list[Earlier]:
    return [Earlier(t.key, t.terms, t.post_keys) for t in topics]


def topic(key: str, terms: tuple[str, ...], posts: tuple[str, ...]) -> Topic:
    return Topic(key=key, label=key, terms=terms, post_keys=posts, volume=len(posts), score=20.0, lift=9.0,
                 baseline_volume=0, is_new=True, alert=True)


def test_a_growing_story_keeps_its_key_when_its_strongest_term_changes():
    (first,) = detect_topics(window(OPENING, 12, 31, "h1"), BASELINE)
    (grown,) = detect_topics(window(LAUNCH, 24, 32, "h2"), BASELINE)  # no post in common with the first hour
    assert (first.key, grown.key) == ("上市", "新品生")  # the seed moved: two alerts if keyed on it
    (carried,) = carry_keys([grown], earlier([first]))
    assert carried.key == "上市" and carried.label == grown.label and carried.post_keys == grown.post_keys


def test_another_story_keeps_its_own_key():
    (launch,) = detect_topics(window(LAUNCH, 12, 33, "h1"), BASELINE)
    (camera,) = detect_topics(window(CAMERA, 12, 34, "h2"), BASELINE)
    assert story_overlap(camera, earlier([launch])[0]) < 0.5
    assert carry_keys([camera], earlier([launch])) == [camera]


def test_shared_posts_make_one_story_even_when_the_terms_moved_on():
    old = Earlier("爆炸", ("爆炸", "咖啡机"), ("weibo:1", "weibo:2", "weibo:3", "weibo:4"))
    new = topic("受伤", ("受伤", "店员", "送医"), ("weibo:3", "weibo:4", "weibo:5"))
    assert story_overlap(new, old) == 2 / 3
    assert [t.key for t in carry_keys([new], [old])] == ["爆炸"]


def test_keys_stay_unique_best_match_first_newest_on_a_tie():
    stories = [topic("新品生", ("新品生椰拿铁", "排队"), ("a",)), topic("上新", ("新品生椰拿铁",), ("b",)),
               topic("涨价", ("涨价", "拿铁"), ("c",))]
    before = [Earlier("新品", ("新品", "排队"), ("x",)), Earlier("新品旧", ("新品",), ("y",)),
              Earlier("涨价", ("涨价",), ("z",))]
    assert [t.key for t in carry_keys(stories, before)] == ["新品", "新品旧", "涨价"]
    # a key another topic of this run has as its own is not carried over to a different topic
    clash = [topic("新品", ("新品",), ("p",)), topic("新品生", ("新品生椰拿铁",), ("q",))]
    assert [t.key for t in carry_keys(clash, [Earlier("新品", ("新品生椰拿铁",), ("x",))])] == ["新品", "新品生"]
    assert carry_keys(stories, []) == stories
