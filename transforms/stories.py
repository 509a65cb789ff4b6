"""One story, one key: a topic takes the key of the earlier topic it continues (pure).

A topic's own key is its seed, its strongest unit, and that changes as a story grows: a launch
seeded by 新品 in one hour is seeded by 新品生 the next, and an alert keyed on the seed would be
sent twice. So each run compares its topics with those stored for the brand in the day before
(`warehouse.topics.recent_topics`). A topic continues an earlier one when they share most posts
(runs every 15 minutes look at overlapping hours), or when their headlines hold one another: the
seed of one is at least half of the seed of the other (新品 and 新品生), or the first term (the
seed grown to a whole phrase) of one at least half of the other's first term. Secondary terms
and short parts do not count: stories about one brand share words (拿铁 in 拿铁变质, 拿铁涨价 and
新品生椰拿铁). A continuing topic keeps the earlier story's key, so
alerts de-duplicated on the key (one per story and day) stay one. Matching is one-to-one, best
match first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from transforms.topics import Topic

# A topic continues an earlier one when they share this share of the smaller one's posts.
SAME_STORY = 0.5


@dataclass(frozen=True)
class Earlier:
    """A topic stored before: the key it was given, its terms (best first) and its posts."""

    key: str
    terms: tuple[str, ...]
    post_keys: tuple[str, ...]


def story_overlap(topic: Topic | Earlier, earlier: Earlier) -> float:
    """How much two topics are one story: the share of the smaller one's posts they share, plus
    one when their headlines hold one another (`same_headline`)."""
    posts_a, posts_b = set(topic.post_keys), set(earlier.post_keys)
    posts = len(posts_a & posts_b) / min(len(posts_a), len(posts_b)) if posts_a and posts_b else 0.0
    return posts + same_headline(topic, earlier)


def same_headline(topic: Topic | Earlier, earlier: Topic | Earlier) -> bool:
    """The seed (key) of one is at least half of the other's, or so is the first term."""
    return _half_of(topic.key, earlier.key) or _half_of(topic.terms[:1], earlier.terms[:1])


def _half_of(a: str | tuple[str, ...], b: str | tuple[str, ...]) -> bool:
    """The shorter of two strings (or one-string tuples) is inside the longer and at least half of it."""
    a, b = "".join(a), "".join(b)
    short, long = sorted((a, b), key=len)
    return bool(short) and short in long and 2 * len(short) >= len(long)


def carry_keys(topics: Sequence[Topic], earlier: Sequence[Earlier], same_story: float = SAME_STORY) -> list[Topic]:
    """`topics` in order, each continuing an earlier story with that story's key.

    Pairs are taken best overlap first (the more recent earlier topic on a tie: list `earlier`
    newest first), each topic and each earlier key at most once. A key another of `topics` has as
    its own seed is not carried over, so keys stay unique within a run.
    """
    own = {topic.key for topic in topics}
    pairs = sorted(((-story_overlap(topic, old), i, j, old.key)
                    for j, topic in enumerate(topics) for i, old in enumerate(earlier)
                    if old.key == topic.key or old.key not in own))
    keys: dict[int, str] = {}
    for negative, _, j, key in pairs:
        overlap = -negative
        if overlap < same_story:
            break
        if j not in keys and key not in keys.values():
            keys[j] = key
    return [replace(topic, key=keys[j]) if j in keys else topic for j, topic in enumerate(topics)]

