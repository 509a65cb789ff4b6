"""`brandmon extract`: one source, one brand, one window; posts as JSON lines, nothing stored."""

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml

from brandmon.cli import main

T = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def config_file(tmp_path, httpserver, monkeypatch):
    monkeypatch.delenv("BRANDMON_STATE_DIR", raising=False)
    items = "".join(f"<item><title>艾克米新闻{i}</title><link>https://n.example.cn/{i}</link><guid>g{i}</guid>"
                    f"<pubDate>{format_datetime(T + timedelta(minutes=10 * i))}</pubDate></item>" for i in range(3))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/feed").respond_with_data(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
        content_type="application/rss+xml")
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "storage": {"state_dir": "state"},
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["news"]}},
        "sources": {"news": {"kind": "rss", "url": httpserver.url_for("/feed") + "?q={query}", "min_interval": 0}},
    }, allow_unicode=True))
    return path


def test_prints_the_posts_of_the_window_and_stores_nothing(config_file, capsys):
    code = main(["extract", "--config", str(config_file), "--brand", "acme", "--source", "news",
                 "--start", "2026-11-26T10:00+08:00", "--end", "2026-11-26T10:25+08:00"])
    out = capsys.readouterr()
    posts = [json.loads(line) for line in out.out.splitlines()]
    assert code == 0
    assert [p["native_id"] for p in posts] == ["g0", "g1", "g2"] and posts[0]["title"] == "艾克米新闻0"
    assert "news: ok, 3 posts" in out.err
    assert not (config_file.parent / "state").exists()


@pytest.mark.parametrize("args, words", [
    (["--brand", "nobody", "--source", "news"], "unknown brand 'nobody'"),
    (["--brand", "acme", "--source", "ftp"], "unknown source 'ftp'"),
])
def test_unknown_names_are_explained(config_file, capsys, args, words):
    assert main(["extract", "--config", str(config_file), *args, "--start", "2026-11-26T10:00+08:00",
                 "--end", "2026-11-26T11:00+08:00"]) == 2
    assert words in capsys.readouterr().err


def test_times_need_an_offset(config_file, capsys):
    assert main(["extract", "--config", str(config_file), "--brand", "acme", "--source", "news",
                 "--start", "2026-11-26T10:00", "--end", "2026-11-26T11:00"]) == 2
    assert "no UTC offset" in capsys.readouterr().err


def test_a_connection_stored_in_the_projects_airflow_is_used(config_file, httpserver, capsys, monkeypatch):
    """`brandmon airflow connections add` stores the cookie in the metadata DB (encrypted); extract
    must find it there when no AIRFLOW_CONN_ variable is set."""
    from brandmon.airflow_setup import AirflowHome, airflow_env, run_airflow

    spec = yaml.safe_load(config_file.read_text())
    spec["sources"]["news"]["connection"] = "news_cookie"
    spec["sources"]["news"]["url"] = httpserver.url_for("/private") + "?q={query}"
    config_file.write_text(yaml.safe_dump(spec, allow_unicode=True))
    httpserver.expect_request("/private", headers={"Cookie": "SESSION=abc"}).respond_with_data(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f'<item><title>艾克米内部</title><guid>p0</guid><pubDate>{format_datetime(T)}</pubDate></item>'
        '</channel></rss>', content_type="application/rss+xml")
    monkeypatch.delenv("AIRFLOW_CONN_NEWS_COOKIE", raising=False)
    env = airflow_env(AirflowHome(config_file.parent / "state"))
    run_airflow(["db", "migrate"], env)
    run_airflow(["connections", "add", "news_cookie", "--conn-type", "http", "--conn-password", "SESSION=abc"], env)

    code = main(["extract", "--config", str(config_file), "--brand", "acme", "--source", "news",
                 "--start", "2026-11-26T09:55+08:00", "--end", "2026-11-26T10:05+08:00"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert [json.loads(line)["native_id"] for line in out.out.splitlines()] == ["p0"]


def test_a_heimao_source_prints_its_complaints_with_the_connections_cookie(tmp_path, httpserver, monkeypatch, capsys):
    """黑猫投诉 search served from the hand-rebuilt answers in tests/extractors/fixtures/heimao."""
    fixtures = Path(__file__).parent.parent / "extractors" / "fixtures" / "heimao"
    monkeypatch.setenv("AIRFLOW_CONN_HEIMAO_DEFAULT", json.dumps({"conn_type": "http", "extra": {"cookie": "SUB=_2Aheimao"}}))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    for page in ("1", "2", "3"):
        httpserver.expect_request("/api/index/s", query_string={"keywords": "艾克米", "page_size": "10", "page": page}) \
            .respond_with_data((fixtures / f"search_page{page}.json").read_text(encoding="utf-8"),
                               content_type="application/json")
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["tousu"]}},
        "sources": {"tousu": {"kind": "heimao", "base_url": httpserver.url_for("/"), "min_interval": 0,
                              "connection": "heimao_default"}},
    }, allow_unicode=True))
    code = main(["extract", "--config", str(path), "--brand", "acme", "--source", "tousu",
                 "--start", "2025-12-02T00:00+08:00", "--end", "2025-12-02T12:00+08:00", "--quarantined"])
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert code == 0
    assert [row.get("native_id") or row["type"] for row in rows] == ["17390000101", "17390000102", "17390000105",
                                                                     "quarantined"]
    assert rows[0]["platform"] == "heimao" and rows[0]["extra"]["appeal"] == "退款,道歉"
    assert "tousu: ok, 3 posts, 1 quarantined, 4 requests" in out.err
    assert {r.headers.get("Cookie") for r, _ in httpserver.log if r.path == "/api/index/s"} == {"SUB=_2Aheimao"}
