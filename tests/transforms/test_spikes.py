"""Spike detector: alerts on unusual counts, once per spike, causally, for any bucket size."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from transforms.baseline import to_grid
from transforms.spikes import (
    DEFAULT,
    DetectorConfig,
    config_from_overrides,
    detect_spikes,
    parse_duration,
    score_series,
)

START = datetime(2025, 3, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def daily_series(days: int, per_hour: float, seed: int = 0, bucket: timedelta = QUARTER):
    """Poisson counts with a day/night cycle (busy 09-23 China time), like a brand's mentions."""
    n = round(days * timedelta(days=1) / bucket)
    timestamps = [START + i * bucket for i in range(n)]
    china_hour = np.array([(t.hour + 8) % 24 for t in timestamps])
    shape = np.where((china_hour >= 9) & (china_hour <= 23), 1.6, 0.3)
    rate = per_hour * (bucket / timedelta(hours=1)) * shape / shape.mean()
    values = np.random.default_rng(seed).poisson(rate).astype(float)
    return timestamps, values


def at(timestamps, when: datetime) -> int:
    return timestamps.index(when)


def add_burst(values, start: int, buckets: int, extra: float) -> np.ndarray:
    out = values.copy()
    out[start:start + buckets] += extra
    return out


def rising_edges(spikes):
    """Alerts that open an episode (an episode may add one escalation to critical)."""
    return [s for s in spikes if not s.escalation]


def test_a_clear_spike_alerts_once_with_its_size_and_window():
    timestamps, values = daily_series(20, per_hour=40)
    spike_at = at(timestamps, datetime(2025, 3, 15, 6, 0, tzinfo=UTC))  # 14:00 China time
    values = add_burst(values, spike_at, 4, 30)  # +120 mentions over an hour, over twice the usual

    spikes = detect_spikes(timestamps, values)

    assert len(spikes) == 1
    spike = spikes[0]
    assert timestamps[spike_at] <= spike.timestamp < timestamps[spike_at] + timedelta(hours=1)
    assert spike.window_end - spike.window_start in DEFAULT.windows
    assert spike.window_end == spike.timestamp + QUARTER
    in_window = [v for t, v in zip(timestamps, values) if spike.window_start <= t < spike.window_end]
    assert spike.value == sum(in_window)
    assert spike.expected < spike.value / 2
    assert spike.ratio == pytest.approx(spike.value / spike.expected)
    assert spike.p_value <= DEFAULT.tail_probability(QUARTER)
    assert spike.score == pytest.approx(-math.log10(spike.p_value)) and spike.score >= DEFAULT.threshold(QUARTER)
    assert spike.severity in ("info", "warning") and not spike.escalation
    assert spike.as_dict()["timestamp"] == spike.timestamp.isoformat()


def test_quiet_series_do_not_alert():
    for seed in range(3):
        timestamps, values = daily_series(30, per_hour=40, seed=seed)
        assert detect_spikes(timestamps, values) == []


def test_decisions_are_causal_truncating_the_future_changes_nothing_before():
    timestamps, values = daily_series(20, per_hour=30, seed=3)
    for day, extra in ((6, 40), (10, 25), (14, 80), (17, 30)):
        values = add_burst(values, at(timestamps, datetime(2025, 3, 1 + day, 5, 0, tzinfo=UTC)), 3, extra)
    full = detect_spikes(timestamps, values)
    assert len(full) >= 3
    for spike in full:
        cut = at(timestamps, spike.timestamp) + 1
        prefix = detect_spikes(timestamps[:cut], values[:cut])
        assert prefix == [s for s in full if s.timestamp <= spike.timestamp]
        assert detect_spikes(timestamps[:cut - 1], values[:cut - 1]) == [s for s in full if s.timestamp < spike.timestamp]


def test_alerts_do_not_depend_on_where_history_starts_beyond_config_history():
    timestamps, values = daily_series(70, per_hour=30, seed=4)
    for day in (50, 55, 59, 66):
        values = add_burst(values, at(timestamps, START + timedelta(days=day, hours=4)), 4, 40)
    window_start = START + timedelta(days=54)
    history_start = at(timestamps, window_start - DEFAULT.history)

    whole = [s for s in detect_spikes(timestamps, values) if s.timestamp >= window_start]
    recent = [s for s in detect_spikes(timestamps[history_start:], values[history_start:]) if s.timestamp >= window_start]

    assert len(whole) >= 3
    assert recent == whole


def test_same_input_gives_same_alerts():
    timestamps, values = daily_series(20, per_hour=30, seed=5)
    values = add_burst(values, 1500, 4, 50)
    assert detect_spikes(timestamps, values) == detect_spikes(list(timestamps), list(values))


def test_missing_buckets_are_zero_counts():
    timestamps, values = daily_series(20, per_hour=8, seed=6)
    values = add_burst(values, 1500, 4, 30)
    kept = [i for i, v in enumerate(values) if v > 0]
    assert len(kept) < len(values)  # the sparse copy really has gaps

    sparse = detect_spikes([timestamps[i] for i in kept], [values[i] for i in kept], bucket=QUARTER)

    assert sparse == detect_spikes(timestamps, values)
    assert sparse


def test_rows_in_the_same_bucket_add_up():
    timestamps, values = daily_series(20, per_hour=30, seed=7)
    values = add_burst(values, 1500, 4, 50)
    halves = [v / 2 for v in values]
    doubled = detect_spikes(timestamps + timestamps, halves + halves, bucket=QUARTER)
    assert doubled == detect_spikes(timestamps, values)


def test_a_tiny_brand_does_not_page_on_one_to_four_but_on_twenty_more_in_half_an_hour():
    timestamps, values = daily_series(20, per_hour=0.2, seed=8)
    at_noon = at(timestamps, datetime(2025, 3, 15, 6, tzinfo=UTC))
    assert detect_spikes(timestamps, add_burst(values, at_noon, 1, 4)) == []
    assert detect_spikes(timestamps, add_burst(values, at_noon, 2, 5)) == []  # ten more: below the promise
    twenty = add_burst(values, at_noon, 2, 11)  # twenty-two more in half an hour
    assert len(rising_edges(detect_spikes(timestamps, twenty))) == 1


def test_a_silent_brand_that_suddenly_gets_posts_alerts_but_one_post_does_not():
    timestamps = [START + i * QUARTER for i in range(20 * 96)]
    silent = np.zeros(len(timestamps))
    at_noon = at(timestamps, datetime(2025, 3, 15, 4, tzinfo=UTC))
    assert detect_spikes(timestamps, add_burst(silent, at_noon, 1, 1)) == []
    burst = detect_spikes(timestamps, add_burst(silent, at_noon, 2, 30))  # 0 -> 10 posts per 5 minutes
    assert [s.timestamp for s in rising_edges(burst)] == [timestamps[at_noon]]
    assert all(s.escalation and s.severity == "critical" for s in burst[1:])  # at most its one escalation


def test_empty_and_all_zero_series_have_no_alerts():
    assert detect_spikes([], [], bucket=QUARTER) == []
    timestamps = [START + i * QUARTER for i in range(25 * 96)]
    assert detect_spikes(timestamps, np.zeros(len(timestamps))) == []


def test_a_level_shift_alerts_once_then_the_baseline_adapts():
    timestamps, values = daily_series(30, per_hour=30, seed=16)
    shift = at(timestamps, datetime(2025, 3, 14, 2, tzinfo=UTC))
    busier = values.copy()
    busier[shift:] = daily_series(30, per_hour=120, seed=17)[1][shift:]  # four times busier for good

    spikes = rising_edges(detect_spikes(timestamps, busier))

    assert [s.timestamp.date() for s in spikes] == [timestamps[shift].date()]


def test_a_spike_is_found_while_an_earlier_crisis_is_still_in_the_history():
    timestamps, values = daily_series(30, per_hour=30, seed=18)
    crisis = at(timestamps, datetime(2025, 3, 10, 2, tzinfo=UTC))
    values = add_burst(values, crisis, 8 * 4, 60)  # eight hours at about nine times the usual
    values = add_burst(values, at(timestamps, datetime(2025, 3, 17, 4, tzinfo=UTC)), 4, 30)

    assert [s.timestamp.day for s in rising_edges(detect_spikes(timestamps, values))] == [10, 17]


def test_no_alert_before_the_minimum_history():
    timestamps, values = daily_series(10, per_hour=30, seed=9)
    early = add_burst(values, at(timestamps, START + timedelta(days=2, hours=6)), 4, 80)
    assert detect_spikes(timestamps, early) == []
    later = add_burst(values, at(timestamps, START + timedelta(days=6, hours=6)), 4, 80)
    assert len(rising_edges(detect_spikes(timestamps, later))) == 1


def test_a_daily_peak_is_normal_but_the_same_peak_at_night_is_not():
    timestamps, values = daily_series(20, per_hour=30, seed=10)
    hours = np.array([t.hour for t in timestamps])
    values = values + np.where(hours == 12, 25.0, 0.0)  # every day 20:00-21:00 China time: a TV slot
    assert detect_spikes(timestamps, values) == []

    night = at(timestamps, datetime(2025, 3, 16, 19, 0, tzinfo=UTC))  # 03:00 China time
    spikes = rising_edges(detect_spikes(timestamps, add_burst(values, night, 4, 25)))
    assert [s.timestamp.date() for s in spikes] == [datetime(2025, 3, 16).date()]


def test_a_sustained_spike_alerts_once_and_a_later_one_again():
    timestamps, values = daily_series(25, per_hour=30, seed=11)
    first = at(timestamps, datetime(2025, 3, 12, 2, tzinfo=UTC))
    values = add_burst(values, first, 6 * 4, 15)  # six hours at about three times the usual
    values = add_burst(values, first + 6 * 4 + 8, 4, 15)  # again two hours later: same episode
    second = at(timestamps, datetime(2025, 3, 18, 2, tzinfo=UTC))
    values = add_burst(values, second, 4, 25)

    spikes = detect_spikes(timestamps, values)

    assert [s.timestamp.date() for s in spikes] == [timestamps[first].date(), timestamps[second].date()]
    assert not any(s.escalation for s in spikes)


def test_an_episode_that_escalates_to_critical_alerts_once_more():
    timestamps, values = daily_series(25, per_hour=30, seed=12)
    start = at(timestamps, datetime(2025, 3, 12, 2, tzinfo=UTC))
    ramp = np.repeat([15.0, 30.0, 60.0, 120.0, 240.0, 480.0], 4)  # doubling every hour
    values = values.copy()
    values[start:start + len(ramp)] += ramp

    spikes = [s for s in detect_spikes(timestamps, values) if s.timestamp.date() == timestamps[start].date()]

    assert [(s.severity != "critical", s.escalation) for s in spikes] == [(True, False), (False, True)]


def test_severity_follows_the_ratio_and_for_critical_also_the_score():
    config = DetectorConfig(warning_ratio=2, critical_ratio=5, critical_score=10)
    assert [config.severity(score, ratio) for score, ratio in ((7, 1.5), (7, 2), (9, 6), (10, 4.9), (10, 5), (40, 50))] == [
        "info", "warning", "warning", "warning", "critical", "critical"]


def test_one_huge_spike_does_not_blind_the_detector_for_weeks():
    timestamps, values = daily_series(30, per_hour=30, seed=13)
    values = add_burst(values, at(timestamps, datetime(2025, 3, 10, 4, tzinfo=UTC)), 8, 3000)  # two hours
    values = add_burst(values, at(timestamps, datetime(2025, 3, 14, 4, tzinfo=UTC)), 4, 40)

    days = [s.timestamp.day for s in rising_edges(detect_spikes(timestamps, values))]
    assert days == [10, 14]


def test_a_noisier_series_needs_a_bigger_excess_but_a_promised_burst_always_alerts():
    timestamps, calm = daily_series(25, per_hour=200, seed=14)
    rng = np.random.default_rng(14)
    noisy = rng.poisson(calm * rng.gamma(1 / 0.3, 0.3, len(calm))).astype(float)  # alpha about 0.3
    burst = at(timestamps, datetime(2025, 3, 20, 4, tzinfo=UTC))
    usual = score_series(to_grid(timestamps, calm), DEFAULT).looks[0].expected[burst] / 2  # per bucket

    def alert_days(values):
        return [s.timestamp.date() for s in rising_edges(detect_spikes(timestamps, values))
                if abs(s.timestamp - timestamps[burst]) < timedelta(days=1)]

    day = [timestamps[burst].date()]
    assert alert_days(add_burst(calm, burst, 4, 2 * usual)) == day  # three times the usual for an hour
    assert alert_days(add_burst(noisy, burst, 4, 2 * usual)) == []  # within what this series does
    assert alert_days(add_burst(noisy, burst, 2, 4 * usual)) == day  # five times, half an hour: promised
    scores = score_series(to_grid(timestamps, noisy), DEFAULT)
    assert np.nanmax(scores.looks[2].alpha) > 0.2  # fitted, not capped: the 8-hour look makes no promise


def test_the_promise_holds_at_every_level_however_wild_the_series():
    """Half an hour at max(4 × baseline, baseline + 20) alerts, whatever noise the series has shown."""
    for per_hour in (0.5, 5, 50, 500, 5000):
        timestamps, calm = daily_series(25, per_hour=per_hour, seed=19)
        rng = np.random.default_rng(19)
        wild = rng.poisson(calm * rng.gamma(1 / 2.0, 2.0, len(calm))).astype(float)  # alpha 2
        expected = score_series(to_grid(timestamps, wild), DEFAULT).looks[0].expected
        ends = [at(timestamps, START + timedelta(days=day, hours=7 * day % 24)) for day in range(5, 24)]  # all hours
        burst = wild.copy()
        for end in ends:
            promised = np.ceil(max(4 * expected[end], expected[end] + 20))
            burst[end - 1: end + 1] = np.ceil(promised / 2)
        found = score_series(to_grid(timestamps, burst), DEFAULT).candidate
        assert [timestamps[end] for end in ends if not found[end]] == [], per_hour


def test_the_same_defaults_work_for_five_and_fifteen_minute_buckets():
    five = timedelta(minutes=5)
    timestamps, values = daily_series(20, per_hour=30, seed=15, bucket=five)
    for day in (8, 12, 16):
        values = add_burst(values, at(timestamps, datetime(2025, 3, 1 + day, 6, tzinfo=UTC)), 12, 20)
    coarse_times = timestamps[::3]
    coarse = values.reshape(-1, 3).sum(axis=1)

    fine_days = [s.timestamp.date() for s in rising_edges(detect_spikes(timestamps, values))]
    coarse_spikes = rising_edges(detect_spikes(coarse_times, coarse))

    assert fine_days == [s.timestamp.date() for s in coarse_spikes] and len(fine_days) == 3
    assert all(s.window_end - s.window_start in DEFAULT.windows for s in coarse_spikes)


def test_short_input_has_no_alerts():
    assert detect_spikes([], []) == []
    assert detect_spikes([START], [5.0]) == []


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="timestamps but"):
        detect_spikes([START, START + QUARTER], [1.0])
    with pytest.raises(ValueError, match="finite"):
        detect_spikes([START, START + QUARTER], [1.0, float("nan")])
    with pytest.raises(ValueError, match="not negative"):
        detect_spikes([START, START + QUARTER], [1.0, -2.0])


def test_history_covers_every_look_back_of_the_detector():
    config = DEFAULT
    weekday = (config.baseline_weeks + 1) * timedelta(days=7) + timedelta(days=1)  # weeks back, each against its week before
    needed = (weekday + max(config.windows) + config.calibration_days * timedelta(days=1) + timedelta(days=1)
              + config.cooldown)
    assert config.history == needed


def test_config_overrides_take_durations_as_text():
    config = config_from_overrides({"windows": "15m, 1h", "cooldown": "1.5h", "false_alarm_rate": 0.002,
                                    "baseline_days": 14, "min_rate": 1})
    assert (config.windows, config.cooldown, config.false_alarm_rate, config.baseline_days, config.min_rate) == (
        (timedelta(minutes=15), timedelta(hours=1)), timedelta(hours=1, minutes=30), 0.002, 14, 1.0)
    assert config.tail_probability(QUARTER) == pytest.approx(0.002 / (2 * 96))
    assert config.threshold(QUARTER) == pytest.approx(-math.log10(0.002 / (2 * 96)))
    assert config_from_overrides({"windows": ["2h"]}).windows == (timedelta(hours=2),)
    assert parse_duration("3d") == timedelta(days=3)
    for bad, message in (({"cooldown": 30}, "unit"), ({"windw": "1h"}, "unknown"), ({"windows": 30}, "durations"),
                         ({"false_alarm_rate": "low"}, "number"), ({"baseline_days": 1.5}, "whole"),
                         ({"false_alarm_rate": 0}, "false_alarm_rate"), ({"warning_ratio": 11}, "warning_ratio"),
                         ({"min_ratio": 5}, "min_ratio"), ({"dispersion_quantile": 1}, "dispersion_quantile")):
        with pytest.raises(ValueError, match=message):
            config_from_overrides(bad)
    with pytest.raises(ValueError, match="duration"):
        parse_duration("2 weeks")
