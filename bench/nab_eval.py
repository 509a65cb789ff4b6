"""Spike detection measured on NAB's realTweets: our shipped defaults against the floor baseline.

    python -m bench.nab_eval [--data ../shared/data/nab] [--sweep] [--ablation] [--loso]

Prints markdown tables: per series and overall, windows hit, false alerts per series-day and the
NAB score (standard profile; the overall line also gives the reward-low-FP and reward-low-FN
profiles), for

- ours: ``transforms.spikes.detect_spikes`` with ``DEFAULT`` (what the DAG and ``brandmon spikes``
  run), on the 5-minute series and on the same series summed to the DAG's 15-minute buckets;
- the pinned rule alone (``bench.pinned_rule``: 30 minutes at ≥ 4× the reference and ≥ 20 posts
  above it, with our cooldown): what any detector that keeps the power test's promise must at
  least alert on, so its false alerts are a floor for ours;
- the floor: trailing mean + k·sigma of the raw counts, alert on the rising edge; once with the
  textbook setting (1 day, k = 3) and once with the setting that scores best on this corpus;
- with ``--sweep``: NAB score and false alerts per series-day for each false-alarm budget ×
  dispersion quantile × cooldown, the other settings at their defaults;
- with ``--ablation``: the same figures with one default changed at a time;
- with ``--loso``: leave-one-series-out, where each series is scored with the parameters that do
  best on the other four (a check that the defaults are not fitted to the five series);
- silence (source outage) alerts found on each series.

A false alert is an alert outside every labelled window, after NAB's probationary period; a
series-day is a day of the scored (post-probation) span. Tables give the dev series (AAPL, CRM,
FB: every choice was made on them) and the held-out ones (CVS, UPS) apart. Data:
../shared/data/nab (NAB, MIT).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from bench.nab_score import PROFILES, STANDARD, SeriesScore, normalised_score, probation_length, score_series
from bench.pinned_rule import rule_alerts
from transforms.baseline import to_grid
from transforms.silence import detect_silence
from transforms.spikes import DEFAULT, DetectorConfig, alerts_from_scores, detect_spikes
from transforms.spikes import score_series as spike_scores

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nab"
BUCKET = timedelta(minutes=5)
DEV = ("AAPL", "CRM", "FB")  # the series every choice was made on
HELD_OUT = ("CVS", "UPS")  # labels kept out of every choice; reported apart


@dataclass(frozen=True)
class NabSeries:
    """One labelled NAB series: counts per bucket and anomaly windows as inclusive row ranges."""

    name: str
    timestamps: list[datetime]
    values: np.ndarray
    windows: list[tuple[int, int]]
    bucket: timedelta
    probation: int
    points: list[int]

    @property
    def scored_days(self) -> float:
        """Length of the scored span (after probation) in days."""
        return (len(self.values) - self.probation) * self.bucket / timedelta(days=1)


def load_corpus(data_dir: Path) -> list[NabSeries]:
    """The realTweets series with their labelled windows."""
    labels = json.loads((data_dir / "realTweets_labels.json").read_text())
    corpus = []
    for path in sorted((data_dir / "realTweets").glob("*.csv")):
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        timestamps = [datetime.fromisoformat(r["timestamp"]) for r in rows]
        values = np.array([float(r["value"]) for r in rows])
        windows = []
        key = f"realTweets/{path.name}"
        for start, end in labels["windows"][key]:
            first = int(np.searchsorted(timestamps, datetime.fromisoformat(start), side="left"))
            last = int(np.searchsorted(timestamps, datetime.fromisoformat(end), side="right")) - 1
            windows.append((first, last))
        points = [int(np.searchsorted(timestamps, datetime.fromisoformat(p))) for p in labels["anomaly_points"][key]]
        name = path.stem.removeprefix("Twitter_volume_")
        corpus.append(NabSeries(name, timestamps, values, windows, BUCKET, probation_length(len(values)), points))
    return corpus


def rebucket(series: NabSeries, factor: int) -> NabSeries:
    """The series summed over ``factor`` buckets; windows and probation keep their time span."""
    n = len(series.values) // factor * factor
    values = series.values[:n].reshape(-1, factor).sum(axis=1)
    last = len(values) - 1
    windows = [(a // factor, min(b // factor, last)) for a, b in series.windows]
    return NabSeries(series.name, series.timestamps[:n:factor], values, windows,
                     series.bucket * factor, series.probation // factor, [p // factor for p in series.points])


def floor_alerts(series: NabSeries, days: float, k: float) -> list[int]:
    """Trailing mean + k·sigma over ``days`` of raw counts; an alert on each rising edge."""
    span = round(timedelta(days=days) / series.bucket)
    min_history = round(timedelta(days=1) / series.bucket)
    values = series.values
    sums = np.concatenate(([0.0], np.cumsum(values)))
    squares = np.concatenate(([0.0], np.cumsum(values * values)))
    index = np.arange(len(values))
    start = np.maximum(0, index - span)
    n = np.maximum(index - start, 1)
    mean = (sums[index] - sums[start]) / n
    sigma = np.sqrt(np.maximum((squares[index] - squares[start]) / n - mean * mean, 0.0))
    above = values > mean + k * sigma
    above[:min_history] = False
    rising = above & ~np.concatenate(([False], above[:-1]))
    return [int(i) for i in np.flatnonzero(rising)]


def our_alerts(series: NabSeries, config: DetectorConfig = DEFAULT) -> list[int]:
    """Row indices of ``detect_spikes`` alerts (the grid has no gaps, so rows and buckets agree)."""
    scores = spike_scores(to_grid(series.timestamps, series.values, series.bucket), config)
    return _rows(series, alerts_from_scores(scores, config))


def pinned_rule_alerts(series: NabSeries) -> list[int]:
    """Row indices where the power test's burst rule alone would alert (``bench.pinned_rule``), with our cooldown."""
    return rule_alerts(series.values, series.bucket, DEFAULT.cooldown, DEFAULT.min_history)


def _rows(series: NabSeries, spikes: Sequence) -> list[int]:
    return [round((s.timestamp - series.timestamps[0]) / series.bucket) for s in spikes]


def score(series: NabSeries, alerts: Sequence[int], profile=STANDARD) -> SeriesScore:
    """NAB score of one series' alerts, with the series' own probation."""
    return score_series(len(series.values), series.windows, alerts, profile, probation=series.probation)


@dataclass(frozen=True)
class Result:
    """Alerts of one detector on each series of a corpus."""

    label: str
    corpus: list[NabSeries]
    alerts: list[list[int]]

    def table(self) -> str:
        """Markdown rows: per series, then the corpus."""
        lines = [f"**{self.label}**", "",
                 "| series | windows hit | false alerts / series-day | NAB standard | first alert − labelled point (h, median) |",
                 "|---|---|---|---|---|"]
        scores = [score(s, a) for s, a in zip(self.corpus, self.alerts)]
        for series, alerts, s in zip(self.corpus, self.alerts, scores):
            lines.append(f"| {series.name} | {s.windows_hit}/{s.windows} | "
                         f"{s.false_alerts / series.scored_days:.2f} | {s.normalised:.1f} | "
                         f"{_median_text(alert_leads(series, alerts))} |")
        for label, names in (("dev (AAPL, CRM, FB)", DEV), ("held out (CVS, UPS)", HELD_OUT)):
            part = [i for i, series in enumerate(self.corpus) if series.name in names]
            if part and len(part) < len(self.corpus):
                sub = Result("", [self.corpus[i] for i in part], [self.alerts[i] for i in part])
                hit = sum(scores[i].windows_hit for i in part)
                lines.append(f"| {label} | {hit}/{sum(scores[i].windows for i in part)} | "
                             f"{sub.false_alert_rate():.2f} | {sub.nab():.1f} | |")
        leads = [x for series, alerts in zip(self.corpus, self.alerts) for x in alert_leads(series, alerts)]
        lines.append(f"| **all** | {sum(s.windows_hit for s in scores)}/{sum(s.windows for s in scores)} | "
                     f"{self.false_alert_rate():.2f} | {normalised_score(scores):.1f} | {_median_text(leads)} |")
        others = ", ".join(f"{p.name} {self.nab(p):.1f}" for p in PROFILES[1:])
        return "\n".join(lines + ["", f"Other NAB profiles, all series: {others}.", ""])

    def nab(self, profile=STANDARD) -> float:
        """Corpus NAB score under a profile."""
        return normalised_score([score(s, a, profile) for s, a in zip(self.corpus, self.alerts)])

    def false_alert_rate(self) -> float:
        """False alerts per series-day over the corpus."""
        false = sum(score(s, a).false_alerts for s, a in zip(self.corpus, self.alerts))
        return false / sum(s.scored_days for s in self.corpus)


def alert_leads(series: NabSeries, alerts: Sequence[int]) -> list[float]:
    """Hours from each window's labelled anomaly point to its first alert (negative: earlier)."""
    leads = []
    for start, end in series.windows:
        inside = [i for i in sorted(alerts) if start <= i <= end]
        points = [p for p in series.points if start <= p <= end]
        if inside and points:
            leads.append((inside[0] - points[0]) * series.bucket / timedelta(hours=1))
    return leads


def _median_text(values: list[float]) -> str:
    return f"{float(np.median(values)):+.1f}" if values else "–"


def run_detector(label: str, corpus: list[NabSeries], detector: Callable[[NabSeries], list[int]]) -> Result:
    """Alerts of a detector on every series."""
    return Result(label, corpus, [detector(s) for s in corpus])


FLOOR_GRID = list(itertools.product((1, 3, 7, 14), (3, 4, 5, 6, 8, 10, 12)))
OUR_GRID = {
    "false_alarm_rate": (0.002, 0.01, 0.05),
    "dispersion_quantile": (0.9, 0.99),
    "cooldown": (timedelta(hours=12), timedelta(hours=24)),
}


def our_grid_alerts(corpus: list[NabSeries]) -> dict[DetectorConfig, list[list[int]]]:
    """Alerts of every grid configuration; scores are computed once per (budget, quantile)."""
    out: dict[DetectorConfig, list[list[int]]] = {}
    for budget, quantile in itertools.product(OUR_GRID["false_alarm_rate"], OUR_GRID["dispersion_quantile"]):
        base = replace(DEFAULT, false_alarm_rate=budget, dispersion_quantile=quantile)
        scores = [spike_scores(to_grid(s.timestamps, s.values, s.bucket), base) for s in corpus]
        for cooldown in OUR_GRID["cooldown"]:
            config = replace(base, cooldown=cooldown)
            out[config] = [_rows(s, alerts_from_scores(sc, config)) for s, sc in zip(corpus, scores)]
    return out


def leave_one_out(corpus: list[NabSeries], grid: dict[object, list[list[int]]]) -> tuple[Result, list[object]]:
    """Each series alerted with the grid setting that scores best on the other series."""
    per_setting = {key: [score(s, a) for s, a in zip(corpus, alerts)] for key, alerts in grid.items()}
    chosen, alerts = [], []
    for held_out in range(len(corpus)):
        best = max(per_setting, key=lambda key: normalised_score(
            [sc for i, sc in enumerate(per_setting[key]) if i != held_out]))
        chosen.append(best)
        alerts.append(grid[best][held_out])
    return Result("", corpus, alerts), chosen


def sensitivity_table(corpus: list[NabSeries], grid: dict[DetectorConfig, list[list[int]]]) -> str:
    """Markdown: NAB standard (false alerts per series-day) for each grid setting, all five series."""
    lines = ["**Sensitivity**: NAB standard (false alerts / series-day), all five series", "",
             "| false-alarm budget / day | dispersion quantile | cooldown 12 h | cooldown 24 h |", "|---|---|---|---|"]
    for budget, quantile in itertools.product(OUR_GRID["false_alarm_rate"], OUR_GRID["dispersion_quantile"]):
        cells = []
        for cooldown in OUR_GRID["cooldown"]:
            result = Result("", corpus, grid[replace(DEFAULT, false_alarm_rate=budget, dispersion_quantile=quantile,
                                                     cooldown=cooldown)])
            cells.append(f"{result.nab():.1f} ({result.false_alert_rate():.2f})")
        lines.append(f"| {budget:g} | {quantile:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


ABLATIONS: list[tuple[str, dict[str, object]]] = [
    ("no weekday effect", {"baseline_weeks": 0}),
    ("one look: 30 min", {"windows": (timedelta(minutes=30),)}),
    ("looks 15 min, 30 min, 2 h, 8 h", {"windows": (timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=2),
                                                    timedelta(hours=8))}),
    ("dispersion quantile 0.75", {"dispersion_quantile": 0.75}),
    ("dispersion quantile 0.99", {"dispersion_quantile": 0.99}),
    ("false-alarm budget 0.05 / day", {"false_alarm_rate": 0.05}),
    ("false-alarm budget 0.002 / day", {"false_alarm_rate": 0.002}),
    ("no news gate (min_ratio 1, min_excess 0)", {"min_ratio": 1.0, "min_excess": 0.0}),
    ("news gate = the promise (4×, +20)", {"min_ratio": 4.0, "min_excess": 20.0}),
    ("baseline_days 14", {"baseline_days": 14}),
    ("min_rate 0.5 / h", {"min_rate": 0.5}),
    ("min_rate 8 / h", {"min_rate": 8.0}),
    ("cooldown 12 h", {"cooldown": timedelta(hours=12)}),
    ("cooldown 48 h", {"cooldown": timedelta(hours=48)}),
    ("no escalation alerts", {"critical_ratio": 1e9}),
]


def ablation_table(corpus: list[NabSeries]) -> str:
    """Markdown: corpus figures with one default changed at a time, and the severity mix."""
    lines = ["**One setting changed at a time**", "",
             "| change | windows hit | false alerts / series-day | NAB standard | dev (AAPL, CRM, FB): NAB |",
             "|---|---|---|---|---|"]
    for label, change in [("(defaults)", {})] + ABLATIONS:
        config = replace(DEFAULT, **change)
        result = run_detector(label, corpus, lambda s, c=config: our_alerts(s, c))
        hit = sum(score(s, a).windows_hit for s, a in zip(corpus, result.alerts))
        dev = [i for i, s in enumerate(corpus) if s.name in DEV]
        dev_nab = Result("", [corpus[i] for i in dev], [result.alerts[i] for i in dev]).nab()
        lines.append(f"| {label} | {hit}/{sum(len(s.windows) for s in corpus)} | "
                     f"{result.false_alert_rate():.2f} | {result.nab():.1f} | {dev_nab:.1f} |")
    severities = Counter(spike.severity for s in corpus for spike in detect_spikes(s.timestamps, list(s.values)))
    mix = ", ".join(f"{name} {severities[name]}" for name in ("info", "warning", "critical"))
    return "\n".join(lines) + f"\n\nSeverity of the default alerts (all, including the probation span): {mix}.\n"


def speed_line(corpus: list[NabSeries]) -> str:
    """Wall time of ``detect_spikes`` on one series of ``DEFAULT.history`` plus a day."""
    series = corpus[0]
    n = round((DEFAULT.history + timedelta(days=1)) / series.bucket)
    timestamps, values = series.timestamps[:n], list(series.values[:n])
    started = time.perf_counter()
    repeats = 5
    for _ in range(repeats):
        detect_spikes(timestamps, values)
    per_call = (time.perf_counter() - started) / repeats
    return f"Speed: detect_spikes on {n} buckets of {series.bucket} (history + 1 day): {per_call * 1000:.0f} ms per call.\n"


def describe(config: DetectorConfig) -> str:
    """The grid parameters of a configuration, briefly."""
    return (f"budget {config.false_alarm_rate:g}/day, q {config.dispersion_quantile:g}, "
            f"cooldown {config.cooldown / timedelta(hours=1):g} h")


def main(argv: list[str] | None = None) -> int:
    """Print the NAB tables for the shipped defaults and the floor."""
    parser = argparse.ArgumentParser(prog="python -m bench.nab_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="NAB data folder (realTweets/ and labels)")
    parser.add_argument("--sweep", action="store_true",
                        help="also print NAB figures for each false-alarm budget × dispersion quantile × cooldown")
    parser.add_argument("--ablation", action="store_true", help="also print one-setting-at-a-time changes")
    parser.add_argument("--loso", action="store_true", help="also run the leave-one-series-out check (slower)")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.data)
    corpus15 = [rebucket(s, 3) for s in corpus]

    print(f"# NAB realTweets, {len(corpus)} series, {sum(len(s.windows) for s in corpus)} windows\n")
    print(run_detector("Ours, DEFAULT, 5-minute buckets", corpus, our_alerts).table())
    print(run_detector("Ours, DEFAULT, summed to 15-minute buckets (as in the DAG)", corpus15, our_alerts).table())
    print(run_detector("The pinned rule alone (≥ 4× the reference and ≥ 20 posts above it over 30 minutes; "
                       "same cooldown), 15-minute buckets", corpus15, pinned_rule_alerts).table())
    print(run_detector("Floor, textbook: trailing 1 day, k = 3", corpus, lambda s: floor_alerts(s, 1, 3)).table())
    floor_grid = {key: [floor_alerts(s, *key) for s in corpus] for key in FLOOR_GRID}
    best_days, best_k = max(floor_grid, key=lambda key: Result("", corpus, floor_grid[key]).nab())
    print(run_detector(f"Floor, best on this corpus: trailing {best_days} days, k = {best_k}", corpus,
                       lambda s: floor_alerts(s, best_days, best_k)).table())

    grid = our_grid_alerts(corpus) if args.sweep or args.loso else {}
    if args.sweep:
        print(sensitivity_table(corpus, grid))
    if args.ablation:
        print(ablation_table(corpus))
    if args.loso:
        ours, chosen = leave_one_out(corpus, grid)
        floor, floor_chosen = leave_one_out(corpus, floor_grid)
        print("**Leave one series out** (each series scored with the setting best on the other four)\n")
        print("| held-out series | ours: NAB | ours: setting chosen on the others | floor: NAB | floor: days, k |")
        print("|---|---|---|---|---|")
        for i, series in enumerate(corpus):
            print(f"| {series.name} | {score(series, ours.alerts[i]).normalised:.1f} | {describe(chosen[i])} | "
                  f"{score(series, floor.alerts[i]).normalised:.1f} | {floor_chosen[i]} |")
        print(f"| **all** | {ours.nab():.1f} | | {floor.nab():.1f} | |\n")

    print(speed_line(corpus15))
    print("**Silence (ops) alerts, DEFAULT_SILENCE**\n")
    for series in corpus:
        found = detect_silence(series.timestamps, list(series.values))
        listed = "; ".join(f"{s.since:%m-%d %H:%M}, alert {s.timestamp:%H:%M}, usually {s.expected:g}/h"
                           for s in found) or "none"
        print(f"- {series.name}: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
