"""`brandmon digest`: print a day's digests from the published warehouse, or send them once."""

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from alerts.digest import build_digest
from alerts.model import Alert
from brandmon.cli import main
from brandmon.config import load_config
from tests.demo_world import demo_week
from warehouse.db import reader, writer
from warehouse.runs import RunRecord, record_run

DEMO_END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


def setup_warehouse(tmp_path, day: date = date(2026, 11, 26)):
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "timezone": "Asia/Shanghai", "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
        "alerts": {"languages": ["zh"]}}, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    with writer(config.warehouse, "Asia/Shanghai") as conn:
        at = datetime(day.year, day.month, day.day, 14, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
        conn.execute("""INSERT INTO posts (platform, native_id, source, published_at, text, url, likes, clean_text,
                        sentiment, label, complaint, complaint_score, complaint_reasons, keywords, model)
                        VALUES ('weibo', '1', 'history', ?, '示例咖啡拿铁喝完拉肚子', 'https://weibo.com/1/A', 20,
                        '示例咖啡拿铁喝完拉肚子', 0.1, 'neg', true, 0.9, ['食品安全'], ['拉肚子'], 'test')""", [at])
        conn.execute("INSERT INTO mentions (platform, native_id, brand, published_at, matched_terms) "
                     "VALUES ('weibo', '1', 'demo_coffee', ?, ['示例咖啡'])", [at])
        midnight = at.replace(hour=0, minute=0)
        record_run(conn, RunRecord("scheduled__day", "scheduled", midnight, midnight + timedelta(days=1),
                                   midnight + timedelta(days=1), 0))
    return path


def test_prints_the_digest_of_a_day(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = setup_warehouse(tmp_path)
    assert main(["digest", "--config", str(path), "--day", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("【每日简报】示例咖啡 2026-11-26 (Asia/Shanghai)")
    assert "声量: 1" in out and "投诉数: 1" in out and "https://weibo.com/1/A" in out


def test_send_delivers_the_day_then_a_corrected_revision(tmp_path, capsys, monkeypatch):
    """`--send --day` sends the day's digest; sent again (say after late posts loaded), it sends a
    revision built from the data as it is now, even for a day past the delivery expiry."""
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=3)  # --send uses the real clock
    path = setup_warehouse(tmp_path, day)
    command = ["digest", "--config", str(path), "--day", day.isoformat(), "--send"]
    assert main(command) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(command) == 0
    second = json.loads(capsys.readouterr().out)
    assert (first["day"], first["revisions"], first["delivery"]["sent"]) == (day.isoformat(), {"demo_coffee": 1}, 1)
    assert (second["revisions"], second["enqueue"]["alerts_new"], second["delivery"]["sent"]) == (
        {"demo_coffee": 2}, 1, 1)
    lines = [json.loads(line) for line in
             (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["kind"], x["subject"]) for x in lines] == [("digest", "daily"), ("digest", "daily:r2")]
    assert lines[1]["title"]["zh"] == f"【每日简报（修订第 2 版）】示例咖啡 {day.isoformat()} (Asia/Shanghai)"


def test_send_for_a_day_nothing_loaded_sends_nothing_and_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = setup_warehouse(tmp_path)
    assert main(["digest", "--config", str(path), "--day", "2026-11-20", "--send"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["no_data"] == ["demo_coffee"]
    assert "no data loaded for 2026-11-20 for demo_coffee: no digest sent" in captured.err


def test_unknown_brand_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = setup_warehouse(tmp_path)
    assert main(["digest", "--config", str(path), "--brand", "nope"]) == 2
    assert "unknown brand 'nope'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """The demo archive run through the pipeline like `make run` does: one run over its week, then
    detection. A real DuckDB file; the demo ends at 12:00 on 11-20 in Shanghai, so 11-19 is the last
    full day and 11-13 (from 12:00) the first, partial one."""
    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("BRANDMON_STATE_DIR", raising=False)
        config = demo_week(root, DEMO_END, "manual__demo", "manual")
        yield root / "brands.yaml", config


def v_daily(config) -> dict[tuple[str, date], tuple]:
    conn = reader(config.warehouse)
    try:
        rows = conn.execute("SELECT brand, day, mentions, pos, neu, neg, complaints FROM v_daily").fetchall()
    finally:
        conn.close()
    return {(brand, day): rest for brand, day, *rest in rows}


@pytest.mark.parametrize("brand", ["demo_coffee", "demo_tea"])
def test_the_digest_of_the_demos_last_full_day_agrees_with_v_daily(demo_warehouse, brand):
    path, config = demo_warehouse
    daily = v_daily(config)
    day = date(2026, 11, 19)
    conn = reader(config.warehouse)
    try:
        digest = next(d for d in build_digest(conn, config.alerting, day) if d.brand == brand)
    finally:
        conn.close()
    mentions, pos, neu, neg, complaints = daily[(brand, day)]
    # the prior days with data: 11-14 .. 11-18; 11-13 began at noon and 11-12 had no run, so neither counts
    prior = [daily[(brand, day - timedelta(days=i))][0] for i in range(1, 6)]
    assert (brand, day - timedelta(days=6)) in daily  # the partial first day has posts, yet is left out
    d = digest.details
    assert digest.observed == mentions and digest.expected == round(sum(prior) / 5, 2)
    assert d.ratio == round(mentions / (sum(prior) / 5), 2)
    assert d.sentiment_mix == {"pos": pos, "neu": neu, "neg": neg}
    assert sum(c for *_, c in d.hourly) == complaints and sum(m for _, m, _, _ in d.hourly) == mentions
    assert (d.coverage.complete, d.coverage.loaded_until, d.coverage.prior_days, d.coverage.sources_down) == (
        True, "24:00", 5, [])
    trend_days = {}
    for hour, m, n, _ in d.trend.hours:
        trend_days.setdefault(date.fromisoformat(hour[:10]), [0, 0])
        trend_days[date.fromisoformat(hour[:10])][0] += m
        trend_days[date.fromisoformat(hour[:10])][1] += n
    assert trend_days == {k[1]: [v[0], v[3]] for k, v in daily.items() if k[0] == brand and k[1] <= day}
    assert d.trend.gaps == [("2026-11-12T00:00", "2026-11-13T12:00")]  # before the demo's run began


def test_the_cli_prints_the_comparison_with_days_of_data(demo_warehouse, capsys):
    path, config = demo_warehouse
    assert main(["digest", "--config", str(path), "--day", "2026-11-19", "--brand", "demo_coffee"]) == 0
    out = capsys.readouterr().out
    assert "前 7 日中 5 个完整日的日均" in out and "daily mean of the 5 complete days among the prior 7" in out
    assert "数据缺失" not in out and "Missing data" not in out
    assert main(["digest", "--config", str(path), "--day", "2026-11-20", "--brand", "demo_coffee"]) == 0
    assert "当日数据不完整：只加载到 12:00" in capsys.readouterr().out


def test_the_burst_alert_carries_the_week_up_to_its_window(demo_warehouse):
    _, config = demo_warehouse
    conn = reader(config.warehouse)
    try:
        details, start, end = conn.execute(
            "SELECT details, bucket_start, bucket_end FROM alerts WHERE kind = 'complaint_spike' "
            "ORDER BY bucket_start DESC LIMIT 1").fetchone()
        (burst,) = conn.execute("SELECT count(*) FILTER (WHERE complaint) FROM v_mentions WHERE brand = 'demo_coffee' "
                                "AND published_at >= ? AND published_at < ?", [start, end]).fetchone()
    finally:
        conn.close()
    trend = Alert.details_from_json(details).trend
    last = (end - timedelta(microseconds=1)).astimezone(config.timezone)
    assert trend.start == "2026-11-13T00:00" and trend.end == f"{end.astimezone(config.timezone):%Y-%m-%dT%H:%M}"
    assert trend.gaps == [("2026-11-13T00:00", "2026-11-13T12:00")]  # before the demo's run began
    assert trend.hours[-1][0] == f"{last:%Y-%m-%dT%H}:00"
    in_window = sum(c for hour, _, _, c in trend.hours if f"{start.astimezone(config.timezone):%Y-%m-%dT%H}:00" <= hour)
    assert in_window >= burst >= 10
    assert max(c for _, _, _, c in trend.hours[:-3]) < burst  # nothing like it in the week before
