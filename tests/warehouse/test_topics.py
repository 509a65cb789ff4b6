"""Hot topics are stored per brand and window, once however often a run repeats."""

from datetime import timedelta

from transforms.topics import Topic
from warehouse.topics import store_topics

from .conftest import T0


def topic(key, volume=12, alert=True):
    return Topic(key=key, label=f"{key} / 退款", terms=(key, "退款"), post_keys=("weibo:1", "weibo:2"), volume=volume,
                 score=31.5, lift=8.0, baseline_volume=0, is_new=True, alert=alert)


def test_topics_are_stored_for_analysts_and_a_repeat_replaces_them(warehouse):
    end = T0 + timedelta(hours=1)
    store_topics(warehouse, "acme", T0, end, [topic("爆炸"), topic("排队", alert=False)])
    store_topics(warehouse, "acme", T0, end, [topic("爆炸", volume=14)])
    store_topics(warehouse, "acme", T0, end, [])
    rows = warehouse.execute("SELECT topic_key, label, terms, volume, lift, is_new, alert, post_keys FROM v_hot_topics "
                             "WHERE brand = 'acme' AND window_end = ? ORDER BY topic_key", [end]).fetchall()
    assert rows == [("排队", "排队 / 退款", ["排队", "退款"], 12, 8.0, True, False, ["weibo:1", "weibo:2"]),
                    ("爆炸", "爆炸 / 退款", ["爆炸", "退款"], 14, 8.0, True, True, ["weibo:1", "weibo:2"])]


def test_recent_topics_are_read_back_newest_first_within_the_range(warehouse):
    from transforms.stories import Earlier
    from warehouse.topics import recent_topics

    for hours, key in ((1, "上市"), (2, "新品生"), (3, "涨价")):
        store_topics(warehouse, "acme", T0 + timedelta(hours=hours - 1), T0 + timedelta(hours=hours), [topic(key)])
    store_topics(warehouse, "rival", T0, T0 + timedelta(hours=2), [topic("对手")])
    found = recent_topics(warehouse, "acme", T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert found == [Earlier("新品生", ("新品生", "退款"), ("weibo:1", "weibo:2")),
                     Earlier("上市", ("上市", "退款"), ("weibo:1", "weibo:2"))]
