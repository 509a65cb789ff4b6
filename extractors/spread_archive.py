"""Spread kind `archive`: posts' reposts and comments from local JSONL/JSON/CSV files (a crawl
kept on disk, the synthetic demo's cascade), replayed as of a moment.

Each row is one repost or comment of one post:

    {"post_id": "…", "platform": "demo", "type": "repost", "id": "…", "created_at": "…",
     "user_id": "…", "user_name": "…", "followers": 1200, "verified": "media",
     "text": "扩散//@某人:…", "reposts": 3, "comments": 1, "likes": 9}

`type` is `repost` (default) or `comment`; `platform` defaults to the source's `platform` option;
`text` carries the `//@name:` chain of a repost as Weibo writes it; `followers` may read "1.2万";
`verified` is one of `extractors.record.VERIFIED_KINDS` or true / false; comments use `likes` and
`replies`. Rows are read with the archive's rules (`extractors.files`: UTF-8 or GB18030, bad bytes
repaired per record, broken lines quarantined).

A fetch shows each target post the rows created before `context.fetched_at` (the pipeline passes
the run's end, so a replay sees the spread as it was then); its cascade is complete (a file holds
all it has) and its totals are the rows shown. A post with no row gets no cascade. No HTTP: the
request budget is not touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from extractors.archive import read_verified
from extractors.base import ExtractContext
from extractors.cascade import Cascade, Comment, Repost, SpreadResult, SpreadTarget, own_words, repost_chain
from extractors.counts import parse_count
from extractors.files import file_rows
from extractors.options import FileSettings, Text
from extractors.record import Quarantined, raw_json
from extractors.timeparse import parse_timestamp

KIND = "archive"
REPLAYS = True  # a file shows the spread as of any moment


class Settings(FileSettings):
    """`path`, `format`, `timezone` (see FileSettings) and the `platform` of rows that name none."""

    platform: Text = "archive"


def fetch(settings: Settings, targets: Sequence[SpreadTarget], context: ExtractContext, budget: int) -> SpreadResult:
    """The reposts and comments the files hold for each target, created before `context.fetched_at`."""
    result = SpreadResult()
    wanted = {t.key: t for t in targets}
    found: dict[str, Cascade] = {}
    for location, row, _path, _modified in file_rows(settings, KIND, result):
        key = f"{row.get('platform') or settings.platform}:{row.get('post_id')}"
        if key not in wanted:
            continue
        try:
            item = _item(row, settings)
        except (ValueError, TypeError, KeyError) as error:
            result.quarantined.append(Quarantined(KIND, str(error), raw_json(row), location))
            continue
        moment = item.reposted_at if isinstance(item, Repost) else item.commented_at
        if moment >= context.fetched_at:
            continue
        target = wanted[key]
        cascade = found.setdefault(key, Cascade(target.platform, target.native_id, context.fetched_at, complete=True))
        (cascade.reposts if isinstance(item, Repost) else cascade.comments).append(item)
    for key in wanted:
        if key in found:
            cascade = found[key]
            cascade.reposts_total, cascade.comments_total = len(cascade.reposts), len(cascade.comments)
            result.cascades.append(cascade)
    return result.finish()


def _item(row: Mapping[str, Any], settings: Settings) -> Repost | Comment:
    """One row as a Repost or a Comment; ValueError naming what is missing or wrong."""
    kind = str(row.get("type") or "repost")
    if kind not in ("repost", "comment"):
        raise ValueError(f"type {kind!r} is neither repost nor comment")
    item_id, stamp, text = row.get("id"), row.get("created_at"), row.get("text")
    if item_id is None or not str(item_id).strip():
        raise ValueError("row has no id")
    if stamp is None or not str(stamp).strip():
        raise ValueError("row has no created_at")
    if not isinstance(text, str):
        raise ValueError("row has no text")
    who = {"user_id": _text(row.get("user_id")), "user_name": _text(row.get("user_name")),
           "followers": parse_count(row.get("followers"), "followers"), "verified": read_verified(row.get("verified"))}
    moment = parse_timestamp(stamp, settings.timezone)
    if kind == "comment":
        return Comment(comment_id=str(item_id), commented_at=moment, text=text,
                       likes=parse_count(row.get("likes"), "likes"), replies=parse_count(row.get("replies"), "replies"),
                       **who)
    return Repost(repost_id=str(item_id), reposted_at=moment, chain=repost_chain(text), text=own_words(text),
                  reposts=parse_count(row.get("reposts"), "reposts"), comments=parse_count(row.get("comments"), "comments"),
                  likes=parse_count(row.get("likes"), "likes"), **who)


def _text(value: object) -> str | None:
    return None if value is None or not str(value).strip() else str(value).strip()
