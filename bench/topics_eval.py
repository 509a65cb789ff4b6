"""Hot topics measured on real Weibo posts: false topics in quiet windows, stories found, whole labels.

    python -m bench.topics_eval [--runs 30] [--story-runs 10] [--dev FILE] [--held-out FILE]

Real posts are shuffled into a current window of 300 posts and a baseline of 5,000, `--runs`
times (stories go into the first `--story-runs` of them), for each of two sets: the weibo_senti_100k dev split (the rules were settled on it) and
the 2018 Weibo posts, held out (run once the rules were fixed). Posts get their topic terms the
way the pipeline makes them (`transforms.scoring`: cleaned, segmented by snownlp, dictionary
phrases re-cut whole, stop words and clause breaks, the brand a break), with the brand's names
alone in the dictionary, or with its products too (`products:` in the config).

Printed per set and dictionary:
- quiet windows: topics found in the untouched window (each is a false topic) and false alerts;
  also against a 10,000-post baseline (where a topic may be new with up to 10 baseline posts);
- stories (`bench.topic_stories`: ten hand-segmented posts each, three held out) slipped into the
  window with 5 or 10 of their posts: found (one topic holds 60 % of them), and of the found
  topics' label parts and first 8 terms (what an alert shows) the share that are whole phrases;
- a growing story: 10 posts in one hour, 20 other posts the next (no post in common): alerts sent
  when keyed on the seed as before and keyed by story (`transforms.stories`), and how often a
  story took the key of another.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.topic_stories import BRAND, HELD_OUT, PRODUCTS, STORIES, is_whole, texts
from transforms import fastsnow, textprep
from transforms.lexicon import Lexicon
from transforms.scoring import topic_terms
from transforms.stories import Earlier, carry_keys
from transforms.terms import without_brand_names
from transforms.topics import Topic, detect_topics

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"
DEV = DATA / "weibo_senti_100k_dev.tsv"
HELD = DATA / "weibo2018_train.csv"
WINDOW, BASELINE, BIG_BASELINE = 300, 5000, 10_000
SIZES = (5, 10)
SHOWN_TERMS = 8
Doc = tuple[str, tuple[str, ...]]


def read_posts(path: Path) -> list[str]:
    """Post texts of a `label<TAB>text` file or an `id,label,text` file."""
    with path.open(newline="", encoding="utf-8") as handle:
        if path.suffix == ".tsv":
            return [row[1] for row in csv.reader(handle, delimiter="\t") if len(row) > 1]
        return [row[2] for row in csv.reader(handle) if len(row) > 2]


def segmented(posts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each post cleaned and cut into snownlp's words, as `transforms.scoring.judge` does."""
    cleaned = [textprep.clean(text) for text in posts]
    return list(zip(cleaned, fastsnow.segment_parallel(cleaned)))


def pipeline_terms(posts: Sequence[tuple[str, list[str]]], lexicon: Lexicon) -> list[tuple[str, ...]]:
    """Topic terms of segmented posts as `transforms.scoring.score_texts` and the transform step make them."""
    return [tuple(without_brand_names(topic_terms(lexicon.recut(c, w)), [BRAND])) for c, w in posts]


@dataclass
class Tally:
    """Counts over the runs of one set and dictionary."""

    quiet_topics: int = 0
    quiet_alerts: int = 0
    quiet_windows_alerting: int = 0
    big_quiet_alerts: int = 0
    found: dict[tuple[str, int], int] = field(default_factory=dict)
    label_parts: dict[bool, list[int]] = field(default_factory=lambda: {False: [0, 0], True: [0, 0]})
    labels: dict[bool, list[int]] = field(default_factory=lambda: {False: [0, 0], True: [0, 0]})
    terms: dict[bool, list[int]] = field(default_factory=lambda: {False: [0, 0], True: [0, 0]})
    examples: dict[str, str] = field(default_factory=dict)
    seed_alerts: dict[str, int] = field(default_factory=dict)
    story_alerts: dict[str, int] = field(default_factory=dict)
    wrong_merges: int = 0
    pairs: int = 0


def story_topic(topics: list[Topic], keys: set[str]) -> Topic | None:
    """The topic holding at least 60 % of the story's posts, if any."""
    return next((t for t in topics if len(keys & set(t.post_keys)) >= 0.6 * len(keys)), None)


def measure(docs: list[Doc], story_docs: dict[str, list[Doc]], runs: int, story_runs: int, seed: int) -> Tally:
    """Quiet windows over `runs` shuffles of `docs`; injected and growing stories in the first `story_runs`."""
    rng = random.Random(seed)
    tally = Tally()
    for run in range(runs):
        rng.shuffle(docs)
        current, baseline = docs[:WINDOW], docs[WINDOW:WINDOW + BASELINE]
        quiet = detect_topics(current, baseline)
        tally.quiet_topics += len(quiet)
        tally.quiet_alerts += sum(t.alert for t in quiet)
        tally.quiet_windows_alerting += any(t.alert for t in quiet)
        tally.big_quiet_alerts += sum(t.alert for t in detect_topics(current, docs[WINDOW:WINDOW + BIG_BASELINE]))
        if run >= story_runs:
            continue
        for name, posts in story_docs.items():
            held = name in HELD_OUT
            for size in SIZES:
                injected = [(f"{name}:{size}:{key}", terms) for key, terms in rng.sample(posts, size)]
                topic = story_topic(detect_topics(current + injected, baseline), {key for key, _ in injected})
                tally.found[name, size] = tally.found.get((name, size), 0) + (topic is not None)
                if topic is not None and size == 10:
                    _count_whole(tally, name, held, topic)
        _growing(tally, docs, story_docs, baseline, rng)
    return tally


def _count_whole(tally: Tally, name: str, held: bool, topic: Topic) -> None:
    parts = topic.label.split(" / ")
    whole = [is_whole(part, name) for part in parts]
    tally.label_parts[held][0] += sum(whole)
    tally.label_parts[held][1] += len(parts)
    tally.labels[held][0] += all(whole)
    tally.labels[held][1] += 1
    shown = topic.terms[:SHOWN_TERMS]
    tally.terms[held][0] += sum(is_whole(term, name) for term in shown)
    tally.terms[held][1] += len(shown)
    tally.examples.setdefault(name, topic.label)


def _growing(tally: Tally, docs: list[Doc], story_docs: dict[str, list[Doc]], baseline: list[Doc],
             rng: random.Random) -> None:
    """Each story in two hours: 10 posts, then 20 others (no post in common), each among other real posts."""
    first_hour, second_hour = docs[WINDOW + BASELINE:][:WINDOW], docs[WINDOW + BASELINE:][WINDOW:2 * WINDOW]
    firsts: dict[str, Topic | None] = {}
    seconds: dict[str, Topic | None] = {}
    for name, posts in story_docs.items():
        order = rng.sample(posts, len(posts))
        hour1 = [(f"{name}:h1:{i}", terms) for i, (_, terms) in enumerate(order[:5] * 2)]
        hour2 = [(f"{name}:h2:{i}", terms) for i, (_, terms) in enumerate(order[5:] * 4)]
        firsts[name] = story_topic(detect_topics(first_hour + hour1, baseline), {k for k, _ in hour1})
        seconds[name] = story_topic(detect_topics(second_hour + hour2, baseline), {k for k, _ in hour2})
    for name in story_docs:
        first, second = firsts[name], seconds[name]
        alerting = [t for t in (first, second) if t is not None and t.alert]
        tally.seed_alerts[name] = tally.seed_alerts.get(name, 0) + len({t.key for t in alerting})
        if second is not None and first is not None:
            second = carry_keys([second], [Earlier(first.key, first.terms, first.post_keys)])[0]
        alerting = [t for t in (first, second) if t is not None and t.alert]
        tally.story_alerts[name] = tally.story_alerts.get(name, 0) + len({t.key for t in alerting})
        for other, earlier in firsts.items():  # another story the hour before must not lend its key
            if other != name and earlier is not None and seconds[name] is not None:
                tally.pairs += 1
                carried = carry_keys([seconds[name]], [Earlier(earlier.key, earlier.terms, earlier.post_keys)])[0]
                tally.wrong_merges += carried.key == earlier.key != seconds[name].key


def report(title: str, tally: Tally, runs: int, story_runs: int) -> None:
    """Print one set's and dictionary's tables."""
    def share(pair: list[int]) -> str:
        return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.0%})" if pair[1] else "-"

    print(f"\n## {title}\n")
    print(f"Quiet windows: {tally.quiet_topics / runs:.2f} false topics and {tally.quiet_alerts / runs:.2f} false "
          f"alerts per window ({tally.quiet_windows_alerting}/{runs} windows with an alert); against a "
          f"{BIG_BASELINE:,}-post baseline {tally.big_quiet_alerts / runs:.2f} false alerts per window\n")
    print("| story | found with 5 posts | with 10 | label with 10 posts (first run) | alerts over two growing hours, keyed on the seed / by story |")
    print("|---|---|---|---|---|")
    for name in STORIES:
        mark = " (held out)" if name in HELD_OUT else ""
        print(f"| {name}{mark} | {tally.found.get((name, 5), 0)}/{story_runs} | {tally.found.get((name, 10), 0)}/{story_runs} | "
              f"{tally.examples.get(name, '-')} | {tally.seed_alerts.get(name, 0)} / {tally.story_alerts.get(name, 0)} |")
    for held, what in ((False, "tuning stories"), (True, "held-out stories")):
        print(f"\n{what}: whole labels {share(tally.labels[held])}, whole label parts {share(tally.label_parts[held])}, "
              f"whole terms among the first {SHOWN_TERMS} {share(tally.terms[held])}")
    print(f"\nA story taking the key of another story of the hour before: {tally.wrong_merges}/{tally.pairs} pairs")


def main(argv: list[str] | None = None) -> int:
    """Print the tables for both sets of real posts and both dictionaries."""
    parser = argparse.ArgumentParser(prog="python -m bench.topics_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="shuffles (quiet windows) per set")
    parser.add_argument("--story-runs", type=int, default=10, help="shuffles with stories slipped in")
    parser.add_argument("--dev", type=Path, default=DEV, help="Weibo posts the rules were settled on (label<TAB>text)")
    parser.add_argument("--held-out", type=Path, default=HELD, help="Weibo posts held out (id,label,text)")
    args = parser.parse_args(argv)
    print(f"# Hot topics on real Weibo posts (window {WINDOW}, baseline {BASELINE:,}, {args.runs} shuffles per set, "
          f"stories in {args.story_runs})")
    written = {name: segmented(texts(name)) for name in STORIES}
    for title, path in (("dev", args.dev), ("held out", args.held_out)):
        posts = segmented(read_posts(path))
        for dictionary, phrases in (("brand", (BRAND,)), ("brand and products", (BRAND, *PRODUCTS))):
            lexicon = Lexicon(phrases)
            docs = [(f"weibo{i}", terms) for i, terms in enumerate(pipeline_terms(posts, lexicon))]
            stories = {name: [(str(i), terms) for i, terms in enumerate(pipeline_terms(found, lexicon))]
                       for name, found in written.items()}
            report(f"{title}: {path.name} ({len(posts):,} posts), dictionary: {dictionary}",
                   measure(docs, stories, args.runs, args.story_runs, seed=0), args.runs, args.story_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
