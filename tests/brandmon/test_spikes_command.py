"""`brandmon spikes FILE.csv`: the DAG's detector and defaults on a timestamp,value series."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from brandmon.cli import main
from transforms.spikes import detect_spikes

START = datetime(2025, 3, 1, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def series_with_spikes():
    n = 20 * 96
    timestamps = [START + i * QUARTER for i in range(n)]
    values = np.random.default_rng(0).poisson(8, n).astype(float)
    for day in (9, 15):
        values[day * 96 + 24: day * 96 + 28] += 40
    values[17 * 96: 17 * 96 + 8] = 0  # two silent hours
    return timestamps, values


def write_csv(path, timestamps, values, header=True):
    lines = ["timestamp,value"] if header else []
    lines += [f"{t.isoformat()},{int(v)}" for t, v in zip(timestamps, values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(argv, capsys):
    code = main(["spikes", *argv])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_prints_one_json_line_per_alert_of_the_shipped_detector(tmp_path, capsys):
    timestamps, values = series_with_spikes()
    code, alerts, _ = run([str(write_csv(tmp_path / "s.csv", timestamps, values))], capsys)

    expected = [s.as_dict() for s in detect_spikes(timestamps, values)]
    assert code == 0
    assert alerts == expected
    assert len(alerts) >= 2
    assert {"timestamp", "value", "expected", "score", "severity"} <= set(alerts[0])


def test_header_is_optional_and_stdin_works(tmp_path, capsys, monkeypatch):
    timestamps, values = series_with_spikes()
    _, with_header, _ = run([str(write_csv(tmp_path / "a.csv", timestamps, values))], capsys)
    _, without, _ = run([str(write_csv(tmp_path / "b.csv", timestamps, values, header=False))], capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO((tmp_path / "a.csv").read_text()))
    _, piped, _ = run(["-"], capsys)
    assert with_header == without == piped != []


def test_settings_can_be_overridden(tmp_path, capsys):
    timestamps, values = series_with_spikes()
    path = str(write_csv(tmp_path / "s.csv", timestamps, values))
    _, default, _ = run([path], capsys)
    _, strict, _ = run([path, "--set", "must_find_ratio=10", "--set", "min_ratio=10"], capsys)
    _, wide, _ = run([path, "--set", "windows=2h"], capsys)
    assert len(strict) < len(default)
    first = datetime.fromisoformat(wide[0]["window_start"])
    assert datetime.fromisoformat(wide[0]["window_end"]) - first == timedelta(hours=2)


def test_silence_alerts_on_request(tmp_path, capsys):
    timestamps, values = series_with_spikes()
    path = str(write_csv(tmp_path / "s.csv", timestamps, values))
    _, alerts, _ = run([path, "--silence"], capsys)
    kinds = [a["kind"] for a in alerts]
    assert kinds.count("silence") == 1 and "spike" in kinds
    assert [a["timestamp"] for a in alerts] == sorted(a["timestamp"] for a in alerts)


@pytest.mark.parametrize(("content", "message"), [
    ("timestamp,value\n2025-03-01T00:00:00,1\nyesterday,2\n", "line 3"),
    ("2025-03-01T00:00:00,1\n2025-03-01T00:15:00,many\n", "not a number"),
    ("2025-03-01T00:00:00,1\n2025-03-01T00:15:00\n", "expected timestamp,value"),
    ("2025-03-01T00:00:00,1\n2025-03-01T00:15:00+08:00,1\n", "UTC offset"),
    ("2025-03-01T00:00:00,1\n2025-03-01T00:15:00,-1\n", "not negative"),
])
def test_bad_input_is_a_clear_error(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, alerts, err = run([str(path)], capsys)
    assert code == 2 and alerts == []
    assert message in err


def test_unknown_setting_and_missing_file_are_errors(tmp_path, capsys):
    path = str(write_csv(tmp_path / "s.csv", *series_with_spikes()))
    code, _, err = run([path, "--set", "treshold=3"], capsys)
    assert code == 2 and "unknown detector settings" in err
    code, _, err = run([str(tmp_path / "missing.csv")], capsys)
    assert code == 2 and "missing.csv" in err
