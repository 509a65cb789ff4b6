"""Text preparation before sentiment scoring: the same steps before training and before scoring.

Two pure steps (snownlp's segmenter does the cutting in between, see `transforms.sentiment`):

1. `clean(text)`: Traditional → Simplified (OpenCC), NFKC (full-width → half-width), drop links,
   HTML, @mentions, repost and reply markers (`//@name:`, `回复@name:`), the `{%…%}` card markup
   of some Weibo exports and Weibo UI artefacts (`网页链接`, `展开全文`); keep the words of
   `#话题#` and of repost chains (a repost quotes what the reposter passes on); turn Weibo
   emoticons such as `[哈哈]` `[怒]` into tokens of their own; lower-case; put spaces around
   punctuation and emoji so each is a token.
2. `mark_phrases(cleaned, words)`: given snownlp's words of the cleaned text, replace each
   negated word (`不 满意`, `没有 质量`) by a negation token and append one token per
   modifier + word pair (`很 好`, `不 推荐`), so the bag-of-words Bayes model sees them.

Added tokens are ASCII (`emo_…`, `neg_…`, `mod_…`, the UTF-8 bytes in hex): snownlp keeps a
non-Chinese, space-free string as one word, so the model file needs nothing new.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Longer posts are cut: it bounds the cost of one line and a Bayes score is saturated long before.
MAX_CHARS = 5000

EMOTICON_PREFIX = "emo_"
NEGATION_PREFIX = "neg_"
MODIFIER_PREFIX = "mod_"

# Words that negate what follows, as snownlp's segmenter cuts them.
NEGATORS = frozenset({
    "不", "没", "没有", "无", "未", "别", "非", "不怎么", "并不", "毫无", "从不", "绝不", "决不",
    "不再", "甭", "莫", "勿", "不要", "不是", "没什么", "不太", "不够", "不大", "不算", "不会",
    "不能", "不用", "不必", "从未", "并非", "绝非", "毫不",
})
# Words allowed between a negator and the word it negates (不 太 满意, 没 什么 意思).
NEGATION_SKIP = frozenset({
    "太", "很", "是", "怎么", "那么", "会", "再", "够", "算", "大", "也", "都", "还", "就", "这么",
    "特别", "非常", "十分", "很多", "什么", "一点", "有", "能", "可以", "要", "被",
})
# A negated word is looked for among this many words after the negator.
NEGATION_SCOPE = 3
# Degree and negation words whose pairing with the next word is a feature (很 好, 太 差, 不 推荐).
MODIFIERS = NEGATORS | frozenset({
    "很", "太", "非常", "特别", "十分", "挺", "真", "超", "好", "最", "比较", "有点", "有些", "一点",
    "还", "也", "都", "更", "太过", "极", "极其", "相当", "实在", "根本", "完全", "一般", "还是",
})

_INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_IMG_ALT = re.compile(r"<img\b[^>]*?\balt=\"([^\"]*)\"[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]{1,500}>")
_CARD = re.compile(r"\{%(.*?)%\}")
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
_WEIBO_ARTEFACTS = re.compile(r"O?网页链接|展开全文c?|显示地图|原图")
_REPOST_MARK = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]|回复\s*@[^:：\s]{1,30}\s*[:：]")
_MENTION = re.compile(r"@[\w\-·]{1,30}")
_HASHTAG = re.compile(r"#([^#\n]{1,60})#")
_EMOTICON = re.compile(r"\[([\u4e00-\u9fa5A-Za-z0-9]{1,8})\]")
_PUNCT = re.compile(r"([^\w\s])")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def ascii_token(prefix: str, *words: str) -> str:
    """One token snownlp keeps whole: the prefix and each word's UTF-8 bytes in hex, '_'-joined."""
    return prefix + "_".join(w.encode("utf-8").hex() for w in words)


def _card(match: re.Match) -> str:
    inner = match.group(1)
    return f" {inner} " if inner.startswith("#") else " "


def _emoticon(match: re.Match) -> str:
    return f" {ascii_token(EMOTICON_PREFIX, match.group(1).lower())} "


def clean(text: str | None) -> str:
    """The post as the sentiment model reads it (see the module doc); '' for None or blank text."""
    if not text:
        return ""
    t = _t2s().convert(text[:MAX_CHARS])
    t = unicodedata.normalize("NFKC", html.unescape(t))
    t = _INVISIBLE.sub(" ", t)
    t = _IMG_ALT.sub(r" \1 ", t)  # Weibo renders emoticons as <img alt="[哈哈]">
    t = _HTML_TAG.sub(" ", t)
    t = _CARD.sub(_card, t)
    t = _URL.sub(" ", t)
    t = _WEIBO_ARTEFACTS.sub(" ", t)
    t = _REPOST_MARK.sub(" ", t)
    t = _MENTION.sub(" ", t)
    t = _HASHTAG.sub(r" \1 ", t)
    t = _EMOTICON.sub(_emoticon, t)
    t = _PUNCT.sub(r" \1 ", t.lower())
    return _SPACES.sub(" ", t).strip()


def _is_wordlike(word: str) -> bool:
    return any(c.isalnum() for c in word) and not word.startswith(EMOTICON_PREFIX)


def negated_positions(words: Sequence[str]) -> list[int]:
    """Indexes of the words a negator negates: the first word within NEGATION_SCOPE words after
    it that is not a NEGATION_SKIP word; punctuation ends the scope."""
    found, scope = [], 0
    for i, word in enumerate(words):
        if word in NEGATORS:
            scope = NEGATION_SCOPE
            continue
        if scope and not _is_wordlike(word):
            scope = 0
        if scope:
            scope -= 1
            if word not in NEGATION_SKIP:
                found.append(i)
                scope = 0
    return found


def modifier_pairs(words: Sequence[str]) -> list[tuple[str, str]]:
    """(modifier, next word) for each MODIFIERS word followed by a word (not punctuation)."""
    return [(a, b) for a, b in zip(words, words[1:]) if a in MODIFIERS and _is_wordlike(b)]


def mark_phrases(cleaned: str, words: Sequence[str]) -> str:
    """The model's text: `cleaned` with negated words replaced by `neg_…` tokens, then one
    `mod_…` token per modifier pair. `words` must be snownlp's words of `cleaned`, in order."""
    negated = set(negated_positions(words))
    pieces, copied, pos = [], 0, 0
    for i, word in enumerate(words):
        start = cleaned.find(word, pos)  # words are in-order substrings; only spaces lie between
        if start < 0:
            raise ValueError(f"{word!r} is not a word of the cleaned text at offset {pos}")
        pos = start + len(word)
        if i in negated:
            pieces.append(cleaned[copied:start])
            pieces.append(f" {ascii_token(NEGATION_PREFIX, word)} ")
            copied = pos
    pieces.append(cleaned[copied:])
    pieces.extend(f" {ascii_token(MODIFIER_PREFIX, a, b)}" for a, b in modifier_pairs(words))
    return _SPACES.sub(" ", "".join(pieces)).strip()
