"""archive: JSONL/JSON/CSV history files replayed window by window, with counts and broken rows."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors import archive
from extractors.base import BrandQuery, ExtractContext, SettingsError, Window
from extractors.timeparse import SHANGHAI

QUERY = BrandQuery("acme", ("某米",))
CONTEXT = ExtractContext(fetched_at=datetime(2025, 12, 1, tzinfo=timezone.utc))
WINDOW = Window(datetime(2025, 11, 26, tzinfo=SHANGHAI), datetime(2025, 11, 27, tzinfo=SHANGHAI))


def run(tmp_path: Path, options: dict, window: Window = WINDOW):
    settings = archive.Settings.parse(options, tmp_path)
    return archive.extract(settings, QUERY, window, CONTEXT)


def write_jsonl(path: Path, rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows),
                    encoding="utf-8")


def test_rows_inside_the_window_become_posts(tmp_path):
    write_jsonl(tmp_path / "h.jsonl", [
        {"id": "1", "text": "某米不错", "published_at": "2025-11-26 10:00", "likes": "1.2万", "platform": "weibo"},
        {"id": "2", "text": "太早了", "published_at": "2025-11-25 10:00"},
    ])
    result = run(tmp_path, {"path": "h.jsonl"})
    assert [(post.native_id, post.likes, post.platform) for post in result.posts] == [("1", 12000, "weibo")]
    assert result.posts[0].published_at == datetime(2025, 11, 26, 10, 0, tzinfo=SHANGHAI)


def test_the_authors_reach_is_read_when_the_file_has_it(tmp_path):
    write_jsonl(tmp_path / "h.jsonl", [
        {"id": "1", "text": "变质了", "published_at": "2025-11-26 10:00", "author_followers": "12.3万",
         "author_verified": "media"},
        {"id": "2", "text": "还行", "published_at": "2025-11-26 10:05", "author_followers": 80, "author_verified": False},
        {"id": "3", "text": "一般", "published_at": "2025-11-26 10:10"},
        {"id": "4", "text": "坏了", "published_at": "2025-11-26 10:15", "author_verified": "blue"},
    ])
    result = run(tmp_path, {"path": "h.jsonl"})
    assert [(p.native_id, p.author_followers, p.author_verified) for p in result.posts] == [
        ("1", 123_000, "media"), ("2", 80, "none"), ("3", None, None)]
    assert "author_verified 'blue'" in result.quarantined[0].reason


def test_when_the_counts_were_read_is_kept_when_the_file_says(tmp_path):
    write_jsonl(tmp_path / "h.jsonl", [
        {"id": "1", "text": "变质了", "published_at": "2025-11-26 10:00", "reposts": 90, "counted_at": "2025-11-26 13:00"},
        {"id": "2", "text": "还行", "published_at": "2025-11-26 10:05", "reposts": 3},
    ])
    result = run(tmp_path, {"path": "h.jsonl"})
    assert [p.counted_at for p in result.posts] == [datetime(2025, 11, 26, 13, 0, tzinfo=SHANGHAI), None]


def test_field_remapping_and_csv_with_bom(tmp_path):
    (tmp_path / "h.csv").write_text("编号,内容,时间,赞\n7,差评,2025-11-26 09:00,\"1,234\"\n", encoding="utf-8-sig")
    options = {"path": "h.csv", "platform": "forum", "fields": {"id": "编号", "text": "内容", "published_at": "时间", "likes": "赞"}}
    post = run(tmp_path, options).posts[0]
    assert (post.native_id, post.text, post.likes, post.platform) == ("7", "差评", 1234, "forum")


def test_gbk_csv_is_read(tmp_path):
    (tmp_path / "h.csv").write_bytes("id,text,published_at\n1,质量很差,2025-11-26 09:00\n".encode("gbk"))
    assert run(tmp_path, {"path": "h.csv"}).posts[0].text == "质量很差"


def test_json_list_under_a_key_and_folders_searched_recursively(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "x.json").write_text(
        json.dumps({"items": [{"id": "a", "text": "好", "published_at": 1764122400}]}), encoding="utf-8")
    (tmp_path / "deep" / "notes.txt").write_text("not data")
    result = run(tmp_path, {"path": "deep"})
    assert [post.native_id for post in result.posts] == ["a"]


def test_broken_lines_and_rows_are_quarantined_not_fatal(tmp_path):
    write_jsonl(tmp_path / "h.jsonl", [
        '{"id": "1", "text": "截断',
        "[1, 2]",
        {"id": "3", "published_at": "2025-11-26 10:00"},
        {"id": "4", "text": "时间坏了", "published_at": "下周"},
        {"id": "5", "text": "赞数坏了", "published_at": "2025-11-26 10:00", "likes": "很多"},
        {"id": "6", "text": "好的一行", "published_at": "2025-11-26 10:00"},
    ])
    result = run(tmp_path, {"path": "h.jsonl"})
    assert [post.native_id for post in result.posts] == ["6"]
    reasons = [item.reason for item in result.quarantined]
    assert len(reasons) == 5
    assert "broken JSON line" in reasons[0] and "not a JSON object" in reasons[1] and "no text" in reasons[2]
    assert "unrecognised timestamp" in reasons[3] and "likes is not a number" in reasons[4]


GOOD_ROWS = [{"id": "1", "text": "某米手机充电发烫，售后说正常", "published_at": "2025-11-26 09:00"},
             {"id": "2", "text": "客服电话打了二十次都是忙音", "published_at": "2025-11-26 10:00"},
             {"id": "3", "text": "退款三个月没到账\u2028换行也是正文", "published_at": "2025-11-26 11:00"}]


def jsonl_bytes(rows: list[dict], encoding: str = "utf-8") -> list[bytes]:
    return [json.dumps(row, ensure_ascii=False).encode(encoding) for row in rows]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_cut_character_damages_only_its_record(tmp_path, encoding):
    """A summary cut inside a character: that post shows U+FFFD, every other post reads right."""
    lines = jsonl_bytes(GOOD_ROWS, encoding)
    text = "客服电话打了二十次都是忙音".encode(encoding)
    lines.insert(1, b'{"id": "cut", "text": "' + text[:-1] + b'", "published_at": "2025-11-26 09:30"}')
    (tmp_path / "h.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = run(tmp_path, {"path": "h.jsonl"})
    texts = {post.native_id: post.text for post in result.posts}
    assert texts == {**{row["id"]: row["text"] for row in GOOD_ROWS}, "cut": "客服电话打了二十次都是忙\ufffd"}
    replaced = "2 invalid bytes" if encoding == "utf-8" else "1 invalid byte"
    assert result.quarantined == [] and result.health.notes == [
        f"h.jsonl: {replaced} replaced in 1 record (line 2; decoded as {encoding})"]


def test_a_stray_ff_byte_loses_no_good_post(tmp_path):
    """`\\xff` inside a text is replaced and counted; where it breaks the JSON, that line alone is
    quarantined with its raw bytes shown; every other post is kept."""
    lines = jsonl_bytes(GOOD_ROWS)
    lines.insert(1, '{"id": "inside", "text": "质量'.encode() + b"\xff" + '太差", "published_at": "2025-11-26 09:30"}'.encode())
    lines.insert(2, b'{"id": "outside",\xff "text": "x", "published_at": "2025-11-26 09:40"}')
    (tmp_path / "h.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = run(tmp_path, {"path": "h.jsonl"})
    texts = {post.native_id: post.text for post in result.posts}
    assert texts == {**{row["id"]: row["text"] for row in GOOD_ROWS}, "inside": "质量\ufffd太差"}
    assert [(item.location, item.raw) for item in result.quarantined] == [
        (f"{tmp_path / 'h.jsonl'}:3", '{"id": "outside",\\xff "text": "x", "published_at": "2025-11-26 09:40"}')]
    assert "broken JSON line" in result.quarantined[0].reason
    assert result.health.notes == ["h.jsonl: 1 invalid byte replaced in 1 record (line 2; decoded as utf-8)"]


def test_a_gbk_csv_with_a_cut_character_keeps_its_other_rows(tmp_path):
    rows = ["id,text,published_at", "1,质量很差,2025-11-26 09:00", "2,售后不理人,2025-11-26 10:00",
            "3,退款到账了,2025-11-26 11:00"]
    data = [row.encode("gbk") for row in rows]
    data[2] = "2,售后不理人".encode("gbk")[:-1] + b",2025-11-26 10:00"
    (tmp_path / "h.csv").write_bytes(b"\r\n".join(data) + b"\r\n")
    result = run(tmp_path, {"path": "h.csv"})
    assert [post.text for post in result.posts] == ["质量很差", "售后不理\ufffd", "退款到账了"]
    assert result.health.notes == ["h.csv: 1 invalid byte replaced in 1 record (line 3; decoded as gb18030)"]


def test_truncated_json_file_is_quarantined(tmp_path):
    (tmp_path / "h.json").write_text('[{"id": "1", "text": "x", "published_at": "2025-11-26"}', encoding="utf-8")
    result = run(tmp_path, {"path": "h.json"})
    assert result.posts == [] and "broken JSON" in result.quarantined[0].reason


def test_missing_file_is_a_permanent_health_error(tmp_path):
    result = run(tmp_path, {"path": "nothing/*.jsonl"})
    assert result.health.status == "error" and result.health.error_kind == "permanent"


@pytest.mark.parametrize(("options", "key"), [({}, "path"), ({"path": "x", "format": "xml"}, "format"),
                                              ({"path": "x", "timezone": "Nowhere"}, "timezone"),
                                              ({"path": "x", "fields": {"body": "t"}}, "fields")])
def test_bad_settings_name_the_key(tmp_path, options, key):
    with pytest.raises(SettingsError) as caught:
        archive.Settings.parse(options, tmp_path)
    assert caught.value.key == key


@given(st.dictionaries(st.sampled_from(archive.OUR_FIELDS), st.one_of(st.text(max_size=20), st.integers(), st.none()), max_size=8))
def test_row_mapping_gives_a_post_or_a_value_error(row):
    settings = archive.Settings.parse({"path": "x"}, Path("."))
    try:
        post = archive.row_to_post(row, settings, SHANGHAI)
    except ValueError:
        return
    assert post.text and post.native_id
