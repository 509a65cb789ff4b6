"""Near-duplicate grouping on real Weibo posts: time per batch, how many copies it finds, and
whether MinHash LSH proposes every pair an exhaustive comparison accepts (transforms.neardup).

The posts are ../shared/data/sentiment/weibo_senti_100k_dev.tsv (or $BRANDMON_DATA_DIR), plus
copies of some with characters replaced, so there are pairs on both sides of the threshold.

    python -m bench.neardup_speed [--posts 3000] [--edited 600]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.transforms.test_neardup import pairwise_groups
from transforms import neardup

DATA = Path(os.environ.get("BRANDMON_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
T0 = datetime(2026, 11, 26, tzinfo=timezone.utc)


def weibo_posts(limit: int, edited: int, seed: int = 3) -> list[neardup.Copy]:
    """`limit` real posts, one second apart, then `edited` of them an hour later with 1-6 characters replaced."""
    with open(DATA / "sentiment" / "weibo_senti_100k_dev.tsv", encoding="utf-8", newline="") as handle:
        texts = [row[1] for row in csv.reader(handle, delimiter="\t") if len(row) == 2][:limit]
    posts = [neardup.Copy(f"p{i}", text, T0 + timedelta(seconds=i)) for i, text in enumerate(texts)]
    rng = random.Random(seed)
    for i, post in enumerate(posts[:edited]):
        chars = list(post.text)
        for _ in range(rng.randint(1, 6)):
            chars[rng.randrange(len(chars))] = rng.choice("的了是我你他好坏")
        posts.append(neardup.Copy(f"e{i}", "".join(chars), post.published_at + timedelta(hours=1)))
    return posts


def _normal(groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted(tuple(sorted(keys)) for keys in groups)


def timed(posts: list[neardup.Copy]) -> tuple[list[neardup.CopyGroup], float]:
    began = time.perf_counter()
    groups = neardup.group_copies(posts)
    return groups, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--edited", type=int, default=600)
    args = parser.parse_args()
    posts = weibo_posts(args.posts, args.edited)
    print(f"{len(posts)} posts ({args.posts} real Weibo posts + {args.edited} edited copies), "
          f"threshold {neardup.THRESHOLD}, {neardup.SHINGLE}-character shingles, LSH at {neardup.LSH_THRESHOLD}")
    print(f"{'candidates':>12} {'seconds':>8} {'posts/s':>8} {'groups':>7} {'with copies':>12} {'posts in them':>14}")
    groups, seconds = timed(posts)
    multi = [g for g in groups if g.count > 1]
    print(f"{'MinHash LSH':>12} {seconds:>8.2f} {len(posts) / seconds:>8.0f} {len(groups):>7} {len(multi):>12} "
          f"{sum(g.count for g in multi):>14}")
    began = time.perf_counter()
    exhaustive = pairwise_groups(posts)
    seconds = time.perf_counter() - began
    multi = [keys for keys in exhaustive if len(keys) > 1]
    print(f"{'exhaustive':>12} {seconds:>8.2f} {len(posts) / seconds:>8.0f} {len(exhaustive):>7} {len(multi):>12} "
          f"{sum(len(keys) for keys in multi):>14}")
    same = _normal([g.keys for g in groups]) == _normal(exhaustive)
    print(f"LSH grouping {'equals' if same else 'DIFFERS FROM'} the exhaustive one")


if __name__ == "__main__":
    main()
