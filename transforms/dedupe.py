"""Removing duplicate posts by identity, keeping the most complete copy (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from extractors.record import Post


def completeness(post: Post) -> tuple[int, int, int]:
    """How much a copy tells us: expanded text beats truncated, then engagement, then links."""
    return (len(post.text), post.engagement, int(post.url is not None))


def dedupe_posts(posts: Iterable[Post]) -> list[Post]:
    """One post per `(platform, native_id)`, the most complete copy, in first-seen order.

    Pages overlap, look-back windows overlap and two sources can find the same Weibo post;
    the key makes them one. Ties keep the first copy, so the result is deterministic.
    """
    best: dict[tuple[str, str], Post] = {}
    for post in posts:
        current = best.get(post.key)
        if current is None or completeness(post) > completeness(current):
            best[post.key] = post
    return list(best.values())
