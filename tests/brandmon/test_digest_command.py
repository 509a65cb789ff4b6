"""`brandmon digest`: print a day's digests from the published warehouse, or send them once."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import yaml

from brandmon.cli import main
from brandmon.config import load_config
from warehouse.db import writer


def setup_warehouse(tmp_path, day: date = date(2026, 11, 26)):
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "timezone": "Asia/Shanghai", "storage": {"state_dir": "state"},
        "brands": {"demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡"], "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"}},
        "alerts": {"languages": ["zh"]}}, allow_unicode=True), encoding="utf-8")
    config = load_config(path)
    with writer(config.duckdb_path, config.published_path, "Asia/Shanghai") as conn:
        at = datetime(day.year, day.month, day.day, 14, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
        conn.execute("""INSERT INTO posts (platform, native_id, source, published_at, text, url, likes, clean_text,
                        sentiment, label, complaint, complaint_score, complaint_reasons, keywords, model)
                        VALUES ('weibo', '1', 'history', ?, '示例咖啡拿铁喝完拉肚子', 'https://weibo.com/1/A', 20,
                        '示例咖啡拿铁喝完拉肚子', 0.1, 'neg', true, 0.9, ['食品安全'], ['拉肚子'], 'test')""", [at])
        conn.execute("INSERT INTO mentions VALUES ('weibo', '1', 'demo_coffee', ?, ['示例咖啡'])", [at])
    return path


def test_prints_the_digest_of_a_day(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = setup_warehouse(tmp_path)
    assert main(["digest", "--config", str(path), "--day", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("【每日简报】示例咖啡 2026-11-26 (Asia/Shanghai)")
    assert "声量: 1" in out and "投诉数: 1" in out and "https://weibo.com/1/A" in out


def test_send_delivers_once_to_the_local_file(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)  # --send uses the real clock
    path = setup_warehouse(tmp_path, yesterday)
    command = ["digest", "--config", str(path), "--day", yesterday.isoformat(), "--send"]
    assert main(command) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(command) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["day"] == yesterday.isoformat() and first["delivery"]["sent"] == 1
    assert second["enqueue"]["alerts_new"] == 0 and second["delivery"]["sent"] == 0
    lines = (tmp_path / "state" / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["digest"]


def test_unknown_brand_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    path = setup_warehouse(tmp_path)
    assert main(["digest", "--config", str(path), "--brand", "nope"]) == 2
    assert "unknown brand 'nope'" in capsys.readouterr().err
