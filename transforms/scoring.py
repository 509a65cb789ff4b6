"""Everything the pipeline stores about a post's text, from one segmentation per distinct text.

For each text: the cleaned text (`textprep.clean`), snownlp's words of it (segmented once, on
both cores for big batches), the model's input built from those words (`textprep.mark_phrases`),
its sentiment and three-way label (`transforms.sentiment`), complaint verdict, score and reasons
(`transforms.complaints`), keywords ranked on the same words (`fastsnow.keywords`), and the
post's terms for topic detection (the same words without stop words, punctuation, emoticons).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transforms import fastsnow, textprep
from transforms.complaints import complaint_from_clean
from transforms.sentiment import shipped_scorer

KEYWORDS_PER_POST = 8


@dataclass(frozen=True, slots=True)
class TextScores:
    clean_text: str
    sentiment: float
    label: str
    complaint: bool
    complaint_score: float
    reasons: tuple[str, ...]
    keywords: tuple[str, ...]
    terms: tuple[str, ...]
    model: str


def score_texts(texts: Sequence[str], workers: int | None = None) -> list[TextScores]:
    """Scores for each text, in input order; each distinct text is computed once."""
    distinct = list(dict.fromkeys(texts))
    scorer = shipped_scorer()
    cleaned = [textprep.clean(text) for text in distinct]
    words = fastsnow.segment_parallel(cleaned, workers=workers)
    prepared = [textprep.mark_phrases(c, w) for c, w in zip(cleaned, words)]
    sentiments = [a.sentiment for a in fastsnow.analyze(prepared, scorer.model, workers=workers)]
    by_text = {}
    for text, clean, text_words, probability in zip(distinct, cleaned, words, sentiments):
        verdict = complaint_from_clean(clean, probability)
        by_text[text] = TextScores(
            clean_text=clean, sentiment=probability, label=scorer.band.label(probability),
            complaint=verdict.is_complaint, complaint_score=verdict.score, reasons=verdict.reasons,
            keywords=tuple(fastsnow.keywords(text_words, KEYWORDS_PER_POST)), terms=topic_terms(text_words),
            model=scorer.name)
    return [by_text[text] for text in texts]


def topic_terms(words: Sequence[str]) -> tuple[str, ...]:
    """Words that can make a topic, in text order: no stop words, emoticon tokens or punctuation.

    Single characters stay: adjacent ones still form phrases ("喝" + "出").
    """
    stop = fastsnow.stopwords()
    return tuple(w for w in words if w not in stop and not w.startswith(textprep.EMOTICON_PREFIX)
                 and any(ch.isalnum() for ch in w))
