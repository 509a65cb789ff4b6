"""`brandmon spikes FILE.csv`: the alerts the DAG's detector would send for a count series.

Input: CSV rows `timestamp,value` (ISO 8601 timestamps; a header row is optional), `-` for stdin.
Output: one JSON line per alert, in time order: `timestamp`, `value`, `expected`, `score`, plus
`p_value`, `ratio`, `severity`, `kind`, `escalation`, `window_start`, `window_end` (see
transforms.spikes; `p_value` is the tail probability of the count under the model, `score` its
−log10). The detector and
its defaults are the DAG's (`transforms.spikes.DEFAULT`); options override single settings.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from typing import TextIO

NAME = "spikes"
HELP = "Print the spike alerts the pipeline would send for a timestamp,value CSV series"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="CSV of timestamp,value rows (header optional); - reads stdin")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a detector setting, e.g. --set false_alarm_rate=0.002 --set windows=30m,2h "
                             "(durations take a unit: 30m, 1h, 3d); repeatable")
    parser.add_argument("--bucket", help="bucket size, e.g. 15m (default: inferred from the timestamps)")
    parser.add_argument("--silence", action="store_true",
                        help="also print silence alerts (kind 'silence'): the source went quiet")


def run(args: argparse.Namespace) -> int:
    from transforms.silence import detect_silence
    from transforms.spikes import config_from_overrides, detect_spikes, parse_duration

    try:
        config = config_from_overrides(dict(_setting(item) for item in args.set))
        bucket = parse_duration(args.bucket) if args.bucket else None
        if args.file == "-":
            timestamps, values = read_series(sys.stdin)
        else:
            with open(args.file, newline="", encoding="utf-8") as handle:
                timestamps, values = read_series(handle)
        alerts = detect_spikes(timestamps, values, config, bucket=bucket) if timestamps else []
        if args.silence and timestamps:
            alerts = sorted(alerts + detect_silence(timestamps, values, bucket=bucket), key=lambda a: a.timestamp)
    except (OSError, ValueError) as error:
        print(f"brandmon spikes: {error}", file=sys.stderr)
        return 2
    for alert in alerts:
        sys.stdout.write(json.dumps(alert.as_dict(), ensure_ascii=False) + "\n")
    return 0


def read_series(handle: TextIO) -> tuple[list[datetime], list[float]]:
    """Timestamps and values of a `timestamp,value` CSV; the first row may be a header."""
    timestamps: list[datetime] = []
    values: list[float] = []
    for number, row in enumerate(csv.reader(handle), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise ValueError(f"line {number}: expected timestamp,value, got {','.join(row)!r}")
        try:
            timestamp = datetime.fromisoformat(row[0].strip())
        except ValueError:
            if number == 1:
                continue  # header
            raise ValueError(f"line {number}: {row[0]!r} is not an ISO 8601 timestamp") from None
        try:
            value = float(row[1])
        except ValueError:
            raise ValueError(f"line {number}: {row[1]!r} is not a number") from None
        if timestamps and (timestamp.tzinfo is None) != (timestamps[0].tzinfo is None):
            raise ValueError(f"line {number}: mixes timestamps with and without a UTC offset")
        timestamps.append(timestamp)
        values.append(value)
    return timestamps, values


def _setting(item: str) -> tuple[str, object]:
    name, sep, text = item.partition("=")
    if not sep:
        raise ValueError(f"--set {item!r}: write NAME=VALUE, e.g. false_alarm_rate=0.002")
    name, text = name.strip(), text.strip()
    for kind in (int, float):
        try:
            return name, kind(text)
        except ValueError:
            pass
    return name, text
