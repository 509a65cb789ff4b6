"""fastsnow's sentiment models are snownlp's: same training counts, same files, same probabilities."""

from __future__ import annotations

import gzip
import marshal

import pytest
import snownlp
from snownlp.sentiment import Sentiment

from transforms.fastsnow import SentimentModel, filter_stopwords, stopwords, train_bayes, words

NEG_DOCS = ["这个产品质量太差了，非常失望\n", "客服态度恶劣，再也不买了", "垃圾手机，用了三天就坏",
            "退款一直不到账，投诉无门", "物流太慢，包装破损[怒]", "难吃，服务也差", "差评 bad!!"]
POS_DOCS = ["质量很好，非常满意", "客服耐心，点赞[赞]", "手机很流畅，拍照清晰",
            "物流很快，包装完好", "好吃不贵，还会再来", "性价比高，推荐购买", "", "good 👍"]
PROBES = ["质量很好", "太差了，失望", "", "good", "物流很快但是客服态度恶劣", "完全没见过的词语组合"]


def _snownlp_dict(sentiment: Sentiment) -> dict:
    """What snownlp's Bayes.save writes for a Sentiment."""
    return {"total": sentiment.classifier.total, "d": {k: v.__dict__ for k, v in sentiment.classifier.d.items()}}


@pytest.fixture(scope="module")
def plain_trained() -> Sentiment:
    sentiment = Sentiment()
    sentiment.train(NEG_DOCS, POS_DOCS)
    return sentiment


def test_stopwords_are_snownlps():
    assert stopwords() == snownlp.normal.stop


def test_filter_stopwords_keeps_order_and_drops_stopwords():
    text = "我的手机，真的很好用啊！"
    assert filter_stopwords(words(text)) == snownlp.normal.filter_stop(snownlp.seg.seg(text))


def test_train_bayes_counts_exactly_like_snownlp(plain_trained):
    assert train_bayes(NEG_DOCS, POS_DOCS).to_snownlp_dict() == _snownlp_dict(plain_trained)


def test_train_bayes_keeps_class_order_of_first_appearance():
    assert list(train_bayes([], POS_DOCS).to_snownlp_dict()["d"]) == ["pos"]
    assert list(train_bayes(NEG_DOCS, POS_DOCS).to_snownlp_dict()["d"]) == ["neg", "pos"]


def test_trained_model_scores_like_snownlps(plain_trained):
    model = train_bayes(NEG_DOCS, POS_DOCS)
    for text in PROBES:
        assert model.probability(text) == plain_trained.classify(text), text


def test_stock_model_is_snownlps_shipped_model():
    for text in PROBES:
        assert SentimentModel.stock().probability(text) == snownlp.sentiment.classify(text), text


def test_probability_of_words_takes_filtered_words():
    model = SentimentModel.stock()
    text = "这家店的服务真的太好了！"
    assert model.probability_of_words(filter_stopwords(words(text))) == model.probability(text)


def test_saved_model_loads_in_snownlp_with_the_same_scores(tmp_path):
    model = train_bayes(NEG_DOCS, POS_DOCS)
    path = model.save(tmp_path / "ours.marshal")
    assert path == tmp_path / "ours.marshal.3"  # snownlp appends '.3' on Python 3
    loaded = Sentiment()
    loaded.load(str(tmp_path / "ours.marshal"))
    for text in PROBES:
        assert loaded.classify(text) == model.probability(text), text


def test_model_saved_by_snownlp_loads_by_the_same_name_or_the_real_file(tmp_path, plain_trained):
    plain_trained.save(str(tmp_path / "theirs.marshal"))
    by_name = SentimentModel.load(tmp_path / "theirs.marshal")
    by_file = SentimentModel.load(tmp_path / "theirs.marshal.3")
    assert by_name == by_file
    assert by_name.to_snownlp_dict() == _snownlp_dict(plain_trained)


def test_uncompressed_model_files_load_as_snownlp_allows(tmp_path, plain_trained):
    (tmp_path / "raw.marshal.3").write_bytes(marshal.dumps(_snownlp_dict(plain_trained)))
    assert SentimentModel.load(tmp_path / "raw.marshal").to_snownlp_dict() == _snownlp_dict(plain_trained)


def test_saved_file_is_gzip_marshal(tmp_path):
    model = train_bayes(NEG_DOCS, POS_DOCS)
    path = model.save(tmp_path / "m")
    assert marshal.loads(gzip.decompress(path.read_bytes())) == model.to_snownlp_dict()


def test_missing_model_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        SentimentModel.load(tmp_path / "nothing.marshal")


def test_models_survive_pickling_for_worker_processes():
    import pickle

    model = train_bayes(NEG_DOCS, POS_DOCS)
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model
    assert [copy.probability(t) for t in PROBES] == [model.probability(t) for t in PROBES]
