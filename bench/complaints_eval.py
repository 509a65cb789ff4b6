"""Complaint figures: held-out shares flagged, calibration, categories on the labelled sample, speed.

    python -m bench.complaints_eval [--speed]

1. from transforms/models/complaint.json (written by `brandmon train-complaints --rebuild-shipped`,
   ~2 min): share flagged per group out of fold and on the held-out fold, calibration;
2. tests/transforms/data/complaint_categories_sample.jsonl (306 texts labelled by hand): complaint
   precision / recall of the shipped model (its texts are in the training data: in-sample) and
   category and severity precision / recall of the phrase rules (not trained);
3. with --speed: `brandmon score` on 10,000 Weibo lines in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from transforms import complaint_model
from transforms.complaint_cues import CATEGORIES
from transforms.scoring import judge

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "transforms" / "data" / "complaint_categories_sample.jsonl"


def _pr(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return f"{p:.2f} / {r:.2f} (n={tp + fn})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", action="store_true")
    args = parser.parse_args(argv)
    meta = complaint_model.read_metadata()
    for part in ("out_of_fold", "holdout"):
        print(f"\n## {part}: share flagged (threshold {meta['threshold']})\n\n| group | flagged | n | share |\n|---|---|---|---|")
        for group, v in meta[part].items():
            print(f"| {group} | {v['flagged']} | {v['n']} | {v['rate']} |")
    print("\n## calibration on the held-out fold\n\n| bin | n | mean P | complaint rate |\n|---|---|---|---|")
    for row in meta["calibration_holdout"]:
        print(f"| {row['bin']} | {row['n']} | {row['mean_probability']} | {row['complaint_rate']} |")

    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    found = [j.complaint for j in judge([r["text"] for r in rows])]
    tp = sum(r["complaint"] and f.is_complaint for r, f in zip(rows, found))
    fp = sum(not r["complaint"] and f.is_complaint for r, f in zip(rows, found))
    fn = sum(r["complaint"] and not f.is_complaint for r, f in zip(rows, found))
    print(f"\n## labelled sample ({len(rows)} texts)\n\ncomplaint precision / recall (in-sample model): {_pr(tp, fp, fn)}")
    print("\ncategory precision / recall of the phrase rules, on the texts labelled complaints:\n")
    print("| category | precision / recall |\n|---|---|")
    for cat in CATEGORIES:
        if cat == "other":
            continue
        from transforms.complaint_cues import CUES, matches
        from transforms.textprep import clean
        pred = [cat in {c.category for c, _ in matches(clean(r["text"]), CUES)} for r in rows]
        truth = [cat in r["categories"] for r in rows]
        on = [r["complaint"] for r in rows]
        tp_c = sum(p and t and o for p, t, o in zip(pred, truth, on))
        fp_c = sum(p and not t and o for p, t, o in zip(pred, truth, on))
        fn_c = sum(t and not p for p, t in zip(pred, truth))
        print(f"| {cat} | {_pr(tp_c, fp_c, fn_c)} |")
    sev_t = [r["severity"] == "severe" for r in rows]
    from transforms.complaint_cues import SEVERITY_CUES, matches
    from transforms.textprep import clean
    sev_p = [bool(matches(clean(r["text"]), SEVERITY_CUES)) and r["complaint"] for r in rows]
    print(f"\nseverity (severe) precision / recall of the phrase rules: "
          f"{_pr(sum(a and b for a, b in zip(sev_p, sev_t)), sum(a and not b for a, b in zip(sev_p, sev_t)), sum(b and not a for a, b in zip(sev_p, sev_t)))}")
    if args.speed:
        from bench.weibo_posts import SENTI_100K_DEV, data_dir, read_senti_100k
        from brandmon.commands.score import score_records
        from transforms.sentiment import shipped_scorer

        texts = [t for _, t in read_senti_100k(data_dir() / SENTI_100K_DEV)][:10_000]
        start = time.perf_counter()
        score_records(shipped_scorer(), [(t, None) for t in texts])
        print(f"\nbrandmon score, 10,000 lines in process (models loaded): {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
