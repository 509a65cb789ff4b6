"""The scale bench's world: synthetic brands, real Weibo texts, and m.weibo.cn on loopback.

Posts are real Weibo texts (bench.weibo_posts) each led by one of BRANDS' names, served by a real
HTTP server on 127.0.0.1 as m.weibo.cn's real-time search answers (`weibo_api`, search type 61,
newest first, `page_size` cards a page): every card is the recorded m.weibo.cn timeline card of the
shared data's fixtures with its id, time, text (emoticons as the recorded `<span><img alt>`), author
and counts replaced. The same server answers the spread step's repost lists (built from the same
card) and hot comments (the recorded answer), and is the alert webhook. The config points the
`weibo` source, the spread's `weibo` platform and the `bench_hook` channel at it.
"""

from __future__ import annotations

import html
import json
import random
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import yaml

from bench.weibo_posts import SENTI_100K_DEV, WEIBO_2018, data_dir, read_senti_100k, read_weibo2018

# Made-up brands (two of them the demo's): name, then a product kept whole in topic terms.
BRANDS = [("示例咖啡", "拿铁"), ("样板茶饮", "果茶"), ("演示手机", "折叠屏"), ("范例汽车", "电池"), ("模拟快递", "包裹"),
          ("试点外卖", "骑手"), ("样例航空", "航班"), ("示范家电", "空调"), ("演练美妆", "面霜"), ("测试银行", "信用卡"),
          ("模板超市", "会员"), ("样本酒店", "房间"), ("示例影院", "电影票"), ("样板健身", "私教"), ("演示书店", "新书"),
          ("范例宠物", "猫粮"), ("模拟母婴", "奶粉"), ("试点电商", "退款"), ("样例运营商", "流量"), ("示范出行", "司机")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FIXTURES = Path("fixtures/weibo_mobile_api")
TIMELINE = "getIndex_containerid_107603_user_timeline.json"
HOT_COMMENTS = "comments_hotflow.json"
EMOTICON = re.compile(r"\[([^\[\]\s]{1,8})\]")
REPOSTS_PER_POST = 20
INTERVAL = timedelta(minutes=15)  # the config's schedule: histories and measured intervals use it


def brand_ids(count: int) -> list[str]:
    """The ids of the first `count` brands: demo_coffee and demo_tea (docs/schema.md's example queries
    name them), then brand03, brand04, ..."""
    if not 2 <= count <= len(BRANDS):
        raise ValueError(f"between 2 and {len(BRANDS)} brands")
    return ["demo_coffee", "demo_tea", *(f"brand{number:02d}" for number in range(3, count + 1))]


def real_texts() -> list[str]:
    """The distinct texts of the two Weibo sentiment sets in the shared data folder."""
    folder = data_dir()
    rows = read_senti_100k(folder / SENTI_100K_DEV) + read_weibo2018(folder / WEIBO_2018)
    return list(dict.fromkeys(text.strip() for _, text in rows if text.strip()))


@dataclass(frozen=True)
class ServedPost:
    """One post the loopback m.weibo.cn serves: what the card needs."""

    mid: int
    brand: int
    text: str
    published_at: datetime
    followers: int
    verified_type: int
    reposts: int


def make_posts(count: int, start: datetime, end: datetime, brands: int, texts: Sequence[str], first_mid: int,
               seed: int) -> list[ServedPost]:
    """`count` posts spread evenly over [start, end), newest first, with distinct texts: post k is
    text k mod |texts| led by brand (k mod |texts| + k div |texts|) mod `brands`. Authors' reach is
    mostly small, with an account of 10,000+ followers (the spread step's candidates) one post in 200."""
    if count > len(texts) * brands:
        raise ValueError(f"{count} posts need more than {len(texts)} texts × {brands} brands")
    rng = random.Random(seed)
    span = (end - start) / count
    posts = []
    for k in range(count):
        text_index, round_ = k % len(texts), k // len(texts)
        brand = (text_index + round_) % brands
        big = rng.random() < 0.005
        posts.append(ServedPost(first_mid + count - k, brand, f"{BRANDS[brand][0]} {texts[text_index]}",
                                end - span * (k + 1),
                                rng.randint(20_000, 2_000_000) if big else int(rng.paretovariate(1.2) * 50),
                                0 if big and rng.random() < 0.3 else -1, rng.randint(10, 500) if big else rng.randint(0, 3)))
    return posts


class Payloads:
    """The recorded m.weibo.cn answers the server's cards and lists are built from."""

    def __init__(self) -> None:
        folder = data_dir() / FIXTURES
        timeline = json.loads((folder / TIMELINE).read_text(encoding="utf-8"))
        self.card = next(c for c in timeline["data"]["cards"]
                         if c.get("card_type") == 9 and "retweeted_status" not in c["mblog"])
        self.emoticon = re.search(r'<span class="url-icon"><img alt=\[[^\]]+\][^>]*></span>',
                                  json.dumps(timeline, ensure_ascii=False).replace('\\"', '"')).group(0)
        self.hot_comments = (folder / HOT_COMMENTS).read_bytes()

    def html(self, text: str) -> str:
        """The text as m.weibo.cn shows it: escaped, emoticons as the recorded icon spans."""
        return EMOTICON.sub(lambda m: re.sub(r"alt=\[[^\]]+\]", f"alt=[{m.group(1)}]", self.emoticon),
                            html.escape(text, quote=False))

    def mblog(self, mid: int, text_html: str, published_at: datetime, uid: int, followers: int, verified_type: int,
              reposts: int) -> dict[str, Any]:
        """The recorded mblog with this post's fields (`text_html`: the text as m.weibo.cn shows it)."""
        template = self.card["mblog"]
        user = dict(template["user"], id=uid, screen_name=f"用户{uid}", followers_count=followers,
                    verified=verified_type >= 0, verified_type=verified_type)
        return dict(template, id=str(mid), idstr=str(mid), mid=str(mid), bid=None, text=text_html,
                    created_at=published_at.astimezone(SHANGHAI).strftime("%a %b %d %H:%M:%S %z %Y"),
                    user=user, reposts_count=reposts, comments_count=reposts // 2,
                    attitudes_count=reposts * 3, isLongText=False)

    def card_of(self, post: ServedPost) -> dict[str, Any]:
        mblog = self.mblog(post.mid, self.html(post.text), post.published_at, 6_000_000_000 + post.mid % 1_000_000,
                           post.followers, post.verified_type, post.reposts)
        return dict(self.card, itemid=f"seqid:{post.mid}", scheme=f"https://m.weibo.cn/status/{post.mid}", mblog=mblog)


class LoopbackWeibo:
    """m.weibo.cn's search, repost lists and hot comments, and the alert webhook, on 127.0.0.1."""

    def __init__(self, posts: Sequence[ServedPost], brands: int, page_size: int, payloads: Payloads) -> None:
        self.payloads, self.page_size = payloads, page_size
        self.by_query: dict[str, list[ServedPost]] = {BRANDS[b][0]: [] for b in range(brands)}
        for post in sorted(posts, key=lambda p: p.published_at, reverse=True):
            self.by_query[BRANDS[post.brand][0]].append(post)
        self.by_mid = {post.mid: post for post in posts}
        self.requests = 0
        self.hooks: list[bytes] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> LoopbackWeibo:
        """Serve from a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> LoopbackWeibo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        """(status, body, content type) of one GET."""
        with self._lock:
            self.requests += 1
        if path == "/robots.txt":
            return 200, b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/api/container/getIndex":
            return 200, self._search_page(query), "application/json"
        if path == "/api/statuses/repostTimeline":
            return 200, self._reposts(int(query.get("id", "0"))), "application/json"
        if path == "/comments/hotflow":
            return 200, self.payloads.hot_comments, "application/json"
        return 404, b"not found", "text/plain"

    def _search_page(self, query: dict[str, str]) -> bytes:
        keyword = query.get("containerid", "").partition("&q=")[2]
        page = int(query.get("page", "1"))
        posts = self.by_query.get(keyword, [])[(page - 1) * self.page_size: page * self.page_size]
        if not posts:
            return json.dumps({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}).encode()
        info: dict[str, Any] = {"containerid": query.get("containerid"), "v_p": 42, "show_style": 1}
        if page * self.page_size < len(self.by_query[keyword]):
            info["page"] = page + 1
        body = {"ok": 1, "data": {"cardlistInfo": info, "cards": [self.payloads.card_of(p) for p in posts]}}
        return json.dumps(body, ensure_ascii=False).encode()

    def _reposts(self, mid: int) -> bytes:
        post = self.by_mid.get(mid)
        if post is None:
            return json.dumps({"ok": 0, "msg": "还没有人转发"}).encode()
        rows = []
        for number in range(REPOSTS_PER_POST):
            chain = "".join(f"//<a href='/n/用户{mid % 997 + j}'>@用户{mid % 997 + j}</a>:转发" for j in range(number % 3))
            moment = post.published_at + timedelta(minutes=1 + number * 2)
            rows.append(self.payloads.mblog(mid * 100 + number, f"转发微博{chain}", moment, 7_000_000_000 + number,
                                            100 + number * 37, -1, number % 2))
        body = {"ok": 1, "data": {"data": rows, "total_number": len(rows), "hot_total_number": 0, "max": 1}}
        return json.dumps(body, ensure_ascii=False).encode()

    def hook(self, body: bytes) -> None:
        with self._lock:
            self.hooks.append(body)


def _handler(world: LoopbackWeibo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            self._send(*world.answer(parts.path, query))

        def do_POST(self) -> None:  # noqa: N802
            world.hook(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self._send(200, b"ok", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


HOOK_CONNECTION = "bench_hook"


def write_config(root: Path, brands: int, weibo_url: str, page_size: int, warehouse: str = "file") -> Path:
    """A config of `brands` brands, each on the loopback `weibo` source, spread from it, alerts to its
    webhook, each pair of brands competitors; state under root/state, the warehouse of kind
    `warehouse` (file or lake: a DuckLake with a SQLite catalog). Returns the file's path."""
    ids = brand_ids(brands)
    config = {
        "timezone": "Asia/Shanghai",
        "schedule": {"interval_minutes": 15, "lookback_minutes": 30, "bucket_minutes": 15},
        "storage": {"state_dir": "state", "warehouse": warehouse},
        "brands": {bid: {"name": BRANDS[index][0], "keywords": [BRANDS[index][0]], "products": [BRANDS[index][1]],
                         "competitors": [ids[index ^ 1]] if index ^ 1 < brands else [], "sources": ["weibo"]}
                   for index, bid in enumerate(ids)},
        "sources": {"weibo": {"kind": "weibo_api", "search_type": 61, "base_url": weibo_url, "min_interval": 0,
                              "max_pages": 200, "backoff": 0.1}},
        "spread": {"platforms": {"weibo": {"kind": "weibo", "base_url": weibo_url, "min_interval": 0}}},
        "alerts": {"channels": {HOOK_CONNECTION: {"kind": "webhook", "connection": HOOK_CONNECTION}},
                   "routes": [{"brands": ["*"], "channels": [HOOK_CONNECTION]}]},
    }
    path = root / "brands.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def channel_secrets(weibo_url: str) -> dict[str, dict[str, Any]]:
    """The webhook channel's Connection: the loopback server's /hook, a private address allowed."""
    return {HOOK_CONNECTION: {"conn_type": "http", "extra": {"url": f"{weibo_url}/hook", "allow_private": True}}}
