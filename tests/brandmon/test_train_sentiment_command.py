"""`brandmon train-sentiment`: a user's labels in, a snownlp model and its metadata out."""

from __future__ import annotations

import json

from brandmon.cli import main
from transforms import fastsnow, sentiment


def write_labels(path, n: int = 10):
    rows = "".join(f"物流很快，质量很好{i},pos\n客服不理人，要求退款{i},neg\n" for i in range(n))
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


def test_trains_a_model_that_snownlp_and_brandmon_score_read(tmp_path, capsys):
    labels = write_labels(tmp_path / "labels.csv")
    code = main(["train-sentiment", str(labels), "--output", str(tmp_path / "acme.marshal"), "--alone"])
    meta = json.loads(capsys.readouterr().out)
    assert code == 0 and meta["combined_with_shipped"] is False
    assert (tmp_path / "acme.marshal.3").exists() and (tmp_path / "acme.json").exists()

    from snownlp.sentiment import Sentiment

    plain = Sentiment()
    plain.load(str(tmp_path / "acme.marshal"))
    text = sentiment.prepare("客服不理人")
    assert plain.classify(text) == fastsnow.SentimentModel.load(tmp_path / "acme.marshal").probability(text) < 0.5


def test_output_may_name_the_dot3_file(tmp_path, capsys):
    labels = write_labels(tmp_path / "labels.csv")
    assert main(["train-sentiment", str(labels), "--output", str(tmp_path / "m.marshal.3")]) == 0
    capsys.readouterr()
    assert (tmp_path / "m.marshal.3").exists() and not (tmp_path / "m.marshal.3.3").exists()


def test_needs_a_file_with_output_or_rebuild_but_not_both(tmp_path, capsys):
    labels = write_labels(tmp_path / "labels.csv")
    assert main(["train-sentiment"]) == 2
    assert main(["train-sentiment", str(labels)]) == 2
    assert main(["train-sentiment", str(labels), "--rebuild-shipped"]) == 2
    assert main(["train-sentiment", str(labels), "--output", str(tmp_path / "x"), "--weight", "0"]) == 2
    assert "--output is required" in capsys.readouterr().err


def test_bad_labels_are_reported_with_their_record(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("text,label\n好,pos\n差,terrible\n", encoding="utf-8")
    assert main(["train-sentiment", str(path), "--output", str(tmp_path / "m")]) == 2
    assert "record 2" in capsys.readouterr().err
