"""Hot topics measured on real Weibo posts: false topics on a quiet window, and an injected story.

    python -m bench.topics_eval [--data ../shared/data/sentiment/weibo_senti_100k_dev.tsv]

Real posts (weibo_senti_100k dev split, segmented like the pipeline: snownlp words without stop
words) are shuffled into a baseline of 5,000 posts and a current window of 300 posts, 20 times.
Printed per window: topics found in the untouched window (nothing happened: each is a false
topic) and how often a story of k posts slipped into the window is found as one topic holding
most of its posts. The story's ten posts are written for this check (a foreign object in a
coffee chain's latte); everything else is real.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

from transforms.fastsnow import stopwords, words
from transforms.topics import DEFAULT_TOPICS, detect_topics

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment" / "weibo_senti_100k_dev.tsv"
STORY = [
    "在星巴克的拿铁里喝出了异物，门店态度很差", "星巴克喝出异物，要求退款被拒绝", "星巴克咖啡里有异物，客服不回复",
    "星巴克异物事件，门店拒绝退款太离谱", "喝出异物还不给退款，星巴克你怎么解释", "星巴克拿铁喝出异物，已经投诉了",
    "朋友在星巴克喝出异物，去医院检查了", "星巴克的异物问题有人管吗", "看到星巴克异物的新闻，不敢喝了",
    "星巴克回应异物事件：正在调查",
]
RUNS, WINDOW, BASELINE = 20, 300, 5000
STORY_SIZES = (3, 5, 8, 10)


def terms(text: str) -> list[str]:
    """Segmentation as the pipeline supplies it: no stop words, no punctuation-only tokens."""
    return [w for w in words(text) if w not in stopwords() and any(ch.isalnum() for ch in w)]


def main(argv: list[str] | None = None) -> int:
    """Print false topics per window and the injected story's detection rate by size."""
    parser = argparse.ArgumentParser(prog="python -m bench.topics_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="label<TAB>text Weibo posts")
    args = parser.parse_args(argv)
    with args.data.open(newline="", encoding="utf-8") as handle:
        texts = [row[1] for row in csv.reader(handle, delimiter="\t") if len(row) > 1]
    docs = [(f"weibo{i}", terms(text)) for i, text in enumerate(texts)]
    story = [(f"story{i}", terms(text)) for i, text in enumerate(STORY)]
    rng = random.Random(0)

    false_topics = false_alerts = 0
    found = dict.fromkeys(STORY_SIZES, 0)
    for _ in range(RUNS):
        rng.shuffle(docs)
        current, baseline = docs[:WINDOW], docs[WINDOW:WINDOW + BASELINE]
        quiet = detect_topics(current, baseline)
        false_topics += len(quiet)
        false_alerts += sum(t.alert for t in quiet)
        for size in STORY_SIZES:
            injected = {key for key, _ in story[:size]}
            topics = detect_topics(current + story[:size], baseline)
            found[size] += any(len(injected & set(t.post_keys)) >= 0.6 * size for t in topics)

    print(f"# Hot topics on real Weibo posts ({len(docs)} posts; window {WINDOW}, baseline {BASELINE}, "
          f"{RUNS} shuffles; DEFAULT_TOPICS min_docs {DEFAULT_TOPICS.min_docs}, min_score {DEFAULT_TOPICS.min_score})\n")
    print(f"False topics per quiet window: {false_topics / RUNS:.2f}; false topic alerts: {false_alerts / RUNS:.2f}\n")
    print("| story posts in the window | found as a topic |")
    print("|---|---|")
    for size in STORY_SIZES:
        print(f"| {size} | {found[size]}/{RUNS} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
