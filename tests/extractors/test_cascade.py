"""extractors.cascade: repost chains read from Weibo's `//@name:` text, and cascades that survive a
staged file (JSON) unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from extractors.cascade import Cascade, Comment, Repost, own_words, repost_chain, spread_module

AT = datetime(2024, 11, 26, 5, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "chain", "words"), [
    ("转发微博", (), "转发微博"),
    ("太过分了//@美食记者老李:求证中", ("美食记者老李",), "太过分了"),
    ("//@B :原话//@C：更早的话", ("B", "C"), ""),  # text_raw's space before the colon; a full-width colon
    ("扩散//@阿杰-不吃香菜:看看//@本地新闻速递:多人反映//@消费维权观察:关注", ("阿杰-不吃香菜", "本地新闻速递", "消费维权观察"), "扩散"),
    ("邮箱 a//@b.com 不是转发链", (), "邮箱 a//@b.com 不是转发链"),
    ("提到 @某人: 不是转发链", (), "提到 @某人: 不是转发链"),
])
def test_a_repost_chain_names_the_reposts_it_came_through_nearest_first(text, chain, words):
    assert repost_chain(text) == chain
    assert own_words(text) == words


def test_a_cascade_round_trips_through_json():
    cascade = Cascade("weibo", "1", AT, complete=True, reposts_total=3, comments_total=1, pages=1,
                      reposts=[Repost("2", AT - timedelta(minutes=5), "u2", "甲", 1200, "media", ("乙",), "看看", 1, 0, 2)],
                      comments=[Comment("3", AT - timedelta(minutes=1), None, None, None, None, "求后续", 4, None)])
    assert Cascade.from_json(cascade.to_json()) == cascade


def test_a_naive_time_is_refused_and_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="timezone"):
        Repost("2", datetime(2024, 11, 26), None, None, None, None, (), "")
    with pytest.raises(KeyError, match="archive, weibo"):
        spread_module("douyin")
