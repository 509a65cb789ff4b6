"""The synthetic demo archive: two made-up brands over a week, with a complaint burst at the end.

These machines have no internet and a new user has no Weibo cookie, so `make run` needs data
it can make itself. Every post is invented from templates (on platform `demo`, beside a few
WeChat official-account articles on platform `wechat` whose ids, links and accounts say `demo`);
the archive is generated once, anchored to the first run's time, and kept in `state/demo/` so
later runs see the same posts and never duplicate them.

One post of the burst spreads: a severe complaint by an account with reach whose synthetic
reposts (`demo_reposts.jsonl` beside the archive, read by the `archive` spread kind) pass through a
journalist, a consumer-rights blogger and a local news account and speed up in the last half
hour, so the demo's alert names its amplifiers and says it accelerates. Its accounts say 演示.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from brandmon.staging import write_jsonl

DAYS = 7
BUCKET = timedelta(minutes=15)
BURST = timedelta(minutes=75)
# The burst tells the story of one incident, the same whenever the week ends: complaints spike (the
# incident opens), and after 45 minutes they spread, shared by accounts with reach (severe
# complaints with reach: it escalates to critical). Its posts have a random stream of their own.
BURST_COMPLAINTS = (7, 9, 7, 7, 7)  # complaints in each bucket of the burst
SPREADS_AFTER = timedelta(minutes=45)
SEED = 20261127
TZ = ZoneInfo("Asia/Shanghai")

BRANDS = {
    "demo_coffee": {"names": ["示例咖啡", "示例咖啡", "Demo Coffee"], "rate": 1.6},
    "demo_tea": {"names": ["样板茶饮", "样板茶饮"], "rate": 1.1},
}
PRODUCTS = ["拿铁", "美式", "生椰拿铁", "新品", "燕麦拿铁", "果茶", "奶茶", "会员卡"]
POSITIVE = [
    "今天的{product}太好喝了[哈哈]，{brand} yyds", "{brand}的{product}味道很好，店员也很热情[赞]",
    "早上一杯{brand}{product}，心情都变好了[太开心]", "{brand}新出的{product}真不错，推荐给大家",
    "和朋友在{brand}坐了一下午，环境舒服[爱你]", "{brand}的{product}性价比很高，会回购",
]
NEUTRAL = [
    "路过{brand}买了杯{product}", "{brand}今天好像在做活动", "有人知道{brand}几点关门吗",
    "{brand}的{product}和{other}的比哪个好？", "打卡{brand}新店", "听说{brand}要出{product}了",
]
NEGATIVE = [
    "{brand}的{product}今天有点淡，一般般", "{brand}排队太久了[怒]", "{brand}的{product}越来越贵了",
    "{brand}外卖送到已经凉了[失望]", "这次{brand}的{product}不太好喝",
]
COMPLAINTS = [
    "喝了{brand}的{product}之后拉肚子，已经投诉了，要求退款！[怒]",
    "{brand}{product}里喝出异物，客服一直不回复，我要去12315投诉",
    "{brand}的{product}变质了还在卖，食品安全问题谁来管？要求赔偿",
    "买的{brand}{product}是坏的，申请退款被拒绝，客服态度极差[怒]",
    "{brand}门店用过期原料做{product}？已经向市场监管部门举报，维权到底",
    "同事喝了{brand}新品{product}也不舒服，要求{brand}给个说法，退款！",
]


def hourly_rate(local_hour: int) -> float:
    """Relative activity by local hour: quiet at night, peaks at lunch and in the evening."""
    return 0.15 + 0.85 * max(0.0, math.sin(math.pi * (local_hour - 6) / 17)) ** 1.5


def generate(end: datetime, seed: int = SEED) -> list[dict]:
    """Posts for both brands over DAYS days up to `end`, with a complaint burst in the last BURST."""
    rng, burst_rng = random.Random(seed), random.Random(seed + 1)
    start = end - timedelta(days=DAYS)
    posts, counter = [], 0
    moment = start
    while moment < end:
        in_burst = moment >= end - BURST
        for brand, spec in BRANDS.items():
            other = next(b for b in BRANDS if b != brand)
            rate = spec["rate"] * hourly_rate(moment.astimezone(TZ).hour) * 4
            count = _poisson(rng, rate)
            stage = int((moment - (end - BURST)) / BUCKET) if in_burst else 0
            burst_complaints = BURST_COMPLAINTS[stage] if in_burst and brand == "demo_coffee" else 0
            spreading = in_burst and moment >= end - BURST + SPREADS_AFTER
            for index in range(count + burst_complaints):
                counter += 1
                burst_post = index >= count
                draw = burst_rng if burst_post else rng
                templates = COMPLAINTS if burst_post else rng.choices(
                    [POSITIVE, NEUTRAL, NEGATIVE, COMPLAINTS], weights=[45, 35, 17, 3])[0]
                product = "生椰拿铁" if burst_post else rng.choice(PRODUCTS)
                text = draw.choice(templates).format(brand=draw.choice(spec["names"]), product=product,
                                                     other=BRANDS[other]["names"][0])
                published = moment + timedelta(seconds=draw.randrange(int(BUCKET.total_seconds())))
                shared = burst_post and spreading  # widely shared: many more reposts, comments and likes
                posts.append({
                    "id": f"demo{counter:07d}",
                    "platform": "demo",
                    "text": text,
                    "published_at": published.isoformat(),
                    "url": f"https://example.com/demo/posts/{counter}",
                    "author": f"demo_user_{draw.randrange(1, 400)}",
                    "reposts": int(draw.expovariate(1 / (40 if shared else 3))),
                    "comments": int(draw.expovariate(1 / (25 if shared else 2))),
                    "likes": int(draw.expovariate(1 / (90 if shared else 8))),
                })
        moment += BUCKET
    return posts + wechat_articles(end) + [spreading_post(end)]


# Synthetic WeChat articles: (hours before the end, account, verified kind, title, body).
WECHAT_ARTICLES = [
    (150.0, "示例咖啡官方（演示）", "enterprise", "示例咖啡冬季新品今日上市",
     "示例咖啡冬季限定生椰拿铁今日起在全国门店上市，首周会员八折。"),
    (80.0, "城市咖啡地图（演示）", None, "实测五家连锁咖啡：示例咖啡和样板茶饮谁更值",
     "我们实测了五家连锁品牌，示例咖啡的拿铁口感稳定，样板茶饮的果茶更受年轻人欢迎。"),
    (30.0, "样板茶饮官方（演示）", "enterprise", "样板茶饮秋冬季会员日",
     "样板茶饮会员日来了，全场第二杯半价。"),
    (0.6, "示例财经日报（演示）", "media", "多地消费者投诉示例咖啡生椰拿铁，品牌方称正在排查",
     "今天下午，多位消费者反映喝了示例咖啡的生椰拿铁后身体不适，要求退款并投诉至12315。品牌方称正在排查原料批次。"),
]


def wechat_articles(end: datetime) -> list[dict]:
    """The synthetic WeChat articles of the week ending at `end`, the last a verified media
    account's report on the complaint burst."""
    return [{"id": f"demo-wechat-{number}", "platform": "wechat", "title": title, "text": f"{title}\n{body}",
             "published_at": (end - timedelta(hours=hours)).isoformat(),
             "url": f"https://example.com/demo/wechat/{number}", "author": account, "author_verified": verified}
            for number, (hours, account, verified, title, body) in enumerate(WECHAT_ARTICLES, 1)]


# The spreading post: published SPREAD_AGE before the end, inside the burst.
SPREAD_AGE = timedelta(minutes=70)
SPREAD_ID = "demo-spread-1"
_REPORTER, _BLOGGER, _NEWS, _MOMS = "美食记者老李（演示）", "消费维权观察（演示）", "本地新闻速递（演示）", "小区妈妈群（演示）"
_WORDS = {_REPORTER: "求证中，已联系门店", _BLOGGER: "关注", _NEWS: "本地已有多人反映", _MOMS: "群里也有人说了"}
# (minutes after publication, account, followers, verification, whom it reposted (None: the original), own words)
SPREAD = [
    (8, "路人甲（演示）", 120, None, None, "转发微博"),
    (15, _REPORTER, 250_000, "personal", None, _WORDS[_REPORTER]),
    (22, _MOMS, 800, None, _REPORTER, _WORDS[_MOMS]),
    (31, _BLOGGER, 86_000, "personal", _REPORTER, _WORDS[_BLOGGER]),
    (36, "宝妈日记（演示）", 1_200, None, _MOMS, ""),
    (39, _NEWS, 1_500_000, "media", _BLOGGER, _WORDS[_NEWS]),
    *((minute, f"演示用户{minute}", 30 + minute * 7, None, parent, "")
      for minute, parent in ((41, _NEWS), (42, _NEWS), (44, _BLOGGER), (45, _NEWS), (48, _NEWS), (50, _REPORTER),
                             (51, _NEWS), (53, _BLOGGER), (54, _NEWS), (57, _NEWS), (61, _NEWS), (63, _BLOGGER),
                             (65, _NEWS), (68, _NEWS))),
    (47, "夜跑的猫（演示）", 900, None, "演示用户45", "扩散"),
    (56, "阿杰不吃香菜（演示）", 210, None, "演示用户51", "转给家里人看看"),
    (59, "楼下便利店老板（演示）", 5_000, None, None, "转发微博"),
    (67, "打工人小周（演示）", 12, None, "阿杰不吃香菜（演示）", ""),
]
SPREAD_COMMENTS = [  # (minutes after publication, account, followers, text, likes, replies)
    (12, "朝九晚五（演示）", 88, "我同事也是，昨天喝完就不舒服", 412, 23),
    (20, _REPORTER, 250_000, "已联系门店，等回复", 198, 7),
    (52, "等风来（演示）", 230, "求后续", 40, 0),
]


def spreading_post(end: datetime) -> dict:
    """The burst's post that spreads: a severe complaint by an account with 52,000 followers."""
    return {"id": SPREAD_ID, "platform": "demo", "published_at": (end - SPREAD_AGE).isoformat(),
            "text": "喝了示例咖啡的生椰拿铁之后上吐下泻，已经投诉到12315，门店还说不可能！[怒]",
            "url": f"https://example.com/demo/posts/{SPREAD_ID}", "author": "吃货小王（演示）",
            "author_followers": 52_000, "reposts": len(SPREAD), "comments": len(SPREAD_COMMENTS), "likes": 230,
            "counted_at": end.isoformat()}


def demo_reposts(end: datetime) -> list[dict]:
    """The spreading post's synthetic reposts and hot comments, as the `archive` spread kind reads
    them: each repost's text carries the `//@` chain of the reposts it came through."""
    published = end - SPREAD_AGE
    parent_of = {account: parent for _, account, _, _, parent, _ in SPREAD}

    def chain(parent: str | None) -> str:
        links = ""
        while parent is not None:
            links += f"//@{parent}:{_WORDS.get(parent, '')}"
            parent = parent_of.get(parent)
        return links

    drawn = {account: sum(1 for *_, parent, _ in SPREAD if parent == account) for _, account, *_ in SPREAD}
    rows = [{"post_id": SPREAD_ID, "platform": "demo", "type": "repost", "id": f"{SPREAD_ID}-r{number}",
             "created_at": (published + timedelta(minutes=minute)).isoformat(), "user_name": account,
             "followers": followers, "verified": verified or "none", "text": (words or "转发微博") + chain(parent)
             if parent else words, "reposts": drawn[account], "comments": 0, "likes": 0}
            for number, (minute, account, followers, verified, parent, words) in enumerate(sorted(SPREAD), 1)]
    rows += [{"post_id": SPREAD_ID, "platform": "demo", "type": "comment", "id": f"{SPREAD_ID}-c{number}",
              "created_at": (published + timedelta(minutes=minute)).isoformat(), "user_name": account,
              "followers": followers, "text": text, "likes": likes, "replies": replies}
             for number, (minute, account, followers, text, likes, replies) in enumerate(SPREAD_COMMENTS, 1)]
    return rows


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, product = math.exp(-lam), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


REPOSTS_FILE = "demo_reposts.jsonl"


def ensure_demo(folder: Path, now: datetime) -> dict:
    """Generate the archive and its reposts file once (ending at the last whole bucket before `now`);
    return its metadata. An archive generated before the reposts file existed is completed with the
    same end (posts are keyed, so the posts it had are the same posts)."""
    meta_path = folder / "demo.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if (folder / REPOSTS_FILE).exists():
            return meta
        end = datetime.fromisoformat(meta["end"])
    else:
        end = datetime.fromtimestamp(now.timestamp() // BUCKET.total_seconds() * BUCKET.total_seconds(), tz=timezone.utc)
    posts = generate(end)
    write_jsonl(folder / "demo_posts.jsonl", posts)
    write_jsonl(folder / REPOSTS_FILE, demo_reposts(end))
    meta = {"synthetic": True, "note": "Invented posts about two made-up brands, generated by brandmon.demo",
            "seed": SEED, "start": (end - timedelta(days=DAYS)).isoformat(), "end": end.isoformat(),
            "burst_start": (end - BURST).isoformat(), "posts": len(posts)}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return meta
