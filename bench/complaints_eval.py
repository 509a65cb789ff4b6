"""Complaint figures: shares flagged (training folds and held-out fold), calibration, sentiment
labels before / after the agreement rule, categories and severity on the labelled sample, speed.

    python -m bench.complaints_eval [--speed]

1. from transforms/models/complaint.json (written by `brandmon train-complaints --rebuild-shipped`,
   ~2 min): share flagged per group, out of fold on the training folds (where the threshold was
   chosen) and on the held-out fold (kept out of every choice), calibration, sentiment labels;
2. tests/transforms/data/complaint_categories_sample.jsonl (texts labelled by hand, see
   docs/complaints.md), split in halves by md5 of the text: the lexicons were chosen looking at
   the `dev` half only; figures for both, `test` is the one to quote. Category precision /
   recall of the phrase rules on the texts labelled complaints, then end to end (the shipped
   model decides what is a complaint; its texts from the training data are in-sample there);
3. with --speed: `score_texts` (the pipeline's scoring) on 10,000 Weibo lines in this process,
   after loading, on one core and on all cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from transforms import complaint_model
from transforms.complaint_cues import CATEGORIES, CUES, SEVERITY_CUES, matches
from transforms.complaints import SEVERE, categories_of
from transforms.scoring import judge
from transforms.textprep import clean

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "transforms" / "data" / "complaint_categories_sample.jsonl"


def half_of(text: str) -> str:
    """`dev` or `test`: the labelled sample's half a text belongs to (md5 parity)."""
    return "dev" if int(hashlib.md5(text.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def _pr(pairs: list[tuple[bool, bool]]) -> str:
    """'precision / recall (n true, n predicted)' of (predicted, true) pairs."""
    tp = sum(p and t for p, t in pairs)
    predicted, true = sum(p for p, _ in pairs), sum(t for _, t in pairs)
    precision = f"{tp / predicted:.2f}" if predicted else "—"
    recall = f"{tp / true:.2f}" if true else "—"
    return f"{precision} / {recall} (n={true}, flagged {predicted})"


def _print_shares(meta: dict) -> None:
    for part in ("training_folds_out_of_fold", "holdout"):
        print(f"\n## {part}: share flagged (threshold {meta['threshold']}, or a stated defect)\n")
        print("| group | flagged | n | share |\n|---|---|---|---|")
        for group, v in meta[part].items():
            print(f"| {group} | {v['flagged']} | {v['n']} | {v['rate']} |")
    print("\n## calibration on the held-out fold\n\n| bin | n | mean P | complaint rate |\n|---|---|---|---|")
    for row in meta["calibration_holdout"]:
        print(f"| {row['bin']} | {row['n']} | {row['mean_probability']} | {row['complaint_rate']} |")
    print("\n## sentiment labels on the held-out fold, before / after the agreement rule\n")
    print("| data | n | share neu | accuracy of pos/neg calls | negatives labelled neg | positives labelled neg |")
    print("|---|---|---|---|---|---|")
    for group, both in meta["sentiment_labels_holdout"].items():
        b, a = both["before"], both["after"]
        print(f"| {group} | {b['n']} | {b['share_neu']} → {a['share_neu']} | {b['accuracy_of_calls']} → "
              f"{a['accuracy_of_calls']} | {b['negatives_labelled_neg']} → {a['negatives_labelled_neg']} | "
              f"{b['positives_labelled_neg']} → {a['positives_labelled_neg']} |")


def _print_sample(rows: list[dict]) -> None:
    found = dict(zip(dict.fromkeys(r["text"] for r in rows), (j.complaint for j in judge([r["text"] for r in rows]))))
    for half in ("dev", "test"):
        part = [r for r in rows if half_of(r["text"]) == half]
        complaints = [r for r in part if r["complaint"]]
        rules = [set(categories_of(matches(clean(r["text"]), CUES))[0]) for r in complaints]
        print(f"\n## labelled sample, {half} half: {len(part)} texts, {len(complaints)} complaints\n")
        print(f"complaint precision / recall of the shipped model: "
              f"{_pr([(found[r['text']].is_complaint, r['complaint']) for r in part])}\n")
        print("| category | phrase rules, on the texts labelled complaints | end to end, all texts |\n|---|---|---|")
        for cat in CATEGORIES:
            rule_pairs = [(cat in got, cat in r["categories"]) for r, got in zip(complaints, rules)]
            end_pairs = [(cat in found[r["text"]].categories, cat in r["categories"]) for r in part]
            print(f"| {cat} | {_pr(rule_pairs)} | {_pr(end_pairs)} |")
        severe = [(bool(matches(clean(r["text"]), SEVERITY_CUES)), r["severity"] == SEVERE) for r in complaints]
        print(f"\nsevere, phrase rules on the texts labelled complaints: {_pr(severe)}")


def _print_speed() -> None:
    from bench.weibo_posts import SENTI_100K_DEV, data_dir, read_senti_100k
    from transforms.scoring import score_texts

    texts = [t for _, t in read_senti_100k(data_dir() / SENTI_100K_DEV)][:10_000]
    score_texts(texts[:100])  # load the models
    for workers in (1, None):
        start = time.perf_counter()
        score_texts(texts, workers=workers)
        label = "one core" if workers == 1 else "all cores"
        print(f"\nscore_texts, {len(texts)} Weibo posts, {label}: {time.perf_counter() - start:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", action="store_true", help="also time score_texts on 10,000 Weibo posts")
    args = parser.parse_args(argv)
    _print_shares(complaint_model.read_metadata())
    _print_sample([json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()])
    if args.speed:
        _print_speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
