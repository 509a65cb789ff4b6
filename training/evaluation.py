"""Held-out evaluation shared by every trained signal: hash folds, ROC AUC and accuracy figures.

Folds are fixed by a hash of the text, so duplicates never straddle train and test, and every
run gives the same folds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from training.corpora import Example

FOLDS = 5


@dataclass(frozen=True, slots=True)
class Metrics:
    """Held-out figures of P(positive) against labels."""

    n: int
    accuracy: float
    roc_auc: float
    negative_recall: float


def fold_of(text: str, folds: int = FOLDS) -> int:
    """The fold a text belongs to: a hash of the text, so copies share a fold."""
    return int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % folds


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (ties count half), by the rank-sum formula."""
    y, s = np.asarray(labels), np.asarray(scores, dtype=float)
    order = np.argsort(s, kind="mergesort")
    _, inverse, counts = np.unique(s[order], return_inverse=True, return_counts=True)
    mean_rank = np.bincount(inverse, weights=np.arange(1, len(s) + 1)) / counts
    ranks = np.empty(len(s))
    ranks[order] = mean_rank[inverse]
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def metrics(labels: Sequence[int], probs: Sequence[float]) -> Metrics:
    """Accuracy and negative recall at 0.5, and ROC AUC."""
    y, p = np.asarray(labels), np.asarray(probs, dtype=float)
    pred = (p > 0.5).astype(int)
    negatives = y == 0
    return Metrics(n=len(y), accuracy=float((pred == y).mean()), roc_auc=roc_auc(y, p),
                   negative_recall=float((pred[negatives] == 0).mean()) if negatives.any() else float("nan"))


def metrics_by_group(examples: Sequence[Example], probs: Sequence[float],
                     groups: dict[str, Sequence[str]]) -> dict[str, Metrics]:
    """Metrics over the examples of each named group of sources."""
    out = {}
    for name, sources in groups.items():
        idx = [i for i, ex in enumerate(examples) if ex.source in sources]
        out[name] = metrics([examples[i].label for i in idx], [probs[i] for i in idx])
    return out
