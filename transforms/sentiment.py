"""Sentiment of posts: P(positive) from our snownlp Bayes model, and a pos / neu / neg label.

The model is a plain snownlp sentiment model (the file `Sentiment().save()` writes) trained on
prepared text (`transforms.textprep`), so for any post

    snownlp.sentiment.Sentiment().load(MODEL_BASE); .classify(prepare(text))

gives exactly `sentiments([text])[0].probability`. Scoring runs on `transforms.fastsnow`
(snownlp's arithmetic, bit for bit, without importing snownlp). The label uses the neutral
band stored beside the model (see `docs/sentiment.md` for how the band was chosen).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from transforms import fastsnow, textprep

MODELS_DIR = Path(__file__).resolve().parent / "models"
# What snownlp's `Sentiment().load()` takes: it reads this name + '.3'.
MODEL_BASE = MODELS_DIR / "sentiment.marshal"
METADATA_PATH = MODELS_DIR / "sentiment.json"


@dataclass(frozen=True, slots=True)
class NeutralBand:
    """Probabilities in [low, high] are 'neu': too close to call on held-out data."""

    low: float
    high: float

    def label(self, probability: float) -> str:
        """'neg' below the band, 'pos' above it, 'neu' inside."""
        if probability < self.low:
            return "neg"
        if probability > self.high:
            return "pos"
        return "neu"


@dataclass(frozen=True, slots=True)
class SentimentScore:
    """One post's P(positive) and its three-way label."""

    probability: float
    label: str


@dataclass(frozen=True)
class Scorer:
    """A snownlp model, the neutral band for its labels, and whether it reads prepared text."""

    name: str
    model: fastsnow.SentimentModel
    band: NeutralBand
    prepared: bool = True

    def score(self, texts: Sequence[str], workers: int | None = None) -> list[SentimentScore]:
        """Score many texts in one batch (10k lines are fine), in input order."""
        inputs = prepare_many(texts) if self.prepared else [text or "" for text in texts]
        analyses = fastsnow.analyze(inputs, self.model, workers=workers)
        return [SentimentScore(a.sentiment, self.band.label(a.sentiment)) for a in analyses]


def prepare_many(texts: Sequence[str]) -> list[str]:
    """The text the model reads for each post: `clean`, snownlp's words, `mark_phrases`."""
    cleaned = [textprep.clean(text) for text in texts]
    words = fastsnow.segment_many(cleaned)
    return [textprep.mark_phrases(c, w) for c, w in zip(cleaned, words)]


def prepare(text: str) -> str:
    """`prepare_many` for one text."""
    return prepare_many([text])[0]


def read_metadata(path: Path = METADATA_PATH) -> dict:
    """The model's metadata: provenance, recipe, fold metrics and neutral bands."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def band_from(metadata: dict, key: str = "neutral_band") -> NeutralBand:
    """The neutral band stored under `key` in a model's metadata."""
    band = metadata[key]
    return NeutralBand(float(band["low"]), float(band["high"]))


def load_scorer(model_base: str | Path | None = None) -> Scorer:
    """Our model (default: the shipped one) with the band from its metadata JSON beside it.

    `model_base` is the name given to snownlp's `load` (the file is `model_base + '.3'`); its
    metadata is `model_base` with '.json' in place of '.marshal'.
    """
    if model_base is None:
        return shipped_scorer()
    base = Path(model_base)
    if base.suffix == ".3":
        base = base.with_suffix("")
    return Scorer(str(base), fastsnow.SentimentModel.load(base), band_from(read_metadata(metadata_path_for(base))))


def metadata_path_for(model_base: Path) -> Path:
    """Where the metadata of a model saved as `model_base` lives."""
    return model_base.with_suffix(".json")


@lru_cache(maxsize=1)
def shipped_scorer() -> Scorer:
    """The model shipped in transforms/models (loaded once per process)."""
    return Scorer("brandmon", fastsnow.SentimentModel.load(MODEL_BASE), band_from(read_metadata()))


@lru_cache(maxsize=1)
def stock_scorer() -> Scorer:
    """snownlp's stock model on raw text, for comparison; its band was chosen by the same rule."""
    return Scorer("snownlp", fastsnow.SentimentModel.stock(), band_from(read_metadata(), "stock_neutral_band"),
                  prepared=False)


def sentiments(texts: Sequence[str], workers: int | None = None) -> list[SentimentScore]:
    """P(positive) and label for each text with the shipped model, in input order."""
    return shipped_scorer().score(texts, workers=workers)
