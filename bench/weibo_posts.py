"""Real labelled Weibo posts from the shared data folder (read in place, never copied into the repo).

The folder is $BRANDMON_DATA_DIR, else ../shared/data next to the repository.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

DATA_ENV = "BRANDMON_DATA_DIR"
SENTI_100K_DEV = Path("sentiment/weibo_senti_100k_dev.tsv")
WEIBO_2018 = Path("sentiment/weibo2018_train.csv")


def data_dir() -> Path:
    """The shared data folder."""
    explicit = os.environ.get(DATA_ENV)
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def read_senti_100k(path: Path) -> list[tuple[int, str]]:
    """(label, text) rows of a weibo_senti_100k file: label<TAB>text, pandas-quoted, no header."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [(int(label), text) for label, text in csv.reader(handle, delimiter="\t")]


def read_weibo2018(path: Path) -> list[tuple[int, str]]:
    """(label, text) rows of weibo2018: id,label,text per line, the text itself unquoted."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line:
                _id, label, text = line.split(",", 2)
                rows.append((int(label), text))
    return rows


# Weibo post ids carry their publication time: seconds since the Unix epoch are id >> 22 plus this.
_WEIBO_ID_EPOCH = 515483463


def weibo2018_times(path: Path) -> list[int]:
    """Publication times (Unix seconds) of the weibo2018 posts, decoded from their ids."""
    times = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            head = line.split(",", 1)[0]
            if head.isdigit():
                times.append((int(head) >> 22) + _WEIBO_ID_EPOCH)
    return times
