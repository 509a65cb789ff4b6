"""Near-duplicate posts: copy-paste and reposts of one text grouped, so a story counts once (pure).

A text is compared by its character shingles: after `textprep.clean` (Simplified Chinese, NFKC,
no links, @mentions, repost markers `//@name:`, HTML) the Weibo repost placeholders (`转发微博`, a
leading `转发`), emoticons, emoji, punctuation and spaces are dropped, and what is left (CJK
characters, letters, digits) is cut into overlapping runs of SHINGLE characters. Characters,
not words: Chinese has no spaces and a segmenter cuts a copy with one character changed
differently from its original, while character runs change only around the edit. Three, not
two: two-character runs are mostly common words (咖啡, 退款, 客服), shared by any two complaints
about one brand, so unrelated posts would look alike.

Two texts are copies when the Jaccard similarity of their shingle sets is THRESHOLD (0.6) or
more. What that admits, on posts of 30-100 characters: a copy with emoji, @mentions, hashtags or
punctuation added (these are dropped, so ~1.0), a repost with a comment a third of its length
(~0.7), a template with a shop, city or product swapped (0.7-0.85); what it keeps apart: two
complaints about the same product in different words (0.1-0.3, measured in
tests/transforms/test_neardup.py). A pair whose sentiment labels are opposite (`pos` and `neg`)
is never merged: one changed character ("真的好好喝" / "真的好难喝") leaves a 14-character text 0.71 alike.

MinHash LSH (datasketch) proposes candidates in near-linear time; each candidate is then checked
by the exact Jaccard similarity of the two sets, so no pair below the threshold is ever merged.
LSH is tuned for a lower similarity (LSH_THRESHOLD) so that it misses next to no pair above it: on
the tests' edited copies and on bench/neardup_speed.py's 3,600 Weibo posts it proposed every pair
an exhaustive comparison accepted. Grouping is by leader: posts are taken earliest first and each joins
the group whose first (earliest) text it is most like, so a chain of small edits cannot walk a
group from one text to an unrelated one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from transforms import textprep

SHINGLE = 3
THRESHOLD = 0.6
NUM_PERM = 128  # MinHash size: a similarity estimate's standard error is at most 0.044
LSH_THRESHOLD = 0.3  # for recall (module doc): at 0.4, 6 of 30 draws of the test's edited copies lost a pair; at 0.3 none
SEED = 1
OPPOSITE = frozenset({"pos", "neg"})

_PLACEHOLDER = re.compile(r"转发微博|repost weibo")
_REPOST_PREFIX = re.compile(r"^\s*(?:转发|转|repost|rt)(?=[\s\W]|$)[\s\W]*")


@dataclass(frozen=True, slots=True)
class Copy:
    """One post as grouping sees it: its key, text, time, how far it reaches (higher wins the
    group's `most_reached`; risk.post_risk gives it) and its sentiment label, if known."""

    key: str
    text: str
    published_at: datetime
    reach: float = 0.0
    label: str | None = None


@dataclass(frozen=True, slots=True)
class CopyGroup:
    """Posts that are copies of one text: every key (earliest first), the earliest copy and the
    copy that reaches furthest (the earliest of them on a tie)."""

    keys: tuple[str, ...]
    earliest: str
    most_reached: str

    @property
    def count(self) -> int:
        return len(self.keys)


@functools.lru_cache(maxsize=1 << 16)
def fingerprint(text: str) -> str:
    """The characters a copy must share: the cleaned text without repost placeholders, emoticon
    tokens, emoji, punctuation or spaces (CJK characters, letters and digits, lower-cased)."""
    cleaned = _PLACEHOLDER.sub(" ", textprep.clean(text))
    previous = None
    while previous != cleaned:  # "转发 : 转发 ..." loses every leading marker
        previous, cleaned = cleaned, _REPOST_PREFIX.sub("", cleaned)
    words = (w for w in cleaned.split() if not w.startswith(textprep.EMOTICON_PREFIX))
    return "".join(ch for word in words for ch in word if ch.isalnum())


def shingles(printed: str) -> frozenset[str]:
    """The overlapping SHINGLE-character runs of a fingerprint; a shorter one is its own shingle."""
    if len(printed) <= SHINGLE:
        return frozenset({printed}) if printed else frozenset()
    return frozenset(printed[i:i + SHINGLE] for i in range(len(printed) - SHINGLE + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0 for two empty sets (a post with no words matches nothing)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def group_copies(posts: Sequence[Copy], threshold: float = THRESHOLD) -> list[CopyGroup]:
    """The posts grouped into copies of one text (a post alone is a group of one), groups in the
    order of their earliest copy. Texts with the same fingerprint are one group at once."""
    ordered = sorted(posts, key=lambda p: (p.published_at, p.key))
    # distinct fingerprints, earliest first; wordless posts stay alone (keyed by their post key)
    by_print: dict[str, list[Copy]] = {}
    for post in ordered:
        printed = fingerprint(post.text)
        by_print.setdefault(printed or f"\0{post.key}", []).append(post)
    prints = list(by_print)
    sets = [shingles(p) if not p.startswith("\0") else frozenset() for p in prints]
    bands = _band_ids(prints)
    buckets: dict[tuple[int, int], list[int]] = {}  # (band, its values) → leaders: MinHashLSH's hash tables
    leader_of: list[int] = []
    for index, shingle_set in enumerate(sets):
        label = by_print[prints[index]][0].label
        keys = list(enumerate(bands[index])) if shingle_set else []
        candidates = {c for key in keys for c in buckets.get(key, ())}
        alike = [(jaccard(shingle_set, sets[c]), -c) for c in candidates
                 if {label, by_print[prints[c]][0].label} != OPPOSITE]
        close = [match for match in alike if match[0] >= threshold]
        best = -max(close)[1] if close else index  # the most alike leader, the earliest on a tie
        if best == index:
            for key in keys:
                buckets.setdefault(key, []).append(index)
        leader_of.append(best)
    members: dict[int, list[Copy]] = {}
    for index, leader in enumerate(leader_of):
        members.setdefault(leader, []).extend(by_print[prints[index]])
    return [_group(sorted(copies, key=lambda p: (p.published_at, p.key))) for copies in members.values()]


def _band_ids(prints: Sequence[str]) -> list[tuple[int, ...]]:
    """Per fingerprint, the MinHash LSH band it falls in, band by band (`datasketch.MinHashLSH`
    at LSH_THRESHOLD: two texts are candidates when some band holds the same values in both);
    wordless posts (keyed "\0…") get an empty signature, never queried."""
    import numpy as np

    signatures = np.frombuffer(b"".join(_signature(p if not p.startswith("\0") else "") for p in prints),
                               dtype=np.uint64).reshape(len(prints), NUM_PERM)
    columns = [np.unique(signatures[:, start:end], axis=0, return_inverse=True)[1].reshape(-1)
               for start, end in _lsh_bands()]
    return list(zip(*(column.tolist() for column in columns))) if columns and prints else [() for _ in prints]


@functools.cache
def _lsh_bands() -> tuple[tuple[int, int], ...]:
    """The hash ranges datasketch's MinHashLSH bands a signature into at LSH_THRESHOLD."""
    from datasketch import MinHashLSH

    return tuple(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)


@functools.lru_cache(maxsize=1 << 16)
def _signature(printed: str) -> bytes:
    """The MinHash (NUM_PERM, SEED) of a fingerprint's shingles; kept, since the alerts of one run
    group many of the same posts (a spike's, its negative posts', a topic's)."""
    hashes = _empty_minhash().copy()
    hashes.update_batch([s.encode() for s in shingles(printed)])
    return hashes.hashvalues.astype("uint64").tobytes()


@functools.cache
def _empty_minhash():  # noqa: ANN202 (datasketch is imported when first used)
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def _group(copies: list[Copy]) -> CopyGroup:
    reached = max(copies, key=lambda p: p.reach)  # max keeps the first (earliest) of equals
    return CopyGroup(tuple(p.key for p in copies), copies[0].key, reached.key)
