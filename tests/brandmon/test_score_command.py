"""`brandmon score`: text or JSON lines in, one JSON line per input line out, in order."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from brandmon.cli import main
from brandmon.commands import score as score_command
from transforms import complaints, fastsnow, sentiment

REPO = Path(__file__).resolve().parents[2]
POSTS = ["终于放假了[哈哈]", "外卖送到的时候饭都凉了，差评，要求退款", "這家餐廳的服務太差了", "", "👍👍"]


def run(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["score", *argv])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_text_lines_give_one_scored_json_line_each_in_order(tmp_path, capsys):
    path = tmp_path / "posts.txt"
    path.write_text("\n".join(POSTS) + "\n", encoding="utf-8")
    code, rows, _ = run([str(path)], capsys)
    assert code == 0 and len(rows) == len(POSTS)
    expected = sentiment.sentiments(POSTS)
    for text, row, score in zip(POSTS, rows, expected):
        assert set(row) == {"sentiment", "label", "complaint", "complaint_score", "categories", "severity", "reasons",
                            "severity_reasons"}
        assert row["sentiment"] == score.probability
        found = complaints.complaint(text, score.probability)
        assert (row["complaint"], row["complaint_score"], row["categories"], row["severity"]) == (
            found.is_complaint, found.score, list(found.categories), found.severity)
        assert row["reasons"] == [r.as_json() for r in found.reasons]
        assert all(set(r) == {"category", "code", "zh", "en", "phrase"} for r in row["reasons"])
    assert rows[1]["complaint"] and rows[1]["label"] == "neg"
    assert rows[0]["label"] == "pos" and not rows[0]["complaint"]


def test_json_lines_keep_their_ids_and_text_lines_mix_in(capsys, monkeypatch):
    stdin = "\n".join([json.dumps({"id": "a1", "text": POSTS[1]}, ensure_ascii=False),
                       POSTS[0],
                       json.dumps({"text": POSTS[2], "id": 7}, ensure_ascii=False),
                       "{%#静下心来听音乐#%} 书中自有黄金屋"]) + "\n"
    code, rows, _ = run(["-"], capsys, stdin, monkeypatch)
    assert code == 0
    assert [row.get("id") for row in rows] == ["a1", None, 7, None]
    assert rows[0]["sentiment"] == sentiment.sentiments([POSTS[1]])[0].probability


def test_a_json_object_without_text_is_an_error(capsys, monkeypatch):
    code, _, err = run([], capsys, '{"id": 1, "body": "x"}\n', monkeypatch)
    assert code == 2 and "line 1" in err and "'text'" in err


def test_missing_file_is_an_error(tmp_path, capsys):
    code, _, err = run([str(tmp_path / "nope.txt")], capsys)
    assert code == 2 and "nope.txt" in err


def test_model_snownlp_scores_raw_text_with_the_stock_model(capsys, monkeypatch):
    code, rows, _ = run(["--model", "snownlp"], capsys, "\n".join(POSTS) + "\n", monkeypatch)
    stock = fastsnow.SentimentModel.stock()
    assert code == 0 and [row["sentiment"] for row in rows] == [stock.probability(t) for t in POSTS]


def test_model_path_scores_with_a_retrained_model(tmp_path, capsys, monkeypatch):
    from training import sentiment as sentiment_training

    labels = tmp_path / "labels.csv"
    labels.write_text("text,label\n" + "".join(f"好用{i},pos\n垃圾{i},neg\n" for i in range(10)), encoding="utf-8")
    sentiment_training.train_user_model(labels, tmp_path / "acme.marshal", combine=False)
    code, rows, _ = run(["--model", str(tmp_path / "acme.marshal")], capsys, "好用\n垃圾\n", monkeypatch)
    model = fastsnow.SentimentModel.load(tmp_path / "acme.marshal")
    assert code == 0
    assert [row["sentiment"] for row in rows] == [model.probability(sentiment.prepare(t)) for t in ("好用", "垃圾")]


def test_an_unknown_model_is_an_error(tmp_path, capsys):
    code, _, err = run(["--model", str(tmp_path / "missing.marshal")], capsys)
    assert code == 2 and "cannot load model" in err


def test_more_lines_than_a_batch_keep_their_order(monkeypatch):
    monkeypatch.setattr(score_command, "BATCH_LINES", 3)
    lines = [f"第{i}条：{'快递太慢了，差评' if i % 2 else '东西很好，好评'}\n" for i in range(8)]
    out = io.StringIO()
    score_command.write_scores(sentiment.shipped_scorer(), lines, out, workers=1)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["label"] for row in rows] == [s.label for s in sentiment.sentiments([x.strip() for x in lines])]


def test_ten_thousand_lines_in_one_call(tmp_path, capsys):
    lines = [f"第{i}单：{'快递太慢了，差评' if i % 3 else '东西很好，好评[哈哈]'}" for i in range(10_000)]
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, rows, _ = run([str(path)], capsys)
    assert code == 0 and len(rows) == 10_000
    assert [row["label"] for row in rows[:6]] == ["pos", "neg", "neg", "pos", "neg", "neg"]


def test_the_command_starts_without_airflow_or_snownlp(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("不好\n", encoding="utf-8")
    code = ("import sys; from brandmon.cli import main; rc = main(['score', sys.argv[1]]); "
            "bad = [m for m in ('airflow', 'snownlp') if m in sys.modules]; "
            "sys.exit(rc or (3 if bad else 0))")
    result = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] in {"pos", "neu", "neg"}


@pytest.mark.parametrize("line, expected", [
    ('{"text": "好", "id": 3}', ("好", 3)),
    ("  普通的一行  ", ("普通的一行", None)),
    ("{不是 JSON}", ("{不是 JSON}", None)),
    ('["a list"]', ('["a list"]', None)),
])
def test_parse_line(line, expected):
    assert score_command.parse_line(line, 1) == expected
