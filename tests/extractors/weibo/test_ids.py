"""weibo.ids: mid and bid both ways, and post links."""

from __future__ import annotations

import pytest

from extractors.weibo.ids import bid_to_mid, mid_to_bid, post_url

from .real_captures import timeline_mblogs


def test_mid_and_bid_convert_both_ways_on_real_posts():
    mblogs = timeline_mblogs()
    assert mblogs
    for mblog in mblogs:
        assert mid_to_bid(mblog["mid"]) == mblog["bid"]
        assert bid_to_mid(mblog["bid"]) == mblog["mid"]


def test_bad_ids_are_refused():
    with pytest.raises(ValueError):
        mid_to_bid("12ab")
    with pytest.raises(ValueError):
        bid_to_mid("P2-3")


def test_post_links():
    assert post_url("1669879400", "HyTZc60ew", "4383183661430868") == "https://weibo.com/1669879400/HyTZc60ew"
    assert post_url(None, None, "4383183661430868") == "https://m.weibo.cn/detail/4383183661430868"
