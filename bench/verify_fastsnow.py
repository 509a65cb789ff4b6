"""Identity check: transforms.fastsnow against plain snownlp on every real Weibo post we have.

    python -m bench.verify_fastsnow [--limit N] [--train-docs 4000] [--model PATH ...]

For each post of both shared sentiment files (about 22,000; see bench.weibo_posts for the
data folder) it compares `SnowNLP(text).words` with `fastsnow` words, and sentiment
probabilities for snownlp's stock model, for a model snownlp trains here on --train-docs
weibo2018 posts, and for any --model file (snownlp's format, e.g. the project's own model).
It also checks that `fastsnow.train_bayes` builds exactly the model snownlp trained.
Plain snownlp is slow (about 3 segmentations per post), so it runs on every core; expect
a few minutes. Exits 1 on any word mismatch or a probability difference above 1e-9.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

from bench.weibo_posts import SENTI_100K_DEV, WEIBO_2018, data_dir, read_senti_100k, read_weibo2018

TOLERANCE = 1e-9
_plain_models: list = []


def _plain_reference(texts: list[str]) -> list[tuple[list[str], list[float]]]:
    """Plain snownlp's words and per-model probabilities (runs in a forked worker)."""
    import snownlp

    out = []
    for text in texts:
        doc = snownlp.SnowNLP(text)
        out.append((doc.words, [doc.sentiments] + [m.classify(text) for m in _plain_models]))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.verify_fastsnow`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="check only the first N posts")
    parser.add_argument("--train-docs", type=int, default=4000, help="weibo2018 posts snownlp trains the custom model on")
    parser.add_argument("--model", type=Path, action="append", default=[], help="an extra sentiment model file to check")
    parser.add_argument("--workers", type=int, default=None, help="processes for plain snownlp (default: all cores)")
    args = parser.parse_args(argv)

    folder = data_dir()
    dev, w2018 = read_senti_100k(folder / SENTI_100K_DEV), read_weibo2018(folder / WEIBO_2018)
    texts = [text for _, text in dev + w2018][: args.limit]
    print(f"{len(texts)} posts: {folder / SENTI_100K_DEV} and {folder / WEIBO_2018}")

    from snownlp.sentiment import Sentiment

    from transforms.fastsnow import SentimentModel, analyze, train_bayes
    from transforms.fastsnow.parallel import default_workers

    train = w2018[: args.train_docs]
    neg = [t for label, t in train if label == 0]
    pos = [t for label, t in train if label == 1]
    start = time.perf_counter()
    trained = Sentiment()
    trained.train(neg, pos)
    plain_train_s = time.perf_counter() - start
    start = time.perf_counter()
    fast_trained = train_bayes(neg, pos)
    fast_train_s = time.perf_counter() - start
    plain_dict = {"total": trained.classifier.total,
                  "d": {k: v.__dict__ for k, v in trained.classifier.d.items()}}
    same_training = fast_trained.to_snownlp_dict() == plain_dict
    print(f"train_bayes on {len(neg)} neg + {len(pos)} pos docs: {'identical' if same_training else 'DIFFERENT'}"
          f" to snownlp's Sentiment.train ({plain_train_s:.1f} s plain, {fast_train_s:.2f} s fast)")

    with tempfile.TemporaryDirectory(prefix="verify_fastsnow") as tmp:
        trained_path = Path(tmp) / "weibo2018_sample.marshal"
        trained.save(str(trained_path))
        model_paths = [trained_path] + args.model
        names = ["stock", f"trained on {len(train)} weibo2018 posts"] + [str(p) for p in args.model]
        for path in model_paths:
            plain_model = Sentiment()
            plain_model.load(str(path))
            _plain_models.append(plain_model)
        fast_models = [SentimentModel.stock()] + [SentimentModel.load(p) for p in model_paths]

    start = time.perf_counter()
    fast = [analyze(texts, model) for model in fast_models]
    fast_s = time.perf_counter() - start
    workers = args.workers or default_workers()
    size = -(-len(texts) // (workers * 8)) or 1
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        plain = [row for part in pool.map(_plain_reference, chunks) for row in part]
    plain_s = time.perf_counter() - start

    word_mismatches = 0
    max_diff = [0.0] * len(fast_models)
    for i, (text, (plain_words, plain_probs)) in enumerate(zip(texts, plain)):
        if plain_words != fast[0][i].words:
            word_mismatches += 1
            if word_mismatches <= 5:
                print(f"WORDS DIFFER for {text!r}:\n  snownlp  {plain_words}\n  fastsnow {fast[0][i].words}")
        for m, plain_prob in enumerate(plain_probs):
            max_diff[m] = max(max_diff[m], abs(plain_prob - fast[m][i].sentiment))
    print(f"word mismatches: {word_mismatches} of {len(texts)}")
    for name, diff in zip(names, max_diff):
        print(f"max |sentiment diff|, {name} model: {diff:.3g}")
    print(f"time: plain snownlp {plain_s:.1f} s on {workers} core(s) (words + {len(fast_models)} models),"
          f" fastsnow {fast_s:.2f} s")
    ok = same_training and word_mismatches == 0 and all(d <= TOLERANCE for d in max_diff)
    print("IDENTICAL" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
