"""extractors.spread_archive (spread kind `archive`): reposts and comments kept in files, replayed as
of the fetch moment, with bad rows quarantined and no HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from extractors.base import ExtractContext
from extractors.cascade import SpreadTarget
from extractors.spread_archive import Settings, fetch

POSTED = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
POST = SpreadTarget("demo", "spread-1", POSTED)
OTHER = SpreadTarget("demo", "quiet-1", POSTED)


def write(path: Path, rows: list[dict | str]) -> None:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")


ROWS = [
    {"post_id": "spread-1", "platform": "demo", "id": "r1", "created_at": "2026-11-20T10:10:00+08:00",
     "user_name": "美食记者老李", "followers": "25万", "verified": "media", "text": "求证中", "reposts": 1},
    {"post_id": "spread-1", "platform": "demo", "id": "r2", "created_at": "2026-11-20 10:40",
     "user_name": "小区妈妈群", "followers": 800, "verified": False, "text": "群里也有人说//@美食记者老李:求证中"},
    {"post_id": "spread-1", "platform": "demo", "id": "r3", "created_at": "2026-11-20T11:30:00+08:00",
     "user_name": "晚到的人", "followers": 5, "text": "转发微博"},
    {"post_id": "spread-1", "platform": "demo", "type": "comment", "id": "c1", "created_at": "2026-11-20T10:20:00+08:00",
     "user_name": "朝九晚五", "followers": 88, "text": "我也是", "likes": 40, "replies": 2},
    {"post_id": "spread-1", "platform": "demo", "id": "r4", "user_name": "没有时间", "text": "转发微博"},
    {"post_id": "elsewhere", "platform": "demo", "id": "x1", "created_at": "2026-11-20T10:00:00+08:00", "text": "不相干"},
    '{"post_id": "spread-1", "id": "r5", "created_at": ',
]


def test_the_rows_of_each_target_before_the_fetch_moment_make_its_cascade(tmp_path):
    write(tmp_path / "reposts.jsonl", ROWS)
    settings = Settings.parse({"path": str(tmp_path / "reposts.jsonl"), "platform": "demo"}, tmp_path)
    as_of = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai: r3 is later
    result = fetch(settings, [POST, OTHER], ExtractContext(fetched_at=as_of), budget=0)
    (cascade,) = result.cascades  # the quiet post has no row, hence no cascade
    assert cascade.key == "demo:spread-1" and cascade.fetched_at == as_of and cascade.complete
    assert [(r.repost_id, r.user_name, r.followers, r.verified, r.chain, r.text) for r in cascade.reposts] == [
        ("r1", "美食记者老李", 250_000, "media", (), "求证中"),
        ("r2", "小区妈妈群", 800, "none", ("美食记者老李",), "群里也有人说")]
    assert cascade.reposts[1].reposted_at == datetime(2026, 11, 20, 2, 40, tzinfo=timezone.utc)  # Shanghai time
    assert [(c.comment_id, c.likes, c.replies) for c in cascade.comments] == [("c1", 40, 2)]
    assert (cascade.reposts_total, cascade.comments_total) == (2, 1)
    reasons = sorted(q.reason for q in result.quarantined)
    assert len(reasons) == 2 and "broken JSON line" in reasons[0] and "created_at" in reasons[1]
    assert result.health.status == "ok" and result.health.requests == 0


def test_a_missing_file_is_a_permanent_source_error(tmp_path):
    settings = Settings.parse({"path": str(tmp_path / "none.jsonl")}, tmp_path)
    result = fetch(settings, [POST], ExtractContext(fetched_at=POSTED), budget=5)
    assert result.health.status == "error" and result.health.error_kind == "permanent"
