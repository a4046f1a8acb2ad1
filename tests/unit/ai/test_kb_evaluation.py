from __future__ import annotations

import numpy as np
import pytest

from guiders.ai.evaluation import macro_f1, score
from guiders.ai.kb_model import choose_threshold


def test_score_counts_oos_as_the_paper_does() -> None:
    truth = ["a", "a", "b", "b", "oos", "oos", "oos", "oos"]
    predicted = ["a", "oos", "b", "a", "oos", "oos", "b", "oos"]
    report = score(truth, predicted)
    # in scope: a ok, a->oos wrong, b ok, b->a wrong
    assert report.in_scope_accuracy == pytest.approx(2 / 4)
    assert report.oos_recall == pytest.approx(3 / 4)
    # four oos predictions, three of them right
    assert report.oos_precision == pytest.approx(3 / 4)
    # F1: a P=1/2 R=1/2 -> 1/2; b P=1/2 R=1/2 -> 1/2; oos P=3/4 R=3/4 -> 3/4
    assert report.macro_f1 == pytest.approx((0.5 + 0.5 + 0.75) / 3)
    assert (report.in_scope_items, report.oos_items) == (4, 4)


def test_no_oos_prediction_means_zero_precision_and_never_predicted_label_zero_f1() -> None:
    report = score(["a", "oos"], ["a", "a"])
    assert report.oos_recall == 0.0
    assert report.oos_precision == 0.0
    # a: P=1/2 R=1 -> 2/3; oos: never predicted -> 0
    assert macro_f1(["a", "oos"], ["a", "a"]) == pytest.approx((2 / 3) / 2)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        score(["a"], [])


def test_threshold_is_the_smallest_cut_reaching_the_oos_recall() -> None:
    confidence = np.array([0.9, 0.2, 0.4, 0.1], dtype=np.float32)
    predicted = ["a", "a", "a", "oos"]
    truth = ["a", "oos", "oos", "oos"]
    # the row predicted "oos" counts anyway; catching the 0.2 one gives 2/3
    assert choose_threshold(confidence, predicted, truth, 0.66) == pytest.approx(0.3)
    assert choose_threshold(confidence, predicted, truth, 1.0) == pytest.approx(0.65)
