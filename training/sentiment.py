"""Train snownlp sentiment models on prepared text, evaluate them on held-out folds, pick the band.

The model is snownlp's naive Bayes, unchanged: per class, add-one word counts (`AddOneProb`)
in snownlp's file format. What we choose is the data and how much each document counts:

- the text is prepared first (`transforms.sentiment.prepare_many`), exactly as when scoring;
- each distinct word of a document counts once (`binary`), so one post repeating [泪] nine
  times does not outweigh nine posts;
- a document weighs `doc_weight * source weight * (REFERENCE_LENGTH / words) ** length_power`:
  long documents do not drown short posts, and with a doc weight below 1 the add-one prior
  weighs more against the counts (the model trusts words seen rarely less).

`PLAIN_RECIPE` (raw text, every occurrence counts 1) builds what snownlp's `Sentiment.train`
builds. Data: `training.corpora`; folds and metrics: `training.evaluation`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from training.corpora import (
    DATA_FILES,
    SOURCE_REVIEWS,
    SOURCE_USER,
    SOURCE_WEIBO2018,
    SOURCE_WEIBO_SENTI,
    WEIBO_SOURCES,
    Example,
    default_data_dir,
    distinct,
    read_labelled_file,
    shipped_training_data,
)
from training.evaluation import FOLDS, Metrics, fold_of, metrics, metrics_by_group
from transforms import fastsnow, sentiment
from transforms.fastsnow import snownlp_files

# The neutral band holds the posts whose held-out pos/neg call is right at most this often.
NEUTRAL_MAX_ACCURACY = 0.6


# Below this many examples per class a user's data cannot place a band; the shipped one is kept.
MIN_PER_CLASS_FOR_BAND = 100


# Documents of this many words weigh `doc_weight` when `length_power` > 0.
REFERENCE_LENGTH = 20


@dataclass(frozen=True)
class Recipe:
    """How documents are counted (see the module doc)."""

    doc_weight: float = 1.0
    source_weights: dict[str, float] = field(default_factory=dict)
    length_power: float = 0.0
    binary: bool = False
    prepared: bool = True

    def weight(self, source: str, n_words: int) -> float:
        """What one document from `source` with `n_words` words adds per word counted."""
        weight = self.doc_weight * self.source_weights.get(source, 1.0)
        if self.length_power:
            weight *= (REFERENCE_LENGTH / max(1, n_words)) ** self.length_power
        return weight

    def as_json(self) -> dict:
        """The recipe as stored in model metadata."""
        return asdict(self) | {"reference_length": REFERENCE_LENGTH}


# Chosen on the folds of weibo2018 and the reviews, confirmed on weibo_senti_100k
# (`python -m bench.sentiment_eval --grid` prints the search).
SHIPPED_RECIPE = Recipe(doc_weight=1.0, source_weights={SOURCE_REVIEWS: 1.25}, length_power=0.75, binary=True)
PLAIN_RECIPE = Recipe(doc_weight=1.0, prepared=False)


def tokens_of(texts: Sequence[str], prepared: bool = True, workers: int | None = None) -> list[list[str]]:
    """The words the model counts for each text: snownlp's words, stop words removed, of the
    prepared text (or of the raw text, as stock snownlp does, when `prepared` is False)."""
    inputs = sentiment.prepare_many(texts) if prepared else list(texts)
    return [fastsnow.filter_stopwords(w) for w in fastsnow.segment_parallel(inputs, workers=workers)]


def count_model(docs: Iterable[tuple[Sequence[str], int, float]], binary: bool = False,
                base: fastsnow.SentimentModel | None = None) -> fastsnow.SentimentModel:
    """snownlp's Bayes model from (words, label, weight) documents, added to `base` if given.

    Per class, like `AddOneProb.add(word, weight)` for every word occurrence (every distinct
    word once if `binary`): a word's count is 1 + the weights added, and the class total sums
    the weights plus one per distinct word.
    """
    data = base.to_snownlp_dict() if base is not None else {"total": 0.0, "d": {}}
    classes = {name: {"d": dict(c["d"]), "total": c["total"], "none": c["none"]} for name, c in data["d"].items()}
    for name in ("neg", "pos"):  # Sentiment.train adds the negative documents first
        classes.setdefault(name, {"d": {}, "total": 0.0, "none": 1})
    for words, label, weight in docs:
        if weight <= 0:
            continue
        cls = classes["pos" if label == 1 else "neg"]
        counts, total = cls["d"], cls["total"]
        for word, n in (dict.fromkeys(words, 1) if binary else Counter(words)).items():
            if word not in counts:
                counts[word] = 1
                total += 1
            counts[word] += weight * n
            total += weight * n
        cls["total"] = total
    model = {"total": sum(c["total"] for c in classes.values()), "d": classes}
    return fastsnow.SentimentModel.from_snownlp_dict(model)


def out_of_fold(examples: Sequence[Example], tokens: Sequence[Sequence[str]], recipe: Recipe,
                train_sources: Sequence[str] | None = None, base: fastsnow.SentimentModel | None = None,
                folds: int = FOLDS) -> np.ndarray:
    """P(positive) of every example from a model that did not see its fold.

    Each fold's model counts the other folds' examples of `train_sources` (default: all), on
    top of `base` if given.
    """
    fold = np.array([fold_of(ex.text, folds) for ex in examples])
    allowed = np.array([train_sources is None or ex.source in train_sources for ex in examples])
    weights = [recipe.weight(ex.source, len(t)) for ex, t in zip(examples, tokens)]
    probs = np.zeros(len(examples))
    for k in range(folds):
        train = np.flatnonzero((fold != k) & allowed)
        model = count_model(((tokens[i], examples[i].label, weights[i]) for i in train), recipe.binary, base)
        for i in np.flatnonzero(fold == k):
            probs[i] = model.probability_of_words(tokens[i])
    return probs


def choose_neutral_band(probs: Sequence[float], labels: Sequence[int], groups: Sequence[str],
                        max_accuracy: float = NEUTRAL_MAX_ACCURACY) -> sentiment.NeutralBand:
    """The widest band around 0.5 whose held-out pos/neg calls are right at most `max_accuracy`
    of the time, each side on its own, every group (data set) weighing the same.

    On each side of 0.5 the posts are taken from the middle outwards; the band edge is the
    last probability at which the share of correct calls among the posts taken so far is
    still <= `max_accuracy`. So 'neu' holds exactly the posts where the model is near chance.
    """
    p, y, g = np.asarray(probs, dtype=float), np.asarray(labels), np.asarray(groups)
    weight = np.zeros(len(p))
    for group in np.unique(g):
        weight[g == group] = 1.0 / (g == group).sum()
    edges = []
    for side in ("high", "low"):
        on_side = p > 0.5 if side == "high" else p <= 0.5
        idx = np.flatnonzero(on_side)
        idx = idx[np.argsort(p[idx] if side == "high" else -p[idx], kind="mergesort")]
        correct = (y[idx] == (1 if side == "high" else 0)).astype(float)
        share = np.cumsum(weight[idx] * correct) / np.cumsum(weight[idx])
        # the last prefix still near chance; ties in probability go in or out together
        ok = np.flatnonzero(share <= max_accuracy + 1e-12)  # 3 of 5 is 60 %, whatever the float sums
        ok = [i for i in ok if i + 1 == len(idx) or p[idx[i + 1]] != p[idx[i]]]
        edges.append(float(p[idx[ok[-1]]]) if ok else 0.5)
    return sentiment.NeutralBand(low=min(edges[1], 0.5), high=max(edges[0], 0.5))


def train_model(examples: Sequence[Example], recipe: Recipe, tokens: Sequence[Sequence[str]] | None = None,
                base: fastsnow.SentimentModel | None = None) -> fastsnow.SentimentModel:
    """The model counted on all `examples` with the recipe's weights (on top of `base`)."""
    if tokens is None:
        tokens = tokens_of([ex.text for ex in examples], prepared=recipe.prepared)
    docs = ((t, ex.label, recipe.weight(ex.source, len(t))) for t, ex in zip(tokens, examples))
    return count_model(docs, recipe.binary, base)
EVAL_GROUPS = {
    "weibo (both sets)": WEIBO_SOURCES,
    SOURCE_WEIBO_SENTI: (SOURCE_WEIBO_SENTI,),
    SOURCE_WEIBO2018: (SOURCE_WEIBO2018,),
    "reviews": (SOURCE_REVIEWS,),
}


def save_model(model: fastsnow.SentimentModel, metadata: dict, model_base: str | Path) -> dict:
    """Write the snownlp model file (`model_base` + '.3') and its metadata JSON beside it;
    returns the metadata as written (with the file name and a hash of the model's content)."""
    model_base = Path(model_base)
    model_base.parent.mkdir(parents=True, exist_ok=True)
    path = model.save(model_base)
    metadata = dict(metadata, model_file=path.name, model_sha256=content_digest(model))
    sentiment.metadata_path_for(model_base).write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return metadata


def content_digest(model: fastsnow.SentimentModel) -> str:
    """SHA-256 of the model's counts as sorted JSON: equal for equal models, whatever the gzip
    header or marshal's internal references of a particular save."""
    canonical = json.dumps(model.to_snownlp_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _band_json(band: sentiment.NeutralBand) -> dict:
    return {"low": round(band.low, 6), "high": round(band.high, 6)}


def _metrics_json(by_group: dict[str, Metrics]) -> dict:
    return {name: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(m).items()}
            for name, m in by_group.items()}


def rebuild_shipped(data_dir: str | Path | None = None, model_base: str | Path = sentiment.MODEL_BASE,
                    command: str = "brandmon train-sentiment --rebuild-shipped") -> dict:
    """Rebuild the shipped model from its data: out-of-fold metrics and band, then the model on
    all data; writes the model file and its metadata; returns the metadata."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    examples = shipped_training_data(data_dir)
    tokens = tokens_of([ex.text for ex in examples])
    probs = out_of_fold(examples, tokens, SHIPPED_RECIPE)
    labels = [ex.label for ex in examples]
    groups = [ex.source for ex in examples]
    band = choose_neutral_band(probs, labels, groups)
    raw_tokens = tokens_of([ex.text for ex in examples], prepared=False)
    stock = fastsnow.SentimentModel.stock()
    stock_band = choose_neutral_band([stock.probability_of_words(t) for t in raw_tokens], labels, groups)
    model = train_model(examples, SHIPPED_RECIPE, tokens)
    counts = Counter((ex.source, ex.label) for ex in examples)
    metadata = {
        "model": "snownlp naive Bayes sentiment model (snownlp file format), trained on prepared text",
        "built": dt.date.today().isoformat(),
        "command": command,
        "snownlp_version": snownlp_files.version(),
        "recipe": SHIPPED_RECIPE.as_json(),
        "data": {
            SOURCE_WEIBO_SENTI: {"file": DATA_FILES[SOURCE_WEIBO_SENTI], **_sizes(counts, SOURCE_WEIBO_SENTI)},
            SOURCE_WEIBO2018: {"file": DATA_FILES[SOURCE_WEIBO2018], **_sizes(counts, SOURCE_WEIBO2018)},
            SOURCE_REVIEWS: {"file": "snownlp/sentiment/{neg,pos}.txt (installed package)",
                             **_sizes(counts, SOURCE_REVIEWS)},
        },
        "dedup": "each (source, text) once; blank texts and texts labelled both ways dropped",
        "folds": f"{FOLDS} folds by md5(text) % {FOLDS}",
        "fold_metrics": _metrics_json(metrics_by_group(examples, probs, EVAL_GROUPS)),
        "neutral_band": _band_json(band),
        "stock_neutral_band": _band_json(stock_band),
        "neutral_band_rule": (f"widest band around 0.5 whose out-of-fold pos/neg calls are right at most "
                              f"{NEUTRAL_MAX_ACCURACY:.0%} of the time, each side separately, data sets weighted equally"),
    }
    return save_model(model, metadata, model_base)


def _sizes(counts: Counter, source: str) -> dict:
    return {"positive": counts[(source, 1)], "negative": counts[(source, 0)]}


def train_user_model(path: str | Path, model_base: str | Path, combine: bool = True,
                     weight: float = 1.0) -> dict:
    """Train on a user's labelled file, on top of the shipped model's counts if `combine`.

    Each user document counts `weight` times as much as one shipped Weibo post. Out-of-fold
    metrics on the user's data are reported for the new model and the shipped one; the band is
    chosen on them when each class has MIN_PER_CLASS_FOR_BAND examples, else the shipped band is
    kept. Writes the model and its metadata; returns the metadata.
    """
    examples = distinct(read_labelled_file(path))
    if not examples:
        raise ValueError(f"{path}: no labelled texts")
    recipe = replace(SHIPPED_RECIPE, source_weights={SOURCE_USER: weight})
    shipped = sentiment.shipped_scorer()
    base = shipped.model if combine else None
    tokens = tokens_of([ex.text for ex in examples])
    labels = [ex.label for ex in examples]
    per_class = Counter(labels)
    metadata: dict = {
        "model": "snownlp naive Bayes sentiment model (snownlp file format), trained on prepared text",
        "built": dt.date.today().isoformat(),
        "data": {"file": str(path), "positive": per_class[1], "negative": per_class[0]},
        "combined_with_shipped": combine,
        "recipe": recipe.as_json(),
    }
    if min(per_class[0], per_class[1]) >= 2 * FOLDS:
        probs = out_of_fold(examples, tokens, recipe, base=base)
        shipped_probs = [shipped.model.probability_of_words(t) for t in tokens]
        metadata["fold_metrics"] = asdict(metrics(labels, probs))
        metadata["shipped_model_on_this_data"] = asdict(metrics(labels, shipped_probs))
    if min(per_class[0], per_class[1]) >= MIN_PER_CLASS_FOR_BAND:
        band = choose_neutral_band(probs, labels, [SOURCE_USER] * len(labels))
        metadata["neutral_band_from"] = "out-of-fold probabilities on this data"
    else:
        band = shipped.band
        metadata["neutral_band_from"] = "the shipped model (too few examples to place a band)"
    metadata["neutral_band"] = _band_json(band)
    model = train_model(examples, recipe, tokens, base=base)
    return save_model(model, metadata, model_base)
