"""A world for the dashboard tests: the demo's week run through the real pipeline (extract, transform,
load, detect, deliver) into a real warehouse, with one hostile post in the burst; and the app served
by a real uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from fastapi import FastAPI, Request

from brandmon import pipeline
from brandmon.config import Config, load_config
from brandmon.dashboard.app import LoginRequired
from brandmon.demo import REPOSTS_FILE, demo_reposts, generate
from brandmon.spread import fetch
from brandmon.staging import write_jsonl
from brandmon.windows import RunWindow
from extractors.base import Window

END = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai; the burst is 10:45–12:00
NOW = END + timedelta(minutes=5)
# a complaint with reach, so that it ranks among the incident's posts that matter most
HOSTILE = '示例咖啡生椰拿铁杯子里有虫子 <img src=x onerror="alert(1)"> 太恶心了，要求退款！'
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def build_world(root: Path) -> Config:
    """The demo archive (plus the hostile post) under `root`, run through the pipeline as one manual run."""
    posts = generate(END)
    posts.append({"id": "hostile1", "platform": "demo", "text": HOSTILE, "published_at": (END - timedelta(minutes=20)).isoformat(),
                  "url": "https://example.com/demo/posts/hostile1", "author": "<b>bold</b>", "likes": 5000})
    write_jsonl(root / "posts.jsonl", posts)
    write_jsonl(root / REPOSTS_FILE, demo_reposts(END))
    doc = {
        "timezone": "Asia/Shanghai",
        "storage": {"state_dir": "state"},
        "brands": {
            "demo_coffee": {"name": "示例咖啡", "keywords": ["示例咖啡", "Demo Coffee"], "competitors": ["demo_tea"],
                            "sources": ["history", "broken"]},
            "demo_tea": {"name": "样板茶饮", "keywords": ["样板茶饮"], "competitors": ["demo_coffee"],
                         "sources": ["history"]}},
        "sources": {"history": {"kind": "archive", "path": "posts.jsonl"},
                    "broken": {"kind": "archive", "path": "missing/*.jsonl"}},
        "alerts": {"dashboard_url": "http://127.0.0.1:8080/brandmon"},
        "spread": {"platforms": {"demo": {"kind": "archive", "path": REPOSTS_FILE, "platform": "demo"}}},
    }
    (root / "brands.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    config = load_config(root / "brands.yaml")
    run_week(config, END, NOW, "manual__1")
    return config


def run_week(config: Config, end: datetime, now: datetime, run_id: str) -> None:
    """The week before `end` through the real pipeline as one manual run at `now`: extract, transform,
    load, detect with the spread step, deliver."""
    window = RunWindow(Window(end - timedelta(days=7), end), config.schedule.lookback)
    staged = [pipeline.extract(config, i["brand"], i["source"], window, run_id, now) for i in pipeline.plan(config)]
    loaded = pipeline.load(config, pipeline.transform(config, staged, window, run_id), window)
    run = pipeline.RunInfo(run_id, "manual", now)
    pipeline.detect(config, window, run, spread=fetch(config, loaded["spread_targets"], window, run, now))
    pipeline.deliver(config, {}, now)


SESSION = "a-session-the-test-made"


def viewer(request: Request) -> str:
    """Who is signed in, for the app without Airflow: the session cookie the tests hand out, else
    off to a login page (the Airflow plugin's own check is tested in tests/e2e)."""
    if request.cookies.get("session") != SESSION:
        raise LoginRequired(f"/login?next={request.url}")
    return "pr-manager"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: Any, prefix: str = "/brandmon") -> Iterator[str]:
    """Serve `app` mounted at `prefix` (as the Airflow API server mounts it) with uvicorn; yields its URL."""
    root = FastAPI()
    root.mount(prefix, app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(root, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}{prefix}"
    finally:
        server.should_exit = True
        thread.join(10)


def loader(config_path: Path) -> Callable[[], Config]:
    return lambda: load_config(config_path)
