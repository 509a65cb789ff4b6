"""snownlp's naive Bayes sentiment model, with the same arithmetic and the fast segmenter.

`Sentiment.classify` in snownlp segments the text, drops stop words, then for each class k
sums `log(total_k) - log(total)` and `log(count_k(w) / total_k)` word by word (add-one counts),
and turns the sums into a probability with `1 / sum(exp(s_other - s_k))`. The same float
operations run here in the same order, so probabilities match to the last bit; only the
per-word logarithms are memoised.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from math import exp, log
from pathlib import Path

from transforms.fastsnow import snownlp_files
from transforms.fastsnow.parallel import segment_parallel
from transforms.fastsnow.segmenter import segment_many


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """snownlp's stop words (`snownlp.normal.stop`), read from its own file."""
    text = snownlp_files.stopwords_file().read_bytes().decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines())


def filter_stopwords(words: Iterable[str]) -> list[str]:
    """`snownlp.normal.filter_stop`: the words that are not stop words, in order."""
    stop = stopwords()
    return [w for w in words if w not in stop]


class _ClassCounts:
    """One class of snownlp's Bayes model: an `AddOneProb` (counts, total, count of unseen words)."""

    __slots__ = ("counts", "total", "none")

    def __init__(self, counts: dict[str, int], total: float, none: int) -> None:
        self.counts, self.total, self.none = counts, total, none

    def as_snownlp_dict(self) -> dict:
        """The `__dict__` snownlp saves for an `AddOneProb`."""
        return {"d": self.counts, "total": self.total, "none": self.none}


class SentimentModel:
    """A snownlp sentiment model (its Bayes counts), scoring like `Sentiment.classify`."""

    def __init__(self, classes: dict[str, _ClassCounts], total: float) -> None:
        self._classes = classes
        self._total = total
        self._names = list(classes)
        self._priors: list[float] | None = None  # computed on first use, as snownlp does
        self._unseen_logs: tuple[float, ...] = ()
        self._word_logs: dict[str, tuple[float, ...]] = {}

    @classmethod
    def from_snownlp_dict(cls, data: dict) -> SentimentModel:
        """A model from the dict snownlp's `Bayes.save` writes ({'total', 'd': {class: AddOneProb}})."""
        classes = {name: _ClassCounts(v["d"], v["total"], v["none"]) for name, v in data["d"].items()}
        return cls(classes, data["total"])

    @classmethod
    def load(cls, path: str | os.PathLike) -> SentimentModel:
        """Load a file written by `Sentiment().save(path)`; like snownlp, reads `path + '.3'`.

        If that file does not exist but `path` itself does (a name that already ends in
        '.3'), `path` is read instead.
        """
        base = Path(path)
        if not snownlp_files.marshal_path(base).exists() and base.exists() and base.suffix == ".3":
            base = base.with_suffix("")
        return cls.from_snownlp_dict(snownlp_files.read_marshal(base))

    @classmethod
    def stock(cls) -> SentimentModel:
        """snownlp's shipped sentiment model (what `SnowNLP(text).sentiments` uses)."""
        return _stock_model()

    def to_snownlp_dict(self) -> dict:
        """The dict snownlp's `Bayes.save` writes for this model."""
        return {"total": self._total, "d": {k: c.as_snownlp_dict() for k, c in self._classes.items()}}

    def save(self, path: str | os.PathLike) -> Path:
        """Write `path + '.3'` (gzip + marshal) exactly as snownlp's `Sentiment.save(path)`; returns it."""
        return snownlp_files.write_marshal(path, self.to_snownlp_dict())

    def _logs_of(self, word: str) -> tuple[float, ...]:
        """log(count_k(word) / total_k) per class; memoised for the model's own words only, so
        a long-running scorer's memory stays bounded by the vocabulary."""
        logs = self._word_logs.get(word)
        if logs is None:
            classes = self._classes.values()
            if not any(word in c.counts for c in classes):
                return self._unseen_logs
            logs = self._word_logs[word] = tuple(log(float(c.counts.get(word, c.none)) / c.total) for c in classes)
        return logs

    def probability_of_words(self, filtered_words: Sequence[str]) -> float:
        """P(positive) for words already segmented and stop-word filtered (`Bayes.classify`)."""
        if self._priors is None:
            self._priors = [log(c.total) - log(self._total) for c in self._classes.values()]
            self._unseen_logs = tuple(log(float(c.none) / c.total) for c in self._classes.values())
        scores = list(self._priors)
        n = len(scores)
        for word in filtered_words:
            logs = self._logs_of(word)
            for i in range(n):
                scores[i] += logs[i]
        best_name, best = 0, 0
        for i in range(n):
            now = 0
            try:
                for j in range(n):
                    now += exp(scores[j] - scores[i])
                now = 1 / now
            except OverflowError:
                now = 0
            if now > best:
                best_name, best = self._names[i], now
        return best if best_name == "pos" else 1 - best

    def log_odds(self, word: str) -> float:
        """log P(word | pos) - log P(word | neg) under the model's add-one counts; 0 for a word
        neither class has seen. Which words pushed a text towards a class, for explanations."""
        if not any(word in c.counts for c in self._classes.values()):
            return 0.0
        logs = dict(zip(self._names, self._logs_of(word)))
        return logs["pos"] - logs["neg"]

    def probability(self, text: str) -> float:
        """P(positive) for one text, exactly `Sentiment.classify(text)` with this model."""
        return self.probability_of_words(filter_stopwords(segment_many([text])[0]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SentimentModel):
            return NotImplemented
        return self.to_snownlp_dict() == other.to_snownlp_dict()

    def __getstate__(self) -> dict:
        return {"data": self.to_snownlp_dict()}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(SentimentModel.from_snownlp_dict(state["data"]).__dict__)


@lru_cache(maxsize=1)
def _stock_model() -> SentimentModel:
    return SentimentModel.load(snownlp_files.sentiment_model_base())


def train_from_words(docs: Iterable[tuple[Sequence[str], str]]) -> SentimentModel:
    """snownlp's `Bayes.train` on (filtered words, class) pairs: add-one counts per class."""
    classes: dict[str, _ClassCounts] = {}
    for doc_words, label in docs:
        counts = classes.get(label)
        if counts is None:
            counts = classes[label] = _ClassCounts({}, 0.0, 1)
        d, total = counts.counts, counts.total
        for word in doc_words:
            total += 1  # AddOneProb.add(word, 1)
            if word not in d:
                d[word] = 1
                total += 1
            d[word] += 1
        counts.total = total
    return SentimentModel(classes, sum(c.total for c in classes.values()))


def train_bayes(neg_docs: Sequence[str], pos_docs: Sequence[str], workers: int | None = None) -> SentimentModel:
    """Exactly the model `snownlp.sentiment.Sentiment().train(neg_docs, pos_docs)` builds, faster.

    Segmentation uses both cores for big corpora (see `parallel.segment_parallel`).
    """
    docs = list(neg_docs) + list(pos_docs)
    segmented = segment_parallel(docs, workers=workers)
    labels = ["neg"] * len(neg_docs) + ["pos"] * len(pos_docs)
    return train_from_words((filter_stopwords(w), label) for w, label in zip(segmented, labels))
