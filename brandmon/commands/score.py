"""`brandmon score [FILE|-]`: sentiment and complaint scores for posts, one JSON line each.

Input: lines of text, or JSON lines with `text` (and optional `id`); a line that is not a JSON
object is taken as text. Output, same order, one line per input line: `sentiment` (0..1,
P(positive)), `label` (pos / neu / neg; a complaint with an explicit problem, demand or channel
is neg), `complaint`, `complaint_score` (0..1, a calibrated probability), `categories`
(complaint category codes), `severity` (none / normal / severe), `reasons` and
`severity_reasons` (objects: category, code, zh, en, phrase) and `id` if given. Lines are
scored in batches of BATCH_LINES, so 10k lines take one batch and bigger inputs stream.

`--model snownlp` scores with snownlp's stock model on the raw text, for comparison;
`--model PATH` with a model written by `brandmon train-sentiment`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from transforms.sentiment import Scorer

NAME = "score"
HELP = "Score posts (text or JSON lines) for sentiment and complaints; JSON lines out"
BATCH_LINES = 10_000
SHIPPED = "brandmon"
STOCK = "snownlp"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="input file; - or nothing reads stdin")
    parser.add_argument("--model", default=SHIPPED,
                        help=f"'{SHIPPED}' (default, the shipped model), '{STOCK}' (snownlp's stock model) "
                             "or the path of a model written by brandmon train-sentiment")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for big batches (default: all cores; 1 = this process only)")


def run(args: argparse.Namespace) -> int:
    from transforms import sentiment

    try:
        if args.model == SHIPPED:
            scorer = sentiment.shipped_scorer()
        elif args.model == STOCK:
            scorer = sentiment.stock_scorer()
        else:
            scorer = sentiment.load_scorer(args.model)
    except (OSError, KeyError, ValueError) as error:
        print(f"brandmon score: cannot load model {args.model!r}: {error}", file=sys.stderr)
        return 2
    try:
        if args.file == "-":
            write_scores(scorer, sys.stdin, sys.stdout, args.workers)
        else:
            with open(args.file, encoding="utf-8") as handle:
                write_scores(scorer, handle, sys.stdout, args.workers)
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError) as error:
        print(f"brandmon score: {error}", file=sys.stderr)
        return 2
    return 0


def parse_line(line: str, number: int) -> tuple[str, Any]:
    """(text, id or None) of one input line: a JSON object with `text`, else the line itself."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            return stripped, None
        if isinstance(record, dict):
            text = record.get("text")
            if not isinstance(text, str):
                raise ValueError(f"line {number}: a JSON object needs a string 'text' field")
            return text, record.get("id")
    return stripped, None


def score_records(scorer: Scorer, records: list[tuple[str, Any]], workers: int | None = None) -> list[dict]:
    """Output dicts for (text, id) records, in order, scored as one batch."""
    from transforms.scoring import judge

    texts = [text for text, _ in records]
    by_text = dict(zip(dict.fromkeys(texts), judge(texts, scorer, workers)))
    out = []
    for text, record_id in records:
        j = by_text[text]
        found = j.complaint
        row = {"sentiment": j.sentiment, "label": j.label, "complaint": found.is_complaint,
               "complaint_score": found.score, "categories": list(found.categories), "severity": found.severity,
               "reasons": [r.as_json() for r in found.reasons],
               "severity_reasons": [r.as_json() for r in found.severity_reasons]}
        if record_id is not None:
            row["id"] = record_id
        out.append(row)
    return out


def _batches(lines: Iterable[str]) -> Iterator[list[tuple[str, Any]]]:
    numbered = enumerate(lines, start=1)
    while batch := list(itertools.islice(numbered, BATCH_LINES)):
        yield [parse_line(line, number) for number, line in batch]


def write_scores(scorer: Scorer, lines: Iterable[str], out: TextIO, workers: int | None = None) -> None:
    """Score input lines batch by batch and write one JSON line per input line."""
    for batch in _batches(lines):
        for row in score_records(scorer, batch, workers):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
