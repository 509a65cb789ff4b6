"""`crawler_export`: the JSON/JSONL/CSV files written by open-source crawlers, to load history and backfill.

Options: `path` (a file, folder or glob, relative to the config file), `preset` (below), `format`
(`auto` by extension, `jsonl`, `json`, `csv`), `comments` (default true: comment rows become
posts too), `timezone` (default Asia/Shanghai, for timestamps written without an offset).
No credentials: the files are local. Only rows inside the window are returned, so an export
replays like a live source and backfills are deterministic.

Presets (field names learnt from the crawlers' public store/model definitions):
- `mediacrawler_weibo`, `mediacrawler_xhs`, `mediacrawler_douyin`, `mediacrawler_bilibili`,
  `mediacrawler_zhihu`, `mediacrawler_tieba`: NanmiCoder/MediaCrawler's `data/<platform>/
  {json,jsonl,csv}/<type>_{contents,comments}_<date>.*` files. `creators`/`contacts`/`dynamics`
  files hold no posts and are skipped with a note.
- `weibo_crawler`: dataabc/weibo-crawler's `weibo/<name>/<user_id>.csv` (Chinese headers) and
  `.json` (`{"user": ..., "weibo": [...]}`); reposted originals stay in `extra`. The JSON's `user`
  gives every post its author's followers and verification; the CSV files do not hold them.

Authors' reach: MediaCrawler's content and comment rows carry no follower count (its
`creators` files do, per account, and are skipped), so their posts keep `author_followers` null.
The time the counts were seen (`counted_at`, which makes repost speed known) is the crawl time:
`last_modify_ts`, else the file's modification time.

Identity: platforms are `weibo`, `xhs`, `douyin`, `bilibili`, `zhihu`, `tieba`. Weibo posts and
comments keep the numeric mid as native_id (the Weibo search and API sources do the same, so a
post found by both dedupes); comments on the other platforms get `comment:<id>` since their
comment and content ids are separate number spaces, and Zhihu content gets `<type>:<id>`
(answers and articles are numbered separately). Counts such as "1.2万" become 12000. Relative
times ("3小时前", which tieba exports may hold) are resolved against the row's crawl time
(`last_modify_ts`) or else the file's modification time, never the time of the import.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from extractors.base import BrandQuery, ExtractContext, ExtractResult, Window
from extractors.counts import parse_count
from extractors.files import read_posts
from extractors.htmltext import html_to_text, title_and_body
from extractors.options import FileSettings, Flag, one_of, required
from extractors.record import Post
from extractors.timeparse import parse_timestamp
from extractors.weibo.display import follower_count, verified_kind

KIND = "crawler_export"
_NOT_POSTS = re.compile(r"_(creators|contacts|dynamics)_", re.IGNORECASE)
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a row mapping needs besides the row: the zone for naive times and the crawl time."""

    tz: ZoneInfo
    crawled_at: datetime
    file_stem: str = ""


RowMapper = Callable[[Mapping, RowContext], Post]


@dataclass(frozen=True, slots=True)
class Preset:
    """One crawler's records: the mapping of its content rows, of its comment rows (if any), and
    where a JSON file keeps its list of rows."""

    platform: str
    content: RowMapper
    comment: RowMapper | None = None
    list_keys: tuple[str, ...] = ("data", "items")
    shared_keys: tuple[str, ...] = ()  # fields of a JSON file every row shares (files.read_rows)

    def map_row(self, row: Mapping, context: RowContext) -> Post:
        """The row as a Post (content or comment by its columns); raises ValueError."""
        if self.comment is not None and _has(row, "comment_id"):
            return self.comment(row, context)
        return self.content(row, context)


def extract(settings: Settings, query: BrandQuery, window: Window, context: ExtractContext) -> ExtractResult:
    """Read every export file and return the rows inside the window, each post once."""
    preset = PRESETS[settings.preset]

    def to_post(row: Mapping, path: Path, modified: datetime) -> Post | None:
        if not settings.comments and _has(row, "comment_id"):
            return None
        return preset.map_row(row, RowContext(settings.timezone, _crawled_at(row, modified), path.stem))

    return read_posts(settings, window, KIND, to_post, list_keys=preset.list_keys, shared_keys=preset.shared_keys,
                      skip=lambda path: bool(_NOT_POSTS.search(path.name)))


# --- row mappings, one per crawler record type ------------------------------------------------


def _weibo_note(row: Mapping, ctx: RowContext) -> Post:
    mid = _weibo_id(_need(row, "note_id"))
    return _post(row, ctx, platform="weibo", native_id=mid, text=_field(row, "content"),
                 stamp=_first(row, "create_time", "create_date_time"),
                 url=_field(row, "note_url") or f"https://m.weibo.cn/detail/{mid}",
                 author=_field(row, "nickname"), author_id=_field(row, "user_id"),
                 counts=("shared_count", "comments_count", "liked_count"),
                 extra=_extras(row, "ip_location", "source_keyword"))


def _weibo_comment(row: Mapping, ctx: RowContext) -> Post:
    note = _weibo_id(_need(row, "note_id"))
    return _post(row, ctx, platform="weibo", native_id=_weibo_id(_need(row, "comment_id")),
                 text=_field(row, "content"), stamp=_first(row, "create_time", "create_date_time"),
                 url=f"https://m.weibo.cn/detail/{note}", author=_field(row, "nickname"),
                 author_id=_field(row, "user_id"), counts=(None, "sub_comment_count", "comment_like_count"),
                 extra={"kind": "comment", "parent_id": note, **_extras(row, "ip_location")})


def _xhs_note(row: Mapping, ctx: RowContext) -> Post:
    note = _need(row, "note_id")
    return _post(row, ctx, platform="xhs", native_id=note,
                 text=title_and_body(_field(row, "title"), _field(row, "desc")), title=_field(row, "title"),
                 stamp=_first(row, "time", "last_update_time"),
                 url=_field(row, "note_url") or f"https://www.xiaohongshu.com/explore/{note}",
                 author=_field(row, "nickname"), author_id=_field(row, "user_id"),
                 counts=("share_count", "comment_count", "liked_count"),
                 extra=_extras(row, "type", "collected_count", "tag_list", "ip_location", "source_keyword"))


def _xhs_comment(row: Mapping, ctx: RowContext) -> Post:
    note = _need(row, "note_id")
    return _comment(row, ctx, "xhs", parent=note, text_key="content", stamp_key="create_time",
                    url=f"https://www.xiaohongshu.com/explore/{note}", likes="like_count")


def _douyin_aweme(row: Mapping, ctx: RowContext) -> Post:
    aweme = _need(row, "aweme_id")
    return _post(row, ctx, platform="douyin", native_id=aweme, text=_first(row, "desc", "title"),
                 stamp=_field(row, "create_time"),
                 url=_field(row, "aweme_url") or f"https://www.douyin.com/video/{aweme}",
                 author=_field(row, "nickname"), author_id=_field(row, "user_id"),
                 counts=("share_count", "comment_count", "liked_count"),
                 extra=_extras(row, "aweme_type", "collected_count", "ip_location", "source_keyword"))


def _douyin_comment(row: Mapping, ctx: RowContext) -> Post:
    aweme = _need(row, "aweme_id")
    return _comment(row, ctx, "douyin", parent=aweme, text_key="content", stamp_key="create_time",
                    url=f"https://www.douyin.com/video/{aweme}", likes="like_count")


def _bilibili_video(row: Mapping, ctx: RowContext) -> Post:
    video = _need(row, "video_id")
    return _post(row, ctx, platform="bilibili", native_id=video,
                 text=title_and_body(_field(row, "title"), _field(row, "desc")), title=_field(row, "title"),
                 stamp=_field(row, "create_time"),
                 url=_field(row, "video_url") or f"https://www.bilibili.com/video/av{video}",
                 author=_field(row, "nickname"), author_id=_field(row, "user_id"),
                 counts=("video_share_count", "video_comment", "liked_count"),
                 extra=_extras(row, "video_play_count", "video_danmaku", "video_coin_count", "source_keyword"))


def _bilibili_comment(row: Mapping, ctx: RowContext) -> Post:
    video = _need(row, "video_id")
    return _comment(row, ctx, "bilibili", parent=video, text_key="content", stamp_key="create_time",
                    url=f"https://www.bilibili.com/video/av{video}", likes="like_count")


_ZHIHU_URLS = {"answer": "https://www.zhihu.com/answer/{id}", "article": "https://zhuanlan.zhihu.com/p/{id}",
               "zvideo": "https://www.zhihu.com/zvideo/{id}"}


def _zhihu_content(row: Mapping, ctx: RowContext) -> Post:
    content = _need(row, "content_id")
    kind = _field(row, "content_type")
    return _post(row, ctx, platform="zhihu", native_id=f"{kind}:{content}" if kind else content,
                 text=title_and_body(_field(row, "title"), _first(row, "content_text", "desc")),
                 title=_field(row, "title"), stamp=_field(row, "created_time"),
                 url=_field(row, "content_url") or _zhihu_url(kind, content),
                 author=_field(row, "user_nickname"), author_id=_field(row, "user_id"),
                 counts=(None, "comment_count", "voteup_count"),
                 extra=_extras(row, "question_id", "source_keyword"))


def _zhihu_comment(row: Mapping, ctx: RowContext) -> Post:
    content = _need(row, "content_id")
    kind = _field(row, "content_type")
    return _comment(row, ctx, "zhihu", parent=f"{kind}:{content}" if kind else content, text_key="content",
                    stamp_key="publish_time", url=_zhihu_url(kind, content), likes="like_count",
                    author_key="user_nickname")


def _tieba_note(row: Mapping, ctx: RowContext) -> Post:
    return _post(row, ctx, platform="tieba", native_id=_need(row, "note_id"),
                 text=title_and_body(_field(row, "title"), _field(row, "desc")), title=_field(row, "title"),
                 stamp=_field(row, "publish_time"), url=_field(row, "note_url"),
                 author=_field(row, "user_nickname"), author_id=None,
                 counts=(None, "total_replay_num", None), extra=_extras(row, "tieba_name", "ip_location"))


def _tieba_comment(row: Mapping, ctx: RowContext) -> Post:
    return _comment(row, ctx, "tieba", parent=_need(row, "note_id"), text_key="content",
                    stamp_key="publish_time", url=_field(row, "note_url"), likes=None,
                    author_key="user_nickname", author_id_key=None)


# dataabc/weibo-crawler writes English keys in JSON and Chinese headers in CSV.
_WC = {"text": ("text", "正文"), "time": ("full_created_at", "完整日期", "created_at", "日期"),
       "likes": ("attitudes_count", "点赞数"), "comments": ("comments_count", "评论数"),
       "reposts": ("reposts_count", "转发数")}


_WC_EXTRA = {"bid": ("bid",), "topics": ("topics", "话题"), "at_users": ("at_users", "@用户"),
             "location": ("location", "位置"), "tool": ("source", "工具")}


def _weibo_crawler(row: Mapping, ctx: RowContext) -> Post:
    mid = _weibo_id(_need(row, "id"))
    author_id = _field(row, "user_id") or (ctx.file_stem if _DIGITS.match(ctx.file_stem) else None)
    extra = {ours: row[key] for ours, keys in _WC_EXTRA.items() for key in keys if _has(row, key)}
    retweet = row.get("retweet")
    if isinstance(retweet, Mapping) and retweet.get("id"):
        extra["retweet_id"] = str(retweet["id"])
        extra["retweet_text"] = str(retweet.get("text") or "")
    elif _has(row, "源微博id"):
        extra["retweet_id"] = str(row["源微博id"]).strip()
    post = _post(row, ctx, platform="weibo", native_id=mid, text=_first(row, *_WC["text"]),
                 stamp=_first(row, *_WC["time"]), url=f"https://m.weibo.cn/detail/{mid}",
                 author=_field(row, "screen_name"), author_id=author_id,
                 counts=(_key(row, _WC["reposts"]), _key(row, _WC["comments"]), _key(row, _WC["likes"])),
                 extra=extra)
    user = row.get("user")  # the JSON file's account (its CSV files hold no user columns)
    if not isinstance(user, Mapping) or str(user.get("id", author_id)) != author_id:
        return post
    return dataclasses.replace(post, author_followers=follower_count(user), author_verified=verified_kind(user))


PRESETS: dict[str, Preset] = {
    "mediacrawler_weibo": Preset("weibo", _weibo_note, _weibo_comment),
    "mediacrawler_xhs": Preset("xhs", _xhs_note, _xhs_comment),
    "mediacrawler_douyin": Preset("douyin", _douyin_aweme, _douyin_comment),
    "mediacrawler_bilibili": Preset("bilibili", _bilibili_video, _bilibili_comment),
    "mediacrawler_zhihu": Preset("zhihu", _zhihu_content, _zhihu_comment),
    "mediacrawler_tieba": Preset("tieba", _tieba_note, _tieba_comment),
    "weibo_crawler": Preset("weibo", _weibo_crawler, None, list_keys=("weibo",), shared_keys=("user",)),
}


class Settings(FileSettings):
    """`path`, `format`, `timezone` (see FileSettings), the crawler `preset` and whether comment
    rows become posts (`comments`)."""

    preset: Annotated[str, one_of(sorted(PRESETS), "{!r} is not a preset")] = required(
        f"set preset: to one of {', '.join(sorted(PRESETS))}")
    comments: Flag = True


# --- helpers ------------------------------------------------------------------------------------


def _comment(row: Mapping, ctx: RowContext, platform: str, *, parent: str, text_key: str, stamp_key: str,
             url: str | None, likes: str | None, author_key: str = "nickname",
             author_id_key: str | None = "user_id") -> Post:
    return _post(row, ctx, platform=platform, native_id=f"comment:{_need(row, 'comment_id')}",
                 text=_field(row, text_key), stamp=_field(row, stamp_key), url=url,
                 author=_field(row, author_key), author_id=_field(row, author_id_key) if author_id_key else None,
                 counts=(None, "sub_comment_count", likes),
                 extra={"kind": "comment", "parent_id": parent, **_extras(row, "ip_location")})


def _post(row: Mapping, ctx: RowContext, *, platform: str, native_id: str, text: str | None, stamp: object,
          url: str | None, author: str | None, author_id: str | None,
          counts: tuple[str | None, str | None, str | None], extra: dict, title: str | None = None) -> Post:
    """Assemble a Post, parsing the timestamp and the (reposts, comments, likes) count columns."""
    body = html_to_text(text or "")
    if not body:
        raise ValueError("row has no text")
    if stamp is None:
        raise ValueError("row has no timestamp")
    published = parse_timestamp(stamp, ctx.tz, now=ctx.crawled_at)
    reposts, comments, likes = (parse_count(row.get(name), name) if name else None for name in counts)
    return Post(platform=platform, native_id=native_id, source=KIND, text=body, published_at=published,
                url=url or None, title=title or None, author=author or None, author_id=author_id or None,
                reposts=reposts, comments=comments, likes=likes, extra=extra,
                counted_at=ctx.crawled_at if (reposts, comments, likes) != (None, None, None) else None)


def _has(row: Mapping, key: str) -> bool:
    value = row.get(key)
    return value is not None and str(value).strip() not in ("", "None")


def _field(row: Mapping, key: str) -> str | None:
    """A column as stripped text; None when absent, empty or a crawler's str(None)."""
    return str(row[key]).strip() if _has(row, key) else None


def _first(row: Mapping, *keys: str) -> str | None:
    for key in keys:
        if _has(row, key):
            return str(row[key]).strip()
    return None


def _key(row: Mapping, keys: tuple[str, ...]) -> str | None:
    """Which of the alternative column names this row uses."""
    return next((key for key in keys if key in row), None)


def _need(row: Mapping, key: str) -> str:
    value = _field(row, key)
    if value is None:
        raise ValueError(f"row has no {key}")
    return value


def _weibo_id(value: str) -> str:
    """A Weibo mid as digits (exports sometimes pad it with a tab against spreadsheet rounding)."""
    digits = value.strip().lstrip("'")
    if not _DIGITS.match(digits):
        raise ValueError(f"Weibo id {value!r} is not numeric (opened and re-saved in a spreadsheet?)")
    return digits


def _zhihu_url(kind: str | None, content: str) -> str | None:
    template = _ZHIHU_URLS.get(kind or "")
    return template.format(id=content) if template else None


def _extras(row: Mapping, *keys: str) -> dict:
    return {key: row[key] for key in keys if _has(row, key)}


def _crawled_at(row: Mapping, fallback: datetime) -> datetime:
    """When the crawler saw the row (MediaCrawler's last_modify_ts), the reference for relative times."""
    stamp = row.get("last_modify_ts")
    if stamp in (None, ""):
        return fallback
    try:
        return parse_timestamp(stamp, ZoneInfo("UTC"))
    except ValueError:
        return fallback
