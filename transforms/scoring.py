"""Everything the pipeline stores about a post's text, from one segmentation per distinct text.

For each text: the cleaned text (`textprep.clean`), snownlp's words of it (segmented once, on
both cores for big batches), the model's input built from those words (`textprep.mark_phrases`),
its sentiment and three-way label (`transforms.sentiment`), the complaint verdict with its
probability, categories, severity and reasons (`transforms.complaints`, on the same prepared
words), keywords ranked on the same words (`fastsnow.keywords`), and the post's terms for
topic detection (`topic_terms`). Keywords and topic terms read the words re-cut so that dictionary
phrases (brand names, products, a user dictionary: `transforms.lexicon`) are whole; sentiment and
complaints read snownlp's words as they are.

Agreement rule: the sentiment probability is the model's, untouched; the label of a post that
is a complaint with a concrete problem, a demand or a complaint channel in its words (a cue of
signal problem / demand / channel) is `neg`, whatever band the probability fell in — "变质了还在卖,
要求赔偿" is negative even when the words of the sentence look mild to the sentiment model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from transforms import fastsnow, textprep
from transforms.complaint_cues import CUES
from transforms.complaints import Complaint, Reason, assess
from transforms.lexicon import Lexicon
from transforms.sentiment import Scorer, shipped_scorer
from transforms.terms import BREAK

KEYWORDS_PER_POST = 8
# Single characters that are grammar, never part of a name: topic terms leave them out. Other
# single-character stop words stay, since snownlp cuts words through them (拿|铁, 摄|像|头).
FUNCTION_CHARS = frozenset(
    "的了着过吗呢吧啊呀哦嘛啦呗么之乎兮焉矣哉也是在和与及或且而但并把被给让对从向于以为因由就都又"
    "我你他她它您咱们这那此其某每各该谁啥哪怎咋个一地得所者若如虽则即既故乃将当"
    "哈哎唉嗯哇哟呵嘿嘻喂呃呜哼嗬嘎嘘咦咚哗吓呸啐喏嗳哩")# Cue signals that make a complaint's negativity explicit (see the agreement rule above).
EXPLICIT_SIGNALS = frozenset({"problem", "demand", "channel"})
_SIGNAL_OF = {cue.code: cue.signal for cue in CUES}


@dataclass(frozen=True, slots=True)
class TextScores:
    """What the pipeline stores per text. `label` follows the agreement rule; `sentiment` is the
    model's P(positive). Complaint fields: see `transforms.complaints.Complaint`."""

    clean_text: str
    sentiment: float
    label: str
    complaint: bool
    complaint_score: float
    complaint_categories: tuple[str, ...]
    severity: str
    reasons: tuple[Reason, ...]
    severity_reasons: tuple[Reason, ...]
    keywords: tuple[str, ...]
    terms: tuple[str, ...]
    model: str


def agreed_label(label: str, found: Complaint) -> str:
    """`neg` for a complaint with an explicit problem, demand or channel cue; `label` otherwise."""
    if found.is_complaint and any(_SIGNAL_OF.get(r.code) in EXPLICIT_SIGNALS for r in found.reasons):
        return "neg"
    return label


@dataclass(frozen=True, slots=True)
class Judged:
    """One text's sentiment, agreed label and complaint verdict, with the words they came from."""

    clean_text: str
    words: list[str]
    sentiment: float
    label: str
    complaint: Complaint


def judge(texts: Sequence[str], scorer: Scorer | None = None, workers: int | None = None) -> list[Judged]:
    """Sentiment and complaint for each distinct text, in order of first appearance.

    The complaint model reads the shipped sentiment model's prepared words and probability;
    `scorer` (default: the shipped model) gives the sentiment and label that are reported.
    """
    shipped = shipped_scorer()
    scorer = scorer or shipped
    distinct = list(dict.fromkeys(texts))
    cleaned = [textprep.clean(text) for text in distinct]
    words = fastsnow.segment_parallel(cleaned, workers=workers)
    prepared = [textprep.mark_phrases(c, w) for c, w in zip(cleaned, words)]
    analyses = fastsnow.analyze(prepared, shipped.model, workers=workers)
    if scorer is shipped:
        reported = [(a.sentiment, scorer.band.label(a.sentiment)) for a in analyses]
    else:
        reported = [(s.probability, s.label) for s in scorer.score(distinct, workers=workers)]
    out = []
    for clean, text_words, analysis, (probability, label) in zip(cleaned, words, analyses, reported):
        found = assess(clean, fastsnow.filter_stopwords(analysis.words), analysis.sentiment)
        out.append(Judged(clean, text_words, probability, agreed_label(label, found), found))
    return out


def score_texts(texts: Sequence[str], workers: int | None = None, lexicon: Lexicon | None = None) -> list[TextScores]:
    """Scores for each text, in input order; each distinct text is computed once. `lexicon`: the
    phrases keywords and topic terms keep whole (the config's `topic_phrases`)."""
    scorer = shipped_scorer()
    lexicon = lexicon or Lexicon()
    distinct = list(dict.fromkeys(texts))
    by_text = {}
    for text, j in zip(distinct, judge(distinct, scorer, workers)):
        c = j.complaint
        words = lexicon.recut(j.clean_text, j.words)
        by_text[text] = TextScores(
            clean_text=j.clean_text, sentiment=j.sentiment, label=j.label,
            complaint=c.is_complaint, complaint_score=c.score, complaint_categories=c.categories,
            severity=c.severity, reasons=c.reasons, severity_reasons=c.severity_reasons,
            keywords=tuple(fastsnow.keywords(words, KEYWORDS_PER_POST)), terms=topic_terms(words),
            model=scorer.name)
    return [by_text[text] for text in texts]


def load_models() -> None:
    """Load what `score_texts` reads (models, segmenter tables, converter) into this process, by
    scoring one word: a pool forked afterwards shares them instead of loading them per worker."""
    score_texts(["加载"], workers=1)


def topic_terms(words: Sequence[str]) -> tuple[str, ...]:
    """The words that can make a topic, in text order, with `BREAK` where a clause ends.

    Punctuation and emoticon tokens become breaks (one between two words at most, none at either
    end): no phrase runs across a comma. Stop words of two or more characters and `FUNCTION_CHARS`
    are left out, so the words around them are adjacent ("外卖又洒了" → 外卖, 洒), as one story is
    worded many ways. Other single characters stay, stop words or not: adjacent ones still form
    phrases ("喝" + "出", "拿" + "铁", "摄" + "像" + "头").
    """
    out: list[str] = []
    for word in words:
        role = _topic_role(word)
        if role == _ENDS_CLAUSE:
            if out and out[-1] != BREAK:
                out.append(BREAK)
        elif role == _KEPT:
            out.append(word)
    if out and out[-1] == BREAK:
        out.pop()
    return tuple(out)


_ENDS_CLAUSE, _KEPT, _LEFT_OUT = "ends a clause", "kept", "left out"


@lru_cache(maxsize=1 << 16)
def _topic_role(word: str) -> str:
    """What a word is to `topic_terms` (words recur across posts, so each is judged once)."""
    if word.startswith(textprep.EMOTICON_PREFIX) or not any(ch.isalnum() for ch in word):
        return _ENDS_CLAUSE
    if word in FUNCTION_CHARS or (len(word) > 1 and word in fastsnow.stopwords()):
        return _LEFT_OUT
    return _KEPT
