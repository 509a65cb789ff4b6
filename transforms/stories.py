"""One story, one key: a topic takes the key of the earlier topic it continues (pure).

A topic's own key is its seed, its strongest unit, and that changes as a story grows: the launch
seeded by 新品 in one hour is seeded by 新品生 the next, and an alert keyed on the seed would be
sent twice. So each run compares its topics with those stored for the brand in the hours before
(`warehouse.topics.recent_topics`); a topic that shares most of its posts or of its core terms
with an earlier one is the same story and keeps that story's key, so alerts de-duplicated on the
key (one per story and day) stay one. Matching is one-to-one, best match first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from transforms.topics import Topic

# Terms of a topic its identity rests on: its key and its strongest terms.
CORE_TERMS = 5
# A topic continues an earlier one when this share of the smaller one's posts, or of its core
# terms, is shared.
SAME_STORY = 0.5


@dataclass(frozen=True)
class Earlier:
    """A topic stored before: the key it was given, its terms (best first) and its posts."""

    key: str
    terms: tuple[str, ...]
    post_keys: tuple[str, ...]


def story_overlap(topic: Topic | Earlier, earlier: Earlier) -> float:
    """How much two topics are one story, 0..1: the larger of their shared posts and their shared
    core terms, each as a share of the smaller side. Terms are shared when one holds the other
    (新品 and 新品生椰拿铁): a growing story's phrases grow around the same words."""
    posts_a, posts_b = set(topic.post_keys), set(earlier.post_keys)
    posts = len(posts_a & posts_b) / min(len(posts_a), len(posts_b)) if posts_a and posts_b else 0.0
    core_a, core_b = _core(topic), _core(earlier)
    smaller, other = (core_a, core_b) if len(core_a) <= len(core_b) else (core_b, core_a)
    shared = sum(any(a in b or b in a for b in other) for a in smaller)
    return max(posts, shared / len(smaller) if smaller else 0.0)


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


def _core(topic: Topic | Earlier) -> set[str]:
    return {topic.key, *topic.terms[:CORE_TERMS]}
