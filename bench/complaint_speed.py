"""Complaint scoring speed on real Weibo posts: the cue phrases with and without the anchor prefilter.

    nice python -m bench.complaint_speed [--posts 10000] [--repeats 3]

The first N texts of weibo_senti_100k_dev.tsv and weibo2018_train.csv (bench.weibo_posts for the
data folder), cleaned, segmented and sentiment-scored beforehand as the transform does. Prints
CPU seconds per 10,000 posts (best of the repeats, this process): the cue phrases (cues, severity
cues, defects) run exhaustively and through the prefilter, the prefilter's anchor scan alone, and
the whole verdict (`complaints.assess`: both Bayes models and the cues); the share of posts where
any cue pattern has to run; and whether both paths found the same on every post.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench.transform_speed import real_texts
from transforms import complaint_cues, fastsnow, textprep
from transforms.complaints import assess
from transforms.sentiment import shipped_scorer

PER = 10_000


def cues_of(cleaned: str, prefilter: bool) -> tuple:
    """What the cue phrases find in one cleaned post, with or without the prefilter."""
    found = complaint_cues.found_anchors(cleaned) if prefilter else None
    return (complaint_cues.matches(cleaned, complaint_cues.CUES, found),
            complaint_cues.matches(cleaned, complaint_cues.SEVERITY_CUES, found),
            complaint_cues.stated_defect(cleaned, found))


def cpu_per(items: list, work: Callable, repeats: int) -> float:
    """Best CPU seconds per PER items of `work(item)` over `repeats` runs."""
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - began)
    return best * PER / len(items)


def main(argv: list[str] | None = None) -> None:
    """Entry point: `python -m bench.complaint_speed`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=PER)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cleaned = [textprep.clean(t) for t in real_texts()[:args.posts]]
    model = shipped_scorer().model
    prepared = [textprep.mark_phrases(c, w) for c, w in zip(cleaned, fastsnow.segment_many(cleaned))]
    analyses = fastsnow.analyze(prepared, model, workers=1)
    inputs = [(c, fastsnow.filter_stopwords(a.words), a.sentiment) for c, a in zip(cleaned, analyses)]
    same = sum(cues_of(c, True) == cues_of(c, False) for c in cleaned)
    groups = [p for cue in complaint_cues.CUES + complaint_cues.SEVERITY_CUES for p in cue.patterns]
    groups += complaint_cues.DEFECT
    busy = sum(any(not complaint_cues.cannot_match(p.anchors, complaint_cues.found_anchors(c)) for p in groups)
               for c in cleaned)
    exhaustive = cpu_per(cleaned, lambda c: cues_of(c, False), args.repeats)
    prefiltered = cpu_per(cleaned, lambda c: cues_of(c, True), args.repeats)
    scan = cpu_per(cleaned, complaint_cues.found_anchors, args.repeats)
    verdict = cpu_per(inputs, lambda i: assess(*i), args.repeats)
    print(f"{len(cleaned)} real posts; CPU s per {PER:,} posts, best of {args.repeats}")
    print(f"cue phrases, every pattern run:   {exhaustive:6.2f}")
    print(f"cue phrases, anchor prefilter:    {prefiltered:6.2f}  (the anchor scan alone {scan:.2f});"
          f" {exhaustive / prefiltered:.1f}x")
    print(f"whole verdict (complaints.assess): {verdict:6.2f}")
    print(f"posts where some pattern runs: {busy / len(cleaned):.1%}; same cues on {same} of {len(cleaned)} posts")


if __name__ == "__main__":
    main()
