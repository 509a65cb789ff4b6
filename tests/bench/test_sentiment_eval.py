"""Helpers of the review analysis in bench.sentiment_eval keep to their definitions."""

from __future__ import annotations

import numpy as np

from bench.sentiment_eval import (
    contrast_emphasised,
    cutoff_from_training_folds,
    out_of_fold_weighted,
    with_word_bigrams,
)
from training import corpora, evaluation
from training import sentiment as st
from transforms.textprep import ascii_token

NEG = ["质量太差了，非常失望", "客服态度恶劣，再也不买了", "垃圾手机，用了三天就坏", "物流太慢，包装破损", "难吃，服务也差",
       "退款一直不到账"]
POS = ["质量很好，非常满意", "客服耐心，点赞", "手机很流畅，拍照清晰", "物流很快，包装完好", "好吃不贵，还会再来", "性价比高，推荐购买"]


def _examples() -> list[corpora.Example]:
    return [corpora.Example(t, 0, "user") for t in NEG] + [corpora.Example(t, 1, "user") for t in POS]


def test_recipe_weights_give_the_same_held_out_probabilities_as_out_of_fold():
    examples = _examples()
    tokens = st.tokens_of([ex.text for ex in examples])
    weights = np.array([st.SHIPPED_RECIPE.weight(ex.source, len(t)) for ex, t in zip(examples, tokens)])
    assert np.array_equal(out_of_fold_weighted(examples, tokens, weights),
                          st.out_of_fold(examples, tokens, st.SHIPPED_RECIPE))


def test_words_in_too_few_training_documents_are_left_out_of_the_models():
    examples = _examples()
    tokens = [["好"] if ex.label else ["差"] for ex in examples]
    tokens[0] = ["差", "罕见"]  # 罕见 is in one document only
    ones = np.ones(len(examples))
    pruned = out_of_fold_weighted(examples, tokens, ones, min_docs=2)
    counted = out_of_fold_weighted(examples, tokens, ones)
    never_seen = out_of_fold_weighted(examples, [["差"]] + tokens[1:], ones)
    # the other documents are scored by models that no longer count 罕见 ...
    assert np.array_equal(pruned[1:], never_seen[1:]) and not np.array_equal(counted[1:], never_seen[1:])
    # ... and document 0 by its fold's model, which never saw it, as before
    assert pruned[0] == counted[0]


def test_word_bigrams_stay_inside_a_clause_and_skip_modifier_tokens():
    words = ["服务", "热情", ",", "房间", "干净", "mod_e5be88_e5a5bd"]
    bigrams = [w for w in with_word_bigrams(words) if w.startswith("bi_")]
    assert bigrams == [ascii_token("bi_", "服务", "热情"), ascii_token("bi_", "房间", "干净")]


def test_words_after_a_contrast_count_twice_until_the_sentence_ends():
    words = ["房间", "干净", "但是", "隔音", "差", "。", "早餐", "好"]
    assert contrast_emphasised(words) == ["房间", "干净", "隔音", "隔音", "差", "差", "早餐", "好"]


def test_cutoff_is_chosen_without_the_fold_it_labels():
    texts = [f"第{i}条" for i in range(400)]
    examples = [corpora.Example(t, i % 2, corpora.SOURCE_REVIEWS if i < 200 else corpora.SOURCE_WEIBO2018)
                for i, t in enumerate(texts)]
    # positives score 0.65, negatives 0.45: any cut in [0.45, 0.65) is perfect on every fold
    probs = np.array([0.65 if ex.label else 0.45 for ex in examples])
    predicted, cuts = cutoff_from_training_folds(examples, probs)
    assert len(cuts) == evaluation.FOLDS and all(0.45 <= c < 0.65 for c in cuts)
    assert list(predicted) == [ex.label for ex in examples]
