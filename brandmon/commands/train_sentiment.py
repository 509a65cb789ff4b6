"""`brandmon train-sentiment`: retrain the snownlp sentiment model on your own labelled posts.

    brandmon train-sentiment labels.csv --output models/acme.marshal     # + shipped counts
    brandmon train-sentiment labels.jsonl --output acme.marshal --alone  # your data only
    brandmon train-sentiment --rebuild-shipped [--data-dir DIR]           # the shipped model

Input: CSV/TSV with a header naming `text` and `label` columns, or JSON lines with `text` and
`label`; labels pos/neg, positive/negative or 1/0 (e.g. from DuckDB: COPY (SELECT text,
label FROM …) TO 'labels.csv'). The model is written as snownlp writes it (OUTPUT + '.3'),
its metadata (data, recipe, held-out metrics, neutral band) beside it as JSON; use it with
`brandmon score --model OUTPUT`. Prints the metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "train-sentiment"
HELP = "Retrain the sentiment model on your labelled posts (or --rebuild-shipped); writes model + metadata"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="labelled posts: CSV/TSV with text,label header, or JSON lines")
    parser.add_argument("--output", type=Path, help="model name as given to snownlp's save (the file gets '.3'); "
                                                     "required with FILE, default the shipped path with --rebuild-shipped")
    parser.add_argument("--alone", action="store_true",
                        help="train on FILE only (default: add FILE's counts to the shipped model's)")
    parser.add_argument("--weight", type=float, default=1.0,
                        help="how much one of your posts counts against one shipped Weibo post (default 1)")
    parser.add_argument("--rebuild-shipped", action="store_true",
                        help="rebuild transforms/models/sentiment.marshal.3 from the data files (reproducible)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="with --rebuild-shipped: folder holding sentiment/ ($BRANDMON_DATA_DIR, ../shared/data)")


def run(args: argparse.Namespace) -> int:
    from training import sentiment as sentiment_training
    from transforms import sentiment

    if args.rebuild_shipped == bool(args.file):
        print("brandmon train-sentiment: give either FILE (with --output) or --rebuild-shipped", file=sys.stderr)
        return 2
    if args.weight <= 0:
        print("brandmon train-sentiment: --weight must be positive", file=sys.stderr)
        return 2
    try:
        if args.rebuild_shipped:
            metadata = sentiment_training.rebuild_shipped(args.data_dir, args.output or sentiment.MODEL_BASE)
        else:
            if args.output is None:
                print("brandmon train-sentiment: --output is required with FILE", file=sys.stderr)
                return 2
            output = args.output.with_suffix("") if args.output.suffix == ".3" else args.output
            metadata = sentiment_training.train_user_model(args.file, output, combine=not args.alone,
                                                           weight=args.weight)
    except (OSError, ValueError) as error:
        print(f"brandmon train-sentiment: {error}", file=sys.stderr)
        return 2
    print(json.dumps(metadata, ensure_ascii=False, indent=2))
    return 0
