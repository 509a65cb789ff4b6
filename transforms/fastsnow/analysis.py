"""Score many texts at once: words and sentiment per text, each distinct text once, big batches on
every core (see `transforms.fastsnow.parallel`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transforms.fastsnow.bayes import SentimentModel, filter_stopwords
from transforms.fastsnow.parallel import copy_repeats, per_distinct
from transforms.fastsnow.segmenter import segment_many


@dataclass(frozen=True, slots=True)
class Analysis:
    """One text's snownlp segmentation and its P(positive) under the model used."""

    words: list[str]
    sentiment: float


def analyze(texts: Sequence[str], model: SentimentModel, workers: int | None = None) -> list[Analysis]:
    """Words and sentiment for each text, in order; equal to snownlp's, each distinct text computed once.

    `workers`: processes for big batches (default: all cores; 1 = stay in this process).
    """
    scored = per_distinct(_analyze_chunk, texts, workers, model)
    word_lists = copy_repeats(texts, [words for words, _ in scored])
    return [Analysis(words, sentiment) for words, (_, sentiment) in zip(word_lists, scored)]


def _analyze_chunk(texts: Sequence[str], model: SentimentModel) -> list[tuple[list[str], float]]:
    return [(words, model.probability_of_words(filter_stopwords(words))) for words in segment_many(texts)]
