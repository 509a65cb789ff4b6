"""The DAG tests' world: a week of synthetic posts, a news feed on loopback, a webhook receiver.

The archive is brandmon's own synthetic demo (two made-up brands, a complaint burst in the last
75 minutes), generated once per session with its seed, so every run in a session sees the same posts. The feed is a small Chinese news RSS document
written here, served by a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

import yaml

from brandmon.demo import demo_reposts, generate
from brandmon.staging import write_jsonl

from .conftest import CONFIG, ROOT

# The week ends at the last whole hour, so the burst's alerts are fresh enough to be delivered.
END = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
START = END - timedelta(days=7)
ARCHIVE = ROOT / "data" / "posts.jsonl"
REPOSTS = ROOT / "data" / "reposts.jsonl"  # the demo's spreading post's reposts (brandmon.demo)
ALERT_FILE = ROOT / "state" / "alerts" / "alerts.jsonl"

NEWS = [  # (minutes before END, title, description)
    (50, "示例咖啡回应新品质量问题", "多名消费者反映示例咖啡生椰拿铁变质，示例咖啡客服称将调查并退款。"),
    (40, "样板茶饮与示例咖啡开启联名", "样板茶饮今天宣布与示例咖啡推出联名饮品。"),
    (30, "本地新开三家咖啡馆", "与两家品牌都无关的一条新闻。"),
    (60 * 24 * 10, "旧闻：示例咖啡开业", "十天前的新闻，不在窗口内。"),
]


def rss_document() -> str:
    items = "".join(
        f"<item><title>{escape(title)}</title><link>https://news.example.cn/a/{i}</link>"
        f"<guid>news-{i}</guid><pubDate>{format_datetime(END - timedelta(minutes=m))}</pubDate>"
        f"<description>{escape(body)}</description></item>"
        for i, (m, title, body) in enumerate(NEWS))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>资讯搜索</title>'
            f"<link>https://news.example.cn/</link><description>test feed</description>{items}</channel></rss>")


def write_scenario_config(server) -> None:
    """The test config: both demo brands, the archive and the loopback feed, a webhook channel, the
    demo's reposts file as the spread of its platform."""
    if not ARCHIVE.exists():
        write_jsonl(ARCHIVE, generate(END))
        write_jsonl(REPOSTS, demo_reposts(END))
    config = {
        "timezone": "Asia/Shanghai",
        "schedule": {"interval_minutes": 15, "lookback_minutes": 30, "bucket_minutes": 15},
        "storage": {"state_dir": "../state"},
        "brands": {
            "demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡"], "aliases": ["Demo Coffee"],
                            "competitors": ["demo_tea"], "sources": ["history", "news"]},
            "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "competitors": ["demo_coffee"],
                         "sources": ["history", "news"]},
        },
        "sources": {
            "history": {"kind": "archive", "path": str(ARCHIVE)},
            "news": {"kind": "rss", "url": server.url_for("/news") + "?q={query}", "platform": "news",
                     "min_interval": 0},
        },
        "alerts": {
            "languages": ["zh", "en"],
            "max_alert_age_hours": 6,
            "channels": {"pr_hook": {"kind": "webhook", "connection": "pr_hook"}},
            "routes": [{"brands": ["*"], "channels": ["pr_hook", "local_file"]}],
        },
        "monitoring": {"heartbeat_connection": "heartbeat"},
        "spread": {"platforms": {"demo": {"kind": "archive", "path": str(REPOSTS), "platform": "demo"}}},
    }
    CONFIG.parent.mkdir(parents=True, exist_ok=True)
    CONFIG.write_text(yaml.safe_dump(config, allow_unicode=True))


def heartbeat_connection(server) -> str:
    """AIRFLOW_CONN_HEARTBEAT: the outside monitor's URL (with its token) is a secret too."""
    return json.dumps({"conn_type": "http", "extra": {"url": server.url_for("/heartbeat"), "allow_private": True}})


def hook_connection(server) -> str:
    """AIRFLOW_CONN_PR_HOOK: the webhook channel's endpoint lives in a Connection, not the config
    (on loopback, so the Connection allows a private address)."""
    return json.dumps({"conn_type": "http", "extra": {"url": server.url_for("/hook"), "allow_private": True}})
