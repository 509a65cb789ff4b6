"""P(complaint) from two snownlp Bayes models, the sentiment and the cues, calibrated on held-out folds.

A complaint is text about a product or service bought or used that voices dissatisfaction with
it. The model follows that definition in two learned parts and one calibrated combination:

- **context** (`complaint_context.marshal.3`): P(the text is about a product or service a
  consumer bought or used) — reviews and complaints against Weibo posts about everything else;
- **dissatisfaction** (`complaint_dissatisfaction.marshal.3`): P(dissatisfied | consumer text)
  — negative reviews and complaints against positive reviews;
- **combination** (`complaint.json`): logistic regression on the logits of both, the shipped
  sentiment's P(negative), their products (context AND negative) and the cue signals of
  `transforms.complaint_cues`, fitted on out-of-fold scores (so it is Platt scaling of the
  stack: its output is a probability). A post is a complaint from `threshold`.

Both Bayes models are plain snownlp models on the sentiment model's prepared words (one
segmentation serves both). Built by `brandmon train-complaints --rebuild-shipped`
(`training.complaints`); figures in docs/complaints.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from transforms import fastsnow
from transforms.complaint_cues import SIGNALS

MODELS_DIR = Path(__file__).resolve().parent / "models"
CONTEXT_BASE = MODELS_DIR / "complaint_context.marshal"
DISSATISFACTION_BASE = MODELS_DIR / "complaint_dissatisfaction.marshal"
METADATA_PATH = MODELS_DIR / "complaint.json"
LOGIT_LIMIT = 10.0  # Bayes probabilities saturate; beyond this the logit says nothing more
FEATURES = ("context", "negative", "dissatisfaction", "context_x_negative", "context_x_dissatisfaction",
            *(f"cue_{s}" for s in SIGNALS))


def logit(p: float) -> float:
    """log(p / (1 - p)), clipped to ±LOGIT_LIMIT."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return max(-LOGIT_LIMIT, min(LOGIT_LIMIT, math.log(p / (1 - p))))


def feature_vector(context: float, dissatisfaction: float, sentiment: float, signals: Sequence[str]) -> list[float]:
    """The combination's inputs (in FEATURES order) from the two Bayes probabilities, the
    sentiment's P(positive) and the cue signals that fired."""
    c, d, n = logit(context), logit(dissatisfaction), logit(1.0 - sentiment)
    return [c, n, d, c * n, c * d, *(1.0 if s in signals else 0.0 for s in SIGNALS)]


@dataclass(frozen=True)
class Combination:
    """Standardised logistic regression: P = σ(b + Σ wᵢ (xᵢ − meanᵢ) / scaleᵢ)."""

    weights: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, features: Sequence[float]) -> float:
        """The calibrated probability for one feature vector."""
        z = self.intercept + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, features, self.means, self.scales))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def as_json(self) -> dict:
        """How the combination is stored in complaint.json."""
        return {"features": list(FEATURES), "weights": list(self.weights), "intercept": self.intercept,
                "means": list(self.means), "scales": list(self.scales)}

    @classmethod
    def from_json(cls, data: dict) -> Combination:
        """The combination stored by `as_json`; refuses a file made for other features."""
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"complaint model features {data['features']} are not {list(FEATURES)}")
        return cls(tuple(data["weights"]), float(data["intercept"]), tuple(data["means"]), tuple(data["scales"]))


@dataclass(frozen=True)
class ComplaintModel:
    """The two Bayes models, the combination, the threshold of a complaint and the highest
    P(positive) at which a stated defect still makes a complaint."""

    context: fastsnow.SentimentModel
    dissatisfaction: fastsnow.SentimentModel
    combination: Combination
    threshold: float
    defect_sentiment_ceiling: float

    def probability(self, model_words: Sequence[str], sentiment: float, signals: Sequence[str]) -> float:
        """P(complaint) for a text's prepared, stop-word-filtered words (what the sentiment
        model reads), its P(positive) and the cue signals that fired."""
        features = feature_vector(self.context.probability_of_words(model_words),
                                  self.dissatisfaction.probability_of_words(model_words), sentiment, signals)
        return self.combination.probability(features)

    def telling_words(self, model_words: Sequence[str], limit: int = 3, min_log_odds: float = 1.0) -> list[str]:
        """The text's words that most raise P(dissatisfied) (at least e^min_log_odds times more
        frequent in complaints), strongest first; readable words only (no marker tokens)."""
        scored = {w: self.dissatisfaction.log_odds(w) for w in model_words
                  if any("\u4e00" <= ch <= "\u9fff" for ch in w)}
        return [w for w, v in sorted(scored.items(), key=lambda kv: -kv[1]) if v >= min_log_odds][:limit]


def read_metadata(path: Path = METADATA_PATH) -> dict:
    """The shipped complaint model's metadata: data, recipe, combination, threshold, figures."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_model(context_base: Path, dissatisfaction_base: Path, metadata_path: Path) -> ComplaintModel:
    """A complaint model from its two snownlp files and its metadata JSON."""
    metadata = read_metadata(metadata_path)
    return ComplaintModel(fastsnow.SentimentModel.load(context_base), fastsnow.SentimentModel.load(dissatisfaction_base),
                          Combination.from_json(metadata["combination"]), float(metadata["threshold"]),
                          float(metadata["defect_sentiment_ceiling"]))


@lru_cache(maxsize=1)
def shipped_model() -> ComplaintModel:
    """The complaint model shipped in transforms/models (loaded once per process)."""
    return load_model(CONTEXT_BASE, DISSATISFACTION_BASE, METADATA_PATH)
