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

MinHash LSH (datasketch's MinHash values and bands, the signatures computed for all texts at once
with numpy) proposes candidates in near-linear time; each candidate is then checked
by the exact Jaccard similarity of the two sets, so no pair below the threshold is ever merged.
LSH is tuned for a lower similarity (LSH_THRESHOLD) so that it misses next to no pair above it: on
the tests' edited copies and on bench/neardup_speed.py's 3,600 Weibo posts it proposed every pair
an exhaustive comparison accepted. Grouping is by leader: posts are taken earliest first and each joins
the group whose first (earliest) text it is most like, so a chain of small edits cannot walk a
group from one text to an unrelated one.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from transforms import textprep

SHINGLE = 3
THRESHOLD = 0.6
NUM_PERM = 128  # MinHash size: a similarity estimate's standard error is at most 0.044
LSH_THRESHOLD = 0.3  # for recall (module doc): at 0.4, 6 of 30 draws of the test's edited copies lost a pair; at 0.3 none
SEED = 1
OPPOSITE = {"pos": "neg", "neg": "pos"}  # a pair so labelled is never merged
SIGNATURES_KEPT = 1 << 16
# Signatures by fingerprint, kept: the alerts of one run group many of the same posts (a spike's,
# its negative posts', a topic's).
_SIGNATURES: dict[str, Any] = {}

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
    return frozenset([printed[i:i + SHINGLE] for i in range(len(printed) - SHINGLE + 1)])


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
    labels = [copies[0].label for copies in by_print.values()]
    keys_of = _shared_bands(_band_ids(prints), [not p.startswith("\0") for p in prints])
    sets: dict[int, frozenset[str]] = {}  # made when a text first meets a candidate
    buckets: dict[int, list[int]] = {}  # a band and its values → leaders: MinHashLSH's hash tables
    leader_of = list(range(len(prints)))
    for index, keys in keys_of.items():  # earliest first
        candidates = {c for key in keys for c in buckets.get(key, ())}
        shingle_set = _made(sets, index, prints) if candidates else frozenset()
        size, opposite = len(shingle_set), OPPOSITE.get(labels[index])
        best, best_alike = index, -1.0  # the most alike leader, the earliest on a tie
        for c in candidates:
            other = len(_made(sets, c, prints))
            # |a ∩ b| ≤ the smaller size and |a ∪ b| ≥ the larger: sizes this unequal cannot be alike
            if (opposite and labels[c] == opposite) or min(size, other) / max(size, other) < threshold:
                continue
            shared = len(shingle_set & sets[c])
            alike = shared / (size + other - shared)
            if alike >= threshold and (alike > best_alike or (alike == best_alike and c < best)):
                best, best_alike = c, alike
        if best == index:
            for key in keys:
                buckets.setdefault(key, []).append(index)
        leader_of[index] = best
    members: dict[int, list[Copy]] = {}
    for index, leader in enumerate(leader_of):
        members.setdefault(leader, []).extend(by_print[prints[index]])
    return [_group(sorted(copies, key=lambda p: (p.published_at, p.key))) for copies in members.values()]


def _made(sets: dict[int, frozenset[str]], index: int, prints: Sequence[str]) -> frozenset[str]:
    """The shingles of fingerprint `index`, made once."""
    made = sets.get(index)
    if made is None:
        made = sets[index] = shingles(prints[index])
    return made


def _band_ids(prints: Sequence[str]):  # noqa: ANN202 (numpy is imported when first used)
    """Per fingerprint (a row) and band (a column), which MinHash LSH bucket it falls in
    (`datasketch.MinHashLSH` at LSH_THRESHOLD: two texts are candidates when some band holds the
    same values in both, so the same id); wordless posts (keyed "\0…") get an empty signature."""
    import numpy as np

    if not prints:
        return np.empty((0, len(_lsh_bands())), dtype=np.int64)
    prints = [p if not p.startswith("\0") else "" for p in prints]
    missing = [p for p in dict.fromkeys(prints) if p not in _SIGNATURES]
    _SIGNATURES.update(zip(missing, minhash_signatures(missing)))
    for stale in list(itertools.islice(_SIGNATURES, max(len(_SIGNATURES) - SIGNATURES_KEPT, 0))):
        del _SIGNATURES[stale]  # the oldest first
    signatures = np.stack([_SIGNATURES[p] for p in prints]).astype(np.uint64)
    ids = np.repeat(np.arange(len(_lsh_bands()), dtype=np.uint64).reshape(1, -1), len(prints), axis=0)
    for offset in range(max(end - start for start, end in _lsh_bands())):  # the band, then its values one by one
        columns = [start + offset for start, _ in _lsh_bands()]  # every band is as wide
        pairs = (ids << np.uint64(32)) | signatures[:, columns]  # ids stay below 2³², hash values fit 32 bits
        ids = np.unique(pairs, return_inverse=True)[1].reshape(pairs.shape).astype(np.uint64)
    return ids.astype(np.int64)


def _shared_bands(ids, worded: Sequence[bool]) -> dict[int, list[int]]:  # noqa: ANN001 (numpy array)
    """Per fingerprint with words, its band keys that another fingerprint with words holds too:
    the only ones that can make a candidate, so the others are never looked up."""
    import numpy as np

    worded = np.asarray(worded, dtype=bool)
    counts = np.bincount(ids[worded].reshape(-1), minlength=ids.size)
    shared = (counts[ids] > 1) & worded.reshape(-1, 1)
    rows = np.flatnonzero(shared.any(axis=1))
    sizes = shared[rows].sum(axis=1)
    keys = ids[shared].tolist()  # row by row
    return {row: keys[end - size:end] for row, end, size in zip(rows.tolist(), np.cumsum(sizes).tolist(), sizes.tolist())}


@functools.cache
def _lsh_bands() -> tuple[tuple[int, int], ...]:
    """The hash ranges datasketch's MinHashLSH bands a signature into at LSH_THRESHOLD."""
    from datasketch import MinHashLSH

    return tuple(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)


def minhash_signatures(prints: Sequence[str], chunk: int = 1 << 16):  # noqa: ANN201 (numpy is imported when first used)
    """The MinHash (NUM_PERM, SEED) of each fingerprint's shingles, one row each: the values of
    datasketch's `MinHash.update_batch` (its default affine32 scheme: the first four bytes of each
    shingle's SHA-1, little-endian, mixed by MurmurHash3's finalizer, then a·h + b mod 2³² per
    permutation, the least over the shingles), computed for all fingerprints at once, at most
    `chunk` shingles at a time. A fingerprint without shingles keeps the empty MinHash's values."""
    import numpy as np

    empty = _empty_minhash()
    a, b = (row.reshape(1, -1) for row in empty.permutations)
    signatures = np.repeat(empty.hashvalues.reshape(1, -1), len(prints), axis=0)
    sets = [shingles(p) for p in prints]
    distinct: dict[str, int] = {}  # each shingle is hashed once however many texts hold it
    indices = np.fromiter((distinct.setdefault(s, len(distinct)) for group in sets for s in group), dtype=np.int64)
    hashes = _fmix32(np.frombuffer(b"".join(hashlib.sha1(s.encode()).digest()[:4] for s in distinct), dtype="<u4"))
    owners = np.fromiter((row for row, group in enumerate(sets) if group), dtype=np.int64)
    starts = np.cumsum([0] + [len(group) for group in sets if group])
    first = 0
    while first < len(owners):  # whole fingerprints, about `chunk` shingles per step
        last = max(int(np.searchsorted(starts, starts[first] + chunk, side="right")) - 1, first + 1)
        values = hashes[indices[starts[first]:starts[last]]].reshape(-1, 1) * a + b
        signatures[owners[first:last]] = np.minimum.reduceat(values, starts[first:last] - starts[first], axis=0)
        first = last
    return signatures


def _fmix32(values):  # noqa: ANN001, ANN202 (numpy arrays)
    """MurmurHash3's 32-bit finalizer, as datasketch mixes a hash before permuting it."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


@functools.cache
def _empty_minhash():  # noqa: ANN202 (datasketch is imported when first used)
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def _group(copies: list[Copy]) -> CopyGroup:
    reached = max(copies, key=lambda p: p.reach)  # max keeps the first (earliest) of equals
    return CopyGroup(tuple(p.key for p in copies), copies[0].key, reached.key)
