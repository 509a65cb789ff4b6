"""Key terms of a text, ranked from the segmentation already computed (no second segmentation).

Ranking: TextRank as in snownlp's `KeywordTextRank` (words are linked when they fall within a
window of 5 consecutive candidate words; damping 0.85; at most 200 iterations or until no
score moves by more than 0.001), made deterministic: snownlp iterates sets, so its order of
equal scores changes from process to process, whereas here ties go to the word seen first.
Candidates drop what makes poor topic terms on social media: snownlp's stop words, single
characters, tokens with no letter or Chinese character (punctuation, numbers), links,
@mentions (a token with '@', or the word right after one ending in '@') and Weibo
emoticons (a word between '[' and ']', such as [哈哈]). Punctuation clinging to a token
("way." -> "way") is trimmed.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter, sub, truediv

from transforms.fastsnow.bayes import stopwords

WINDOW = 5
DAMPING = 0.85
MAX_ITERATIONS = 200
MIN_CHANGE = 0.001
_BASE = 1 - DAMPING
PUNCTUATION = string.punctuation + "，。！？、；：“”‘’（）【】《》〈〉「」『』～…—·￥"


def is_candidate(word: str) -> bool:
    """Whether a (trimmed) word may be a keyword: 2+ characters with a letter or Chinese
    character, not a stop word, link or @mention."""
    if len(word) < 2 or word in stopwords() or "@" in word:
        return False
    lowered = word.lower()
    if "://" in lowered or lowered.startswith("www."):
        return False
    return any(ch.isalpha() for ch in word)


@lru_cache(maxsize=1 << 16)
def _trimmed_candidate(word: str) -> str:
    """The word trimmed of clinging punctuation if it may be a keyword, else ''; an @mention never is."""
    if "@" in word:
        return ""
    trimmed = word.strip(PUNCTUATION)
    return trimmed if is_candidate(trimmed) else ""


def _candidates(words: Sequence[str]) -> list[str]:
    """Trimmed candidate words in text order, without Weibo emoticons and @mentions."""
    out = []
    before = ""
    for i, word in enumerate(words):
        trimmed = _trimmed_candidate(word)
        # "@" then a Chinese name is a mention; a word between "[" and "]" an emoticon
        if trimmed and not (before.endswith("@") or (
                before.endswith("[") and i + 1 < len(words) and words[i + 1].startswith("]"))):
            out.append(trimmed)
        before = word
    return out


def keywords(words: Sequence[str], limit: int = 5) -> list[str]:
    """Up to `limit` key terms of a segmented text, best first (TextRank; ties: first seen)."""
    candidates = _candidates(words)
    index: dict[str, int] = {}  # word → its number, in first-seen order
    links: list[dict[int, None]] = []  # each word's neighbours, in the order they were linked
    recent: list[int] = []
    for word in candidates:
        node = index.setdefault(word, len(index))
        if node == len(links):
            links.append({})
        for other in recent[-(WINDOW - 1):]:
            if other != node:
                links[node][other] = None
                links[other][node] = None
        recent.append(node)
    scores = _textrank(links)
    ranked = sorted(range(len(scores)), key=lambda node: (-scores[node], node))
    words_seen = list(index)
    return [words_seen[node] for node in ranked[:max(0, limit)]]


def _textrank(links: list[dict[int, None]]) -> list[float]:
    """TextRank scores of a graph's nodes. Each node's sum adds its neighbours' shares in the order
    they were linked, as `sum` over a word's links did when words were dict keys, so the floats
    (and their ties) are exactly those; a 0.0 share read first makes every gather a tuple."""
    zero = len(links)
    gathers = [itemgetter(zero, *linked) if linked else itemgetter(zero, zero) for linked in links]
    degrees = [len(linked) or 1 for linked in links]  # an unlinked node's share is never read
    scores = [1.0] * len(links)
    for _ in range(MAX_ITERATIONS):
        shares = list(map(truediv, scores, degrees))
        shares.append(0.0)
        updated = [_BASE + DAMPING * sum(gather(shares)) for gather in gathers]
        change = max(map(abs, map(sub, updated, scores)), default=0.0)
        scores = updated
        if change <= MIN_CHANGE:
            break
    return scores
