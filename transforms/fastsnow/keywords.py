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

from transforms.fastsnow.bayes import stopwords

WINDOW = 5
DAMPING = 0.85
MAX_ITERATIONS = 200
MIN_CHANGE = 0.001
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


def _candidates(words: Sequence[str]) -> list[str]:
    """Trimmed candidate words in text order, without Weibo emoticons and @mentions."""
    out = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        emoticon = before.endswith("[") and i + 1 < len(words) and words[i + 1].startswith("]")
        mention = "@" in word or before.endswith("@")  # "@name" or "@" then a Chinese name
        trimmed = word.strip(PUNCTUATION)
        if not (emoticon or mention) and is_candidate(trimmed):
            out.append(trimmed)
    return out


def keywords(words: Sequence[str], limit: int = 5) -> list[str]:
    """Up to `limit` key terms of a segmented text, best first (TextRank; ties: first seen)."""
    candidates = _candidates(words)
    neighbours: dict[str, dict[str, None]] = {}
    for i, word in enumerate(candidates):
        links = neighbours.setdefault(word, {})
        for other in candidates[max(0, i - WINDOW + 1):i]:
            if other != word:
                links[other] = None
                neighbours[other][word] = None
    scores = dict.fromkeys(neighbours, 1.0)
    for _ in range(MAX_ITERATIONS):
        updated = {}
        for word, links in neighbours.items():
            updated[word] = (1 - DAMPING) + DAMPING * sum(scores[o] / len(neighbours[o]) for o in links)
        change = max((abs(updated[w] - scores[w]) for w in scores), default=0.0)
        scores = updated
        if change <= MIN_CHANGE:
            break
    first_seen = {w: i for i, w in reversed(list(enumerate(candidates)))}
    ranked = sorted(scores, key=lambda w: (-scores[w], first_seen[w]))
    return ranked[:max(0, limit)]
