"""`brandmon extract`: one source, one brand, one window; posts as JSON lines, nothing stored."""

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml
from werkzeug import Response

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


def test_a_wechat_articles_source_prints_its_articles_with_bodies(tmp_path, httpserver, monkeypatch, capsys):
    """WeChat articles through Sogou's search and article pages, served from the hand-rebuilt
    pages in tests/extractors/fixtures/wechat; the Connection's cookie goes to Sogou."""
    fixtures = Path(__file__).parent.parent / "extractors" / "fixtures" / "wechat"

    def page(name: str) -> str:
        return (fixtures / name).read_text(encoding="utf-8")

    monkeypatch.setenv("AIRFLOW_CONN_WECHAT_SOGOU", json.dumps({"conn_type": "http", "password": "SNUID=0A1B2C"}))
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    for number in ("1", "2"):
        httpserver.expect_request("/weixin", query_string={"type": "2", "query": "艾克米", "ie": "utf8", "tsn": "5",
                                                           "ft": "2025-12-02", "et": "2025-12-02", "page": number}) \
            .respond_with_data(page(f"search_page{number}.html"), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/link").respond_with_handler(lambda request: Response(
        page("link_article0.html" if request.args["url"].endswith("4fw..") else "link_article1.html"),
        content_type="text/html; charset=utf-8"))
    articles = {"art0sig": "article0.html", "art1sig": "article_deleted.html", "hb2old0": "article_old0.html"}
    httpserver.expect_request("/s").respond_with_handler(lambda request: Response(
        page(articles[request.args["signature"]]), content_type="text/html; charset=utf-8"))
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["wechat"]}},
        "sources": {"wechat": {"kind": "wechat_articles", "base_url": httpserver.url_for("/"),
                               "article_base_url": httpserver.url_for("/"), "min_interval": 0, "fetch_bodies": True,
                               "connection": "wechat_sogou", "media_accounts": {"财经日报": 2000000}}},
    }, allow_unicode=True))
    code = main(["extract", "--config", str(path), "--brand", "acme", "--source", "wechat",
                 "--start", "2025-12-02T00:00+08:00", "--end", "2025-12-02T12:00+08:00"])
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines()]
    assert code == 0, out.err
    assert [(row["platform"], row["author"], row["extra"]["article_status"]) for row in rows] == [
        ("wechat", "财经日报", "read"), ("wechat", "消费维权观察", "deleted"), ("wechat", "艾克米咖啡", "read")]
    assert (rows[0]["author_verified"], rows[0]["author_followers"]) == ("media", 2000000)
    assert "大杯拿铁由28元涨至32元" in rows[0]["text"] and rows[0]["url"].startswith("https://mp.weixin.qq.com/s?__biz=")
    assert "wechat: ok, 3 posts" in out.err
    assert {r.headers.get("Cookie") for r, _ in httpserver.log if r.path in ("/weixin", "/link")} == {"SNUID=0A1B2C"}


def test_a_wechat_articles_source_walled_by_sogou_fails_with_its_class(tmp_path, httpserver, capsys):
    """Sogou's verification page (hand-rebuilt, tests/extractors/fixtures/wechat) is an auth error, not 'ok, 0 posts'."""
    fixtures = Path(__file__).parent.parent / "extractors" / "fixtures" / "wechat"
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/weixin").respond_with_response(Response(
        "", status=302, headers={"Location": "/antispider/?from=%2Fweixin"}))
    httpserver.expect_request("/antispider/").respond_with_data(
        (fixtures / "antispider.html").read_text(encoding="utf-8"), content_type="text/html; charset=utf-8")
    path = tmp_path / "brands.yaml"
    path.write_text(yaml.safe_dump({
        "brands": {"acme": {"keywords": ["艾克米"], "sources": ["wechat"]}},
        "sources": {"wechat": {"kind": "wechat_articles", "base_url": httpserver.url_for("/"), "min_interval": 0}},
    }, allow_unicode=True))
    code = main(["extract", "--config", str(path), "--brand", "acme", "--source", "wechat",
                 "--start", "2025-12-02T00:00+08:00", "--end", "2025-12-02T12:00+08:00"])
    out = capsys.readouterr()
    assert code == 1 and out.out == ""
    assert "wechat: error, 0 posts, 0 quarantined, 3 requests; auth:" in out.err
    assert "verification (anti-spider) page" in out.err and "add `connection:`" in out.err
