"""Power of the spike detector: bursts of known size injected into real backgrounds.

    python -m bench.spike_power [--data ../shared/data] [--plot docs/spike_power.png]

Backgrounds (real, read in place from the shared data folder):

- the five NAB realTweets series summed to the DAG's 15-minute buckets; bursts are injected
  only more than a day away from their labelled windows, and false alerts are counted only
  there;
- the weibo2018 posts (10,000 real Weibo posts; their ids carry their publication times), as
  15-minute volumes over the ten days where the sample is dense.

Each background is rescaled to a baseline level (mean posts per 15 minutes, 0.5 to 500):
binomial thinning below its own level (a random share of the real posts), Poisson draws around
the scaled counts above it, at most ``MAX_UPSCALE`` times its own level (scaling a sparse series
further would multiply its single posts into fake bursts).

The reference baseline of a window (``bench.pinned_rule.reference``) is the background's own expectation, taken
the way the issue states it and independently of the detector: the mean of the same window at
the same time of day (± 30 minutes) over the previous 7 days of the background without injected
bursts, each sample clipped at the samples' 6/7 quantile (an earlier burst on one of those days is
not "normal"). Bursts of ``ratio`` × the same reference per 15-minute bucket and of a given
length are added as Poisson counts. A burst qualifies for the pin when, over some 30-minute window ending inside it, the count
(background and burst) is at least 4× the reference and at least 20 posts above it; it is found
when the detector judges one of those buckets a spike (an alert, or a bucket of an episode that
already alerted: de-duplication is tested apart).

False alerts are the alerts of the same rescaled backgrounds without injected bursts, per day of
span after the detector's minimum history, except alerts within 8 hours after a 30-minute window
of the background's own that meets the pinned size: by the power test's own rule those must be
found. Every alert is reported too. Everything is seeded: the same run gives the same tables.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.nab_eval import load_corpus, rebucket
from bench.pinned_rule import DAYS, EXCESS, RATIO, pinned_windows
from bench.weibo_posts import WEIBO_2018, data_dir, weibo2018_times
from transforms.baseline import DAY, Grid, same_time_samples, trailing_sum, winsorised_mean
from transforms.spikes import DEFAULT, DetectorConfig, alerts_from_scores, score_series

QUARTER = timedelta(minutes=15)
LEVELS = (0.5, 2.0, 5.0, 20.0, 50.0, 200.0, 500.0)
RATIOS = (2.0, 3.0, 4.0, 6.0, 10.0, 30.0)
DURATIONS = (timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=3))
WEIBO_SPAN = (datetime(2018, 4, 21, tzinfo=UTC), datetime(2018, 5, 1, 12, tzinfo=UTC))
MAX_UPSCALE = 2.5
MARGIN = timedelta(days=1)  # bursts stay this far from labelled windows and from each other
SPACING = timedelta(days=2, hours=7, minutes=15)  # bursts fall at different times of day


@dataclass(frozen=True)
class Background:
    """A real 15-minute count series and the buckets where bursts may go and false alerts count."""

    name: str
    start: datetime
    values: np.ndarray
    usable: np.ndarray  # bool per bucket

    @property
    def timestamps(self) -> list[datetime]:
        return [self.start + i * QUARTER for i in range(len(self.values))]


@dataclass(frozen=True)
class Burst:
    """One injected burst and whether the detector found it."""

    background: str
    level: float
    ratio: float
    duration: timedelta
    start: int
    peak_30min: float  # the burst's largest 30-minute count (background and burst)
    base_30min: float  # the reference baseline of that window
    qualifies: bool  # some 30-minute window of the burst is of the pinned size
    found: bool


@dataclass(frozen=True)
class Quiet:
    """False alerts of the detector on one rescaled background without bursts."""

    background: str
    level: float
    false_alerts: int
    alerts: int
    days: float


def backgrounds(data: Path) -> list[Background]:
    """The NAB series (15-minute buckets, labels masked) and the Weibo sample's volumes."""
    out = []
    for series in load_corpus(data / "nab"):
        coarse = rebucket(series, 3)
        usable = np.ones(len(coarse.values), bool)
        margin = round(MARGIN / QUARTER)
        for first, last in coarse.windows:
            usable[max(0, first - margin): last + margin + 1] = False
        out.append(Background(coarse.name, coarse.timestamps[0], coarse.values.astype(float), usable))
    start, end = WEIBO_SPAN
    times = np.array(weibo2018_times(data / WEIBO_2018))
    seconds = QUARTER.total_seconds()
    first = int(start.timestamp())
    index = ((times[(times >= first) & (times < end.timestamp())] - first) // seconds).astype(int)
    counts = np.bincount(index, minlength=round((end - start) / QUARTER)).astype(float)
    out.append(Background("Weibo", start, counts, np.ones(len(counts), bool)))
    return out


def rescale(values: np.ndarray, usable: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """The background at a mean of ``level`` per bucket: thinned below its own level, Poisson above."""
    factor = level / values[usable].mean()
    if factor <= 1.0:
        return rng.binomial(values.astype(np.int64), factor).astype(float)
    return rng.poisson(values * factor).astype(float)


def bucket_reference(values: np.ndarray) -> np.ndarray:
    """The reference expectation of each 15-minute bucket (``bench.pinned_rule``'s, per bucket): sizes the bursts."""
    return winsorised_mean(same_time_samples(values, round(DAY / QUARTER), DAYS, 2), 1 - 1 / DAYS)


def alert_buckets(values: np.ndarray, start: datetime, config: DetectorConfig) -> np.ndarray:
    """Bucket indices where the detector raises an alert (what would page a PR team)."""
    scores = score_series(Grid(start, QUARTER, values), config)
    return np.array([round((s.timestamp - start) / QUARTER) for s in alerts_from_scores(scores, config)], dtype=int)


def flagged(values: np.ndarray, start: datetime, config: DetectorConfig) -> np.ndarray:
    """Per bucket: the detector judges it a spike (before de-duplication folds it into an episode)."""
    flags = score_series(Grid(start, QUARTER, values), config).candidate.copy()
    flags[: int(np.ceil(config.min_history / QUARTER))] = False
    return flags


def own_bursts(values: np.ndarray, reach: int) -> np.ndarray:
    """Per bucket: a 30-minute window of the pinned size ends within the ``reach`` buckets up to it."""
    burst = pinned_windows(values, values, QUARTER)[2]
    return trailing_sum(burst.astype(float), reach + 1) > 0


def slots(background: Background, config: DetectorConfig) -> list[int]:
    """Burst start buckets: after the detector's history allowance, in usable stretches, spaced apart."""
    first = round((config.min_history + 4 * DAY) / QUARTER)
    longest = round(max(DURATIONS) / QUARTER)
    gap = round(SPACING / QUARTER)
    out, i = [], first
    while i + longest < len(background.values):
        if background.usable[i: i + longest + 1].all():
            out.append(i)
            i += gap
        else:
            i += 1
    return out


def run(data: Path, config: DetectorConfig = DEFAULT, levels: Sequence[float] = LEVELS,
        ratios: Sequence[float] = RATIOS, durations: Sequence[timedelta] = DURATIONS,
        seed: int = 0) -> tuple[list[Burst], list[Quiet]]:
    """Inject every (ratio, duration) at every level into every background; measure recall and false alerts."""
    bursts: list[Burst] = []
    quiet: list[Quiet] = []
    combos = list(itertools.product(ratios, durations))
    for b_index, background in enumerate(backgrounds(data)):
        places = slots(background, config)
        own_level = background.values[background.usable].mean()
        for l_index, level in enumerate(levels):
            if level > MAX_UPSCALE * own_level:
                continue
            rng = np.random.default_rng([seed, b_index, l_index])
            scaled = rescale(background.values, background.usable, level, rng)
            alerts = alert_buckets(scaled, background.start, config)
            counted = background.usable.copy()
            counted[: round(config.min_history / QUARTER)] = False
            baseline = bucket_reference(scaled)
            natural = own_bursts(scaled, round(max(config.windows) / QUARTER))
            shown = [i for i in alerts if counted[i]]
            quiet.append(Quiet(background.name, level, sum(not natural[i] for i in shown), len(shown),
                               counted.sum() * QUARTER / DAY))
            for batch_start in range(0, len(combos), len(places)):
                batch = combos[batch_start: batch_start + len(places)]
                injected = scaled.copy()
                extras = []
                for (ratio, duration), place in zip(batch, places):
                    length = round(duration / QUARTER)
                    extra = rng.poisson(np.nan_to_num((ratio - 1.0) * baseline[place: place + length]))
                    injected[place: place + length] += extra
                    extras.append(extra)
                flags = flagged(injected, background.start, config)
                count, expected, big = pinned_windows(injected, scaled, QUARTER)
                for (ratio, duration), place, extra in zip(batch, places, extras):
                    span = slice(place, place + len(extra))  # 30-minute windows ending inside the burst
                    peak = place + int(np.argmax(count[span] - RATIO * expected[span]))
                    bursts.append(Burst(background.name, level, ratio, duration, place, float(count[peak]),
                                        float(expected[peak]), bool(big[span].any()), bool(flags[span].any())))
    return bursts, quiet


def recall_table(bursts: Sequence[Burst]) -> str:
    """Markdown: recall by level (rows) and ratio (columns), all durations and backgrounds pooled."""
    ratios = sorted({b.ratio for b in bursts})
    lines = ["| level (posts / 15 min) | " + " | ".join(f"{r:g}×" for r in ratios) + " |",
             "|---|" + "---|" * len(ratios)]
    for level in sorted({b.level for b in bursts}):
        cells = []
        for ratio in ratios:
            group = [b for b in bursts if b.level == level and b.ratio == ratio]
            cells.append(f"{sum(b.found for b in group) / len(group):.2f}")
        lines.append(f"| {level:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def duration_table(bursts: Sequence[Burst]) -> str:
    """Markdown: recall by duration (rows) and ratio (columns)."""
    ratios = sorted({b.ratio for b in bursts})
    lines = ["| burst length | " + " | ".join(f"{r:g}×" for r in ratios) + " |", "|---|" + "---|" * len(ratios)]
    for duration in sorted({b.duration for b in bursts}):
        cells = []
        for ratio in ratios:
            group = [b for b in bursts if b.duration == duration and b.ratio == ratio]
            cells.append(f"{sum(b.found for b in group) / len(group):.2f}")
        lines.append(f"| {_minutes(duration)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pinned_table(bursts: Sequence[Burst]) -> str:
    """Markdown: pinned bursts found / qualifying, by level (rows) and length (columns)."""
    must = pinned(bursts)
    durations = sorted({b.duration for b in bursts})
    lines = ["| level (posts / 15 min) | " + " | ".join(_minutes(d) for d in durations) + " | all |",
             "|---|" + "---|" * (len(durations) + 1)]
    for level in sorted({b.level for b in bursts}):
        cells = []
        for duration in durations + [None]:
            group = [b for b in must if b.level == level and duration in (None, b.duration)]
            cells.append(f"{sum(b.found for b in group)}/{len(group)}" if group else "–")
        lines.append(f"| {level:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pinned(bursts: Sequence[Burst]) -> list[Burst]:
    """The bursts the power test pins: some 30-minute window of at least 4× its baseline and 20 posts above it."""
    return [b for b in bursts if b.qualifies]


def false_alert_rate(quiet: Sequence[Quiet], all_alerts: bool = False) -> float:
    """False alerts (or, with ``all_alerts``, every alert) per series-day over the quiet runs."""
    return sum(q.alerts if all_alerts else q.false_alerts for q in quiet) / sum(q.days for q in quiet)


def false_alert_table(quiet: Sequence[Quiet]) -> str:
    """Markdown: false alerts per series-day by background (rows) and level (columns)."""
    levels = sorted({q.level for q in quiet})
    lines = ["| background | " + " | ".join(f"{lv:g}" for lv in levels) + " | all | every alert |",
             "|---|" + "---|" * (len(levels) + 2)]
    for name in dict.fromkeys(q.background for q in quiet):
        rows = {q.level: q for q in quiet if q.background == name}
        cells = [f"{rows[lv].false_alerts / rows[lv].days:.2f}" if lv in rows else "–" for lv in levels]
        series = list(rows.values())
        lines.append(f"| {name} | " + " | ".join(cells) +
                     f" | {false_alert_rate(series):.2f} | {false_alert_rate(series, all_alerts=True):.2f} |")
    return "\n".join(lines)


def _minutes(duration: timedelta) -> str:
    minutes = round(duration / timedelta(minutes=1))
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


SIZE_BINS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0, 30.0, np.inf)


def plot(bursts: Sequence[Burst], path: Path) -> None:
    """Two panels: recall by the burst's 30-minute size against its reference (the pinned region right of 4×),
    one line per level; and recall by injected size, one line per burst length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    big_enough = [b for b in bursts if b.peak_30min - b.base_30min >= EXCESS and b.base_30min > 0]
    centres = [np.sqrt(lo * min(hi, 60.0)) for lo, hi in zip(SIZE_BINS, SIZE_BINS[1:])]
    levels = sorted({b.level for b in bursts})
    for level, colour in zip(levels, plt.cm.viridis(np.linspace(0, 0.9, len(levels)))):
        points = []
        for centre, lo, hi in zip(centres, SIZE_BINS, SIZE_BINS[1:]):
            group = [b for b in big_enough if b.level == level and lo <= b.peak_30min / b.base_30min < hi]
            if group:
                points.append((centre, np.mean([b.found for b in group])))
        if points:
            axes[0].plot(*zip(*points), marker="o", color=colour, label=f"{level:g} / 15 min")
    axes[0].axvspan(RATIO, 60, color="0.9", zorder=0, label="pinned: all found")
    axes[0].set(xscale="log", xlim=(1, 60), ylim=(-0.02, 1.02), ylabel="share of bursts found",
                xlabel="largest 30-minute count of the burst ÷ reference baseline",
                title="Recall by size over 30 minutes (bursts ≥ 20 posts above it)")
    axes[0].set_xticks([1, 1.5, 2, 3, 4, 6, 10, 30], ["1×", "1.5×", "2×", "3×", "4×", "6×", "10×", "30×"])
    axes[0].legend(title="baseline level", fontsize=8, loc="lower right")
    ratios = sorted({b.ratio for b in bursts})
    durations = sorted({b.duration for b in bursts})
    for duration, colour in zip(durations, plt.cm.plasma(np.linspace(0, 0.8, len(durations)))):
        recall = [np.mean([b.found for b in bursts if b.duration == duration and b.ratio == r]) for r in ratios]
        axes[1].plot(ratios, recall, marker="o", color=colour, label=_minutes(duration))
    axes[1].set(xscale="log", xlabel="injected size per 15-minute bucket (× reference)", ylim=(-0.02, 1.02),
                title="Recall by injected size and length (all levels)")
    axes[1].set_xticks(ratios, [f"{r:g}×" for r in ratios])
    axes[1].legend(title="burst length", fontsize=8, loc="lower right")
    fig.suptitle("Spike detector, shipped defaults: bursts injected into real backgrounds "
                 "(NAB tweets, Weibo posts), 15-minute buckets", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Print the power tables; optionally draw the power curve."""
    parser = argparse.ArgumentParser(prog="python -m bench.spike_power", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir(), help="shared data folder (nab/ and sentiment/)")
    parser.add_argument("--plot", type=Path, help="write the power curve as a PNG here")
    parser.add_argument("--json", type=Path, help="write every burst and quiet run as JSON here")
    args = parser.parse_args(argv)
    bursts, quiet = run(args.data)
    must = pinned(bursts)
    print(f"# Spike power: {len(bursts)} bursts, {len(quiet)} quiet runs\n")
    print("**Recall by baseline level and burst size** (all lengths and backgrounds)\n")
    print(recall_table(bursts) + "\n")
    print("**Recall by burst length and size** (all levels and backgrounds)\n")
    print(duration_table(bursts) + "\n")
    print("**False alerts per series-day without injected bursts**, by background and level "
          "(own bursts of the pinned size excluded; last column: every alert)\n")
    print(false_alert_table(quiet) + "\n")
    print("**Pinned bursts found / qualifying** (some 30 minutes at ≥ 4× the reference and ≥ 20 posts above it), "
          "by level and length\n")
    print(pinned_table(bursts) + "\n")
    missed = [b for b in must if not b.found]
    print(f"Pinned (≥ 4× and ≥ 20 extra posts within 30 minutes): {len(must) - len(missed)}/{len(must)} found; "
          f"false alerts {false_alert_rate(quiet):.3f} per series-day "
          f"(every alert, own bursts included: {false_alert_rate(quiet, all_alerts=True):.3f}).")
    for b in missed:
        print(f"- missed: {b.background}, level {b.level:g}, {b.ratio:g}×, {_minutes(b.duration)}: "
              f"{b.peak_30min:g} in 30 min against {b.base_30min:.1f}, at bucket {b.start}")
    if args.plot:
        plot(bursts, args.plot)
        print(f"\nPower curve written to {args.plot}")
    if args.json:
        args.json.write_text(json.dumps({"bursts": [b.__dict__ | {"duration": b.duration.total_seconds()} for b in bursts],
                                         "quiet": [q.__dict__ for q in quiet]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
