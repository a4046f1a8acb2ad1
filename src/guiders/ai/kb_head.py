"""The intent model's head and its calibration: the softmax head over embeddings, the
calibrator that turns its scores into ``confidence``, the operating threshold, and the
out-of-fold rows they are fitted on (never rows the head trained on). ``kb_model.py`` puts
them together with the encoder; see its docstring and ``docs/kb.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from guiders.ai.embeddings import Encoder, FloatArray
from guiders.ai.fine_tuning import StageProgress
from guiders.ai.kb_data import OOS, Example
from guiders.ai.scores import score

GENERIC_OOS_FILE = Path(__file__).with_name("generic_out_of_scope.yaml")


@dataclass(frozen=True, slots=True)
class TrainConfig:
    # None = decide from the data size (fine-tune CLINC150, not a small YAML KB).
    fine_tune_epochs: int | None = None
    # Operating point: the smallest threshold whose OOS recall on calibration rows
    # reaches this value (in-scope accuracy only falls as the threshold rises).
    min_oos_recall: float = 0.85
    head_c: float = 10.0
    # int8 inference (see Encoder.quantize); the head is fitted on its embeddings.
    # "ffn" by default: fp32 single-query p95 is ~15-18 ms on the shared 2-core machine
    # even traced, over the 15 ms budget; int8 feed-forward layers cut most of that and
    # keep in-scope accuracy above 0.96, which "all" misses (docs/kb.md). "none" is fp32.
    quantize: str = "ffn"
    seed: int = 0
    # A fine-tuned encoder saved by an earlier run (its model's ``encoder`` directory):
    # skips fine-tuning and fits only the head, e.g. to try another quantization scope.
    encoder: str | None = None


def _softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    out: FloatArray = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


def normalise(x: FloatArray) -> FloatArray:
    out: FloatArray = (x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)).astype(
        np.float32
    )
    return out


@dataclass(slots=True)
class Head:
    """Everything between an embedding and a (intent, confidence) pair, as plain arrays."""

    classes: list[str]
    weights: FloatArray  # (n_classes, dim)
    bias: FloatArray  # (n_classes,)
    centroids: FloatArray  # (n_classes, dim), unit rows
    bank: FloatArray  # (n_examples, dim), in-scope training sentences
    calibrator: FloatArray  # (n_features + 1,): coefficients then intercept
    threshold: float

    def features(self, embeddings: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
        probs = _softmax(embeddings @ self.weights.T + self.bias)
        order = np.argsort(-probs, axis=1)
        top = order[:, 0]
        rows = np.arange(len(top))
        p1 = probs[rows, top]
        p2 = probs[rows, order[:, 1]]
        centroid_cos = np.max(embeddings @ self.centroids.T, axis=1)
        nearest_cos = np.max(embeddings @ self.bank.T, axis=1)
        p_oos = probs[:, self.classes.index(OOS)] if OOS in self.classes else np.zeros_like(p1)
        feats = np.column_stack(
            [
                np.log(p1 + 1e-9),
                np.log(p1 + 1e-9) - np.log(p2 + 1e-9),
                centroid_cos,
                nearest_cos,
                np.log(p_oos + 1e-9),
            ]
        ).astype(np.float32)
        return top.astype(np.int64), feats

    def confidence(self, feats: FloatArray) -> FloatArray:
        z = feats @ self.calibrator[:-1] + self.calibrator[-1]
        out: FloatArray = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return out

    def predict(self, embeddings: FloatArray) -> tuple[list[str], FloatArray, list[bool]]:
        top, feats = self.features(embeddings)
        conf = self.confidence(feats)
        intents = [self.classes[i] for i in top]
        oos = [i == OOS or c < self.threshold for i, c in zip(intents, conf, strict=True)]
        return intents, conf, oos


def _fit_softmax(
    x: FloatArray, labels: Sequence[str], c: float, seed: int
) -> tuple[list[str], FloatArray, FloatArray]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    with _quiet_blas():
        model.fit(x, np.asarray(labels))
    _finite(np.concatenate([model.coef_.ravel(), model.intercept_]))
    classes = [str(v) for v in model.classes_]
    weights, bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
    if len(classes) == 2:
        # sklearn stores one logit for two classes; softmax([0, z]) equals sigmoid(z).
        weights = np.vstack([np.zeros_like(weights), weights])
        bias = np.concatenate([np.zeros_like(bias), bias])
    return classes, weights, bias


def _quiet_blas() -> np.errstate:
    """OpenBLAS can raise the floating-point "invalid" flag in a matmul whose result is finite
    (numpy/numpy#13173, #24067): seen once in CI inside the solver's loss, as a
    ``RuntimeWarning`` that the tests turn into an error. The fit is checked instead
    (``_finite``): a model with a NaN or an infinity is refused."""
    return np.errstate(invalid="ignore", over="ignore")


def _finite(values: FloatArray) -> FloatArray:
    if not np.isfinite(values).all():
        raise ValueError("the fitted model holds a NaN or an infinity")
    return values


def fit_head(x: FloatArray, labels: Sequence[str], c: float, seed: int) -> Head:
    classes, weights, bias = _fit_softmax(x, labels, c, seed)
    lab = np.asarray(labels)
    centroids = normalise(np.stack([x[lab == k].mean(axis=0) for k in classes]))
    in_scope = lab != OOS
    return Head(classes, weights, bias, centroids, x[in_scope], np.zeros(6, np.float32), 0.5)


def fit_calibrator(feats: FloatArray, correct: npt.NDArray[np.bool_]) -> FloatArray:
    from sklearn.linear_model import LogisticRegression

    if correct.all() or not correct.any():
        raise ValueError("calibration needs both correct and wrong/out-of-scope rows")
    model = LogisticRegression(C=1.0, max_iter=2000)
    with _quiet_blas():
        model.fit(feats, correct)
    return _finite(np.concatenate([model.coef_[0], model.intercept_]).astype(np.float32))


def choose_threshold(
    confidence: FloatArray, predicted: Sequence[str], truth: Sequence[str], min_oos_recall: float
) -> float:
    """Smallest threshold reaching ``min_oos_recall``; the highest recall if none does.

    Raising the threshold only ever moves answers to "out of scope", so the smallest
    threshold that meets the recall target is the one that keeps most in-scope answers.
    """
    truth_arr = np.asarray(truth)
    oos_rows = truth_arr == OOS
    pred_oos = np.asarray(predicted) == OOS
    if not oos_rows.any():
        return 0.5
    values = np.unique(np.concatenate([confidence, [0.0, 1.0]]))
    # Cut halfway between neighbouring confidences, so that float noise between batched
    # and single-query embeddings cannot flip the row that decided the threshold.
    cuts = (values[:-1] + values[1:]) / 2.0
    best_t, best_recall = 0.5, -1.0
    for cut in cuts:
        caught = float((pred_oos | (confidence < cut))[oos_rows].mean())
        if caught >= min_oos_recall:
            return float(cut)
        if caught > best_recall:
            best_t, best_recall = float(cut), caught
    return best_t


def load_generic_oos() -> list[str]:
    raw = yaml.safe_load(GENERIC_OOS_FILE.read_text(encoding="utf-8"))
    return [str(v) for v in raw["questions"]]


@dataclass(slots=True)
class Calibration:
    """Rows held out from the head, with what the head said about them."""

    predicted: list[str]
    truth: list[str]
    feats: FloatArray

    @property
    def correct(self) -> npt.NDArray[np.bool_]:
        p, t = np.asarray(self.predicted), np.asarray(self.truth)
        out: npt.NDArray[np.bool_] = (p == t) & (t != OOS)
        return out


def held_out_rows(
    head: Head, encoder: Encoder, rows: list[Example], progress: StageProgress | None
) -> Calibration:
    emb = encoder.encode([t for t, _ in rows], progress=stage(progress, "embed calibration"))
    top, feats = head.features(emb)
    return Calibration([head.classes[i] for i in top], [y for _, y in rows], feats)


def out_of_fold(
    x: FloatArray, labels: list[str], cfg: TrainConfig, extra_oos: FloatArray, folds: int = 5
) -> Calibration:
    """Out-of-fold head predictions on the training rows plus the generic negatives."""
    rng = np.random.default_rng(cfg.seed)
    fold_of = rng.permutation(len(labels)) % folds
    predicted: list[str] = []
    truth: list[str] = []
    feats: list[FloatArray] = []
    lab = np.asarray(labels)
    for f in range(folds):
        train_idx, test_idx = np.where(fold_of != f)[0], np.where(fold_of == f)[0]
        if len(set(lab[train_idx])) < 2:
            continue
        head = fit_head(x[train_idx], list(lab[train_idx]), cfg.head_c, cfg.seed)
        held = np.vstack([x[test_idx], extra_oos[f::folds]]) if len(extra_oos) else x[test_idx]
        top, fe = head.features(held)
        predicted.extend(head.classes[i] for i in top)
        truth.extend(list(lab[test_idx]) + [OOS] * (len(held) - len(test_idx)))
        feats.append(fe)
    return Calibration(predicted, truth, np.vstack(feats))


def stage(progress: StageProgress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def crossfit_operating_point(cal: Calibration, cfg: TrainConfig) -> dict[str, float]:
    """Calibrate and choose the threshold on one half, measure on the other, both ways.

    The figures the final threshold gets on its own calibration rows are optimistic;
    these are not, because no row is used both to choose and to measure.
    """
    n = len(cal.truth)
    perm = np.random.default_rng(cfg.seed + 1).permutation(n)
    halves = (perm[: n // 2], perm[n // 2 :])
    results: list[dict[str, float]] = []
    for fit_idx, eval_idx in (halves, halves[::-1]):
        correct = cal.correct
        weights = fit_calibrator(cal.feats[fit_idx], correct[fit_idx])
        head_stub = Head(
            [],
            np.zeros((0, 0), np.float32),
            np.zeros(0, np.float32),
            np.zeros((0, 0), np.float32),
            np.zeros((0, 0), np.float32),
            weights,
            0,
        )
        conf = head_stub.confidence(cal.feats)
        pred_fit = [cal.predicted[i] for i in fit_idx]
        truth_fit = [cal.truth[i] for i in fit_idx]
        t = choose_threshold(conf[fit_idx], pred_fit, truth_fit, cfg.min_oos_recall)
        final = [
            OOS if (cal.predicted[i] == OOS or conf[i] < t) else cal.predicted[i] for i in eval_idx
        ]
        report = score([cal.truth[i] for i in eval_idx], final)
        results.append(
            {
                "in_scope_accuracy": report.in_scope_accuracy,
                "oos_recall": report.oos_recall,
                "oos_precision": report.oos_precision,
                "threshold": t,
            }
        )
    return {k: float(np.mean([r[k] for r in results])) for k in results[0]}
