"""record: a Post round-trips through the staged JSON, its author's reach included or unknown."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from extractors.record import Post

WHEN = datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc)


def test_a_post_with_its_authors_reach_round_trips_through_json():
    post = Post("weibo", "1", "weibo_api", "变质了", WHEN, author="记者小李", author_followers=250_000,
                author_verified="media")
    row = post.to_json()
    assert (row["author_followers"], row["author_verified"]) == (250_000, "media")
    assert Post.from_json(row) == post


def test_the_json_row_has_every_field_in_order_and_owns_its_extra():
    extra = {"retweeted": {"id": "9", "pics": ["a", "b"]}, "truncated": True}
    post = Post("weibo", "1", "weibo_api", "变质了", WHEN, url="https://weibo.com/1", reposts=3, extra=extra,
                author_followers=10, author_verified="personal", counted_at=WHEN)
    row = post.to_json()
    expected = dataclasses.asdict(post) | {"published_at": WHEN.isoformat(), "counted_at": WHEN.isoformat()}
    assert list(row) == [f.name for f in dataclasses.fields(Post)]
    assert row == expected
    row["extra"]["retweeted"]["pics"].append("c")
    assert post.extra["retweeted"]["pics"] == ["a", "b"]


def test_a_row_staged_before_reach_was_recorded_reads_as_unknown():
    row = Post("weibo", "1", "weibo_api", "变质了", WHEN).to_json()
    del row["author_followers"], row["author_verified"]
    post = Post.from_json(row)
    assert (post.author_followers, post.author_verified) == (None, None)
    assert post.counted_at is None


def test_when_the_counts_were_seen_round_trips_in_utc():
    seen = datetime.fromisoformat("2026-11-26T15:30:00+08:00")
    post = Post("weibo", "1", "weibo_api", "变质了", WHEN, reposts=40, counted_at=seen)
    assert post.counted_at == seen and post.counted_at.tzinfo == timezone.utc
    assert Post.from_json(post.to_json()) == post
    with pytest.raises(ValueError, match="naive"):
        Post("weibo", "1", "weibo_api", "变质了", WHEN, counted_at=datetime(2026, 11, 26))


@pytest.mark.parametrize("reach, message", [
    ({"author_followers": -1}, "author_followers"), ({"author_followers": True}, "author_followers"),
    ({"author_followers": "12万"}, "author_followers"), ({"author_verified": "blue"}, "author_verified"),
])
def test_reach_that_is_not_a_count_or_a_known_kind_is_refused(reach, message):
    with pytest.raises(ValueError, match=message):
        Post("weibo", "1", "weibo_api", "text", WHEN, **reach)
