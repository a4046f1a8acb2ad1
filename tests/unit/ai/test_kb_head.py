"""The knowledge head's fits (ai/kb_head.py): a spurious floating-point flag raised inside the
solver does not fail a fit, and a model that is not finite is refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from guiders.ai.kb_head import fit_calibrator, fit_head

FEATURES = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
CORRECT = np.arange(40) % 3 != 0
LABELS = ["a" if c else "b" for c in CORRECT]


def fit_that(flags: bool, coef: float) -> Any:
    """``LogisticRegression.fit`` standing in: optionally raises numpy's "invalid" flag (as
    OpenBLAS's matmul can, numpy/numpy#13173), then sets ``coef`` as the model."""

    def fit(self: LogisticRegression, x: Any, y: Any) -> LogisticRegression:
        if flags:
            _ = np.array([np.inf]) - np.inf  # only the flag matters
        self.classes_ = np.unique(y)
        self.coef_ = np.full((1, x.shape[1]), coef)
        self.intercept_ = np.zeros(1)
        return self

    return fit


def test_a_spurious_invalid_flag_inside_the_solver_does_not_fail_the_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The test suite turns warnings into errors: without the fits' ``errstate`` the flag
    would be a ``RuntimeWarning`` here, as it was once in CI."""
    monkeypatch.setattr(LogisticRegression, "fit", fit_that(flags=True, coef=0.5))
    assert np.isfinite(fit_calibrator(FEATURES, CORRECT)).all()
    assert fit_head(FEATURES, LABELS, c=1.0, seed=0).classes == ["a", "b"]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_fit_that_is_not_finite_is_refused(monkeypatch: pytest.MonkeyPatch, bad: float) -> None:
    monkeypatch.setattr(LogisticRegression, "fit", fit_that(flags=False, coef=bad))
    with pytest.raises(ValueError, match="NaN or an infinity"):
        fit_calibrator(FEATURES, CORRECT)
    with pytest.raises(ValueError, match="NaN or an infinity"):
        fit_head(FEATURES, LABELS, c=1.0, seed=0)
