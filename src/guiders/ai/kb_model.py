"""The intent model the bot consults: encoder, softmax head, calibrator, operating point.

A query is embedded, a multinomial logistic head proposes an intent, and a small
logistic *calibrator* turns a handful of scores (head probability, margin to the runner
up, cosine to the intent centroid and to the nearest training sentence, probability of
the explicit ``oos`` class) into ``confidence`` = P(the proposed intent is right and the
question is in scope). Confidences below the operating threshold are out of scope.

The calibrator and threshold are always fitted on rows the head never trained on: the
``val``/``oos_val`` splits when the data has them (CLINC150), otherwise out-of-fold
predictions on ``train`` plus a built-in list of generic off-topic questions (a small
YAML knowledge base). See ``docs/kb.md``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from guiders.ai.embeddings import Encoder, FloatArray
from guiders.ai.fine_tuning import StageProgress, TuningConfig, fine_tune
from guiders.ai.kb_data import OOS, Example, LabelledData

FORMAT_VERSION = 1
GENERIC_OOS_FILE = Path(__file__).with_name("generic_out_of_scope.yaml")
# Datasets at least this large get the encoder fine-tuned by default; below it a few
# gradient steps would only memorise the examples.
FINE_TUNE_MIN_EXAMPLES = 2000


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    confidence: float
    out_of_scope: bool
    answer: str | None


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


def _normalise(x: FloatArray) -> FloatArray:
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
    model.fit(x, np.asarray(labels))
    classes = [str(v) for v in model.classes_]
    weights, bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
    if len(classes) == 2:
        # sklearn stores one logit for two classes; softmax([0, z]) equals sigmoid(z).
        weights = np.vstack([np.zeros_like(weights), weights])
        bias = np.concatenate([np.zeros_like(bias), bias])
    return classes, weights, bias


def _fit_head_arrays(x: FloatArray, labels: Sequence[str], c: float, seed: int) -> Head:
    classes, weights, bias = _fit_softmax(x, labels, c, seed)
    lab = np.asarray(labels)
    centroids = _normalise(np.stack([x[lab == k].mean(axis=0) for k in classes]))
    in_scope = lab != OOS
    return Head(classes, weights, bias, centroids, x[in_scope], np.zeros(6, np.float32), 0.5)


def fit_calibrator(feats: FloatArray, correct: npt.NDArray[np.bool_]) -> FloatArray:
    from sklearn.linear_model import LogisticRegression

    if correct.all() or not correct.any():
        raise ValueError("calibration needs both correct and wrong/out-of-scope rows")
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(feats, correct)
    return np.concatenate([model.coef_[0], model.intercept_]).astype(np.float32)


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


def _held_out_rows(
    head: Head, encoder: Encoder, rows: list[Example], progress: StageProgress | None
) -> Calibration:
    emb = encoder.encode([t for t, _ in rows], progress=_stage(progress, "embed calibration"))
    top, feats = head.features(emb)
    return Calibration([head.classes[i] for i in top], [y for _, y in rows], feats)


def _out_of_fold(
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
        head = _fit_head_arrays(x[train_idx], list(lab[train_idx]), cfg.head_c, cfg.seed)
        held = np.vstack([x[test_idx], extra_oos[f::folds]]) if len(extra_oos) else x[test_idx]
        top, fe = head.features(held)
        predicted.extend(head.classes[i] for i in top)
        truth.extend(list(lab[test_idx]) + [OOS] * (len(held) - len(test_idx)))
        feats.append(fe)
    return Calibration(predicted, truth, np.vstack(feats))


def _stage(progress: StageProgress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def crossfit_operating_point(cal: Calibration, cfg: TrainConfig) -> dict[str, float]:
    """Calibrate and choose the threshold on one half, measure on the other, both ways.

    The figures the final threshold gets on its own calibration rows are optimistic;
    these are not, because no row is used both to choose and to measure.
    """
    from guiders.ai.evaluation import score

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


class KnowledgeBase:
    """A trained intent model; load once, then call :meth:`classify` per message."""

    def __init__(
        self,
        encoder: Encoder,
        head: Head,
        answers: dict[str, dict[str, str]],
        meta: dict[str, Any],
    ) -> None:
        self.encoder = encoder
        self.head = head
        self.answers = answers
        self.meta = meta

    @property
    def intents(self) -> list[str]:
        return [c for c in self.head.classes if c != OOS]

    @property
    def threshold(self) -> float:
        return self.head.threshold

    def answer_for(self, intent: str, language: str | None = None) -> str | None:
        by_language = self.answers.get(intent)
        if not by_language:
            return None
        for key in (language, "default", "en"):
            if key and key in by_language:
                return by_language[key]
        return next(iter(by_language.values()))

    def classify(self, text: str, language: str | None = None) -> Classification:
        """One visitor message; ``language`` picks the answer's language when it has several."""
        return self.classify_many([text], language)[0]

    def classify_many(
        self, texts: Sequence[str], language: str | None = None
    ) -> list[Classification]:
        if not texts:
            return []
        emb = self.encoder.encode(texts, batch_size=1 if len(texts) == 1 else 64)
        intents, conf, oos = self.head.predict(emb)
        return [
            Classification(
                intent=intent,
                confidence=float(c),
                out_of_scope=o,
                answer=None if o else self.answer_for(intent, language),
            )
            for intent, c, o in zip(intents, conf, oos, strict=True)
        ]

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        h = self.head
        np.savez(
            path / "head.npz",
            weights=h.weights,
            bias=h.bias,
            centroids=h.centroids,
            bank=h.bank,
            calibrator=h.calibrator,
        )
        meta = dict(self.meta)
        meta.update(
            format_version=FORMAT_VERSION,
            classes=h.classes,
            threshold=h.threshold,
            answers=self.answers,
            encoder="encoder" if (path / "encoder").exists() else "base",
            quantized=self.encoder.quantized,
            quantize_scope=self.encoder.quantize_scope,
        )
        (path / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path, threads: int | None = 1) -> KnowledgeBase:
        """Load a model saved by :func:`train`.

        ``threads`` sets torch's (process-wide) intra-op thread count: one thread is the
        fastest for single short queries and does not starve the server's other work.
        It caps numpy's BLAS pool too: the head's matrix-vector products (one against
        every training sentence) are too small to share, and two BLAS threads on a busy
        machine wait on each other (head p50 about 1 ms with one thread, 12 ms with two
        on a loaded 2-core machine).
        """
        import torch
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        if threads is not None:
            torch.set_num_threads(threads)
            threadpool_limits(limits=threads, user_api="blas")
        meta = json.loads((path / "meta.json").read_text())
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: model format {meta.get('format_version')} unsupported")
        arrays = np.load(path / "head.npz")
        head = Head(
            classes=list(meta["classes"]),
            weights=arrays["weights"],
            bias=arrays["bias"],
            centroids=arrays["centroids"],
            bank=arrays["bank"],
            calibrator=arrays["calibrator"],
            threshold=float(meta["threshold"]),
        )
        encoder = Encoder(path / "encoder" if meta["encoder"] == "encoder" else None)
        if meta.get("quantized"):
            # Models saved before partial quantization existed quantized every layer.
            encoder.quantize(meta.get("quantize_scope", "all"))
        kb = cls(encoder, head, meta["answers"], meta)
        kb.classify("warm up")  # first call pays lazy initialisation; not the visitor
        return kb


def train(
    data: LabelledData,
    out: Path | None = None,
    config: TrainConfig | None = None,
    progress: StageProgress | None = None,
) -> KnowledgeBase:
    """Train on ``data`` (and save to ``out`` when given)."""
    cfg = config or TrainConfig()
    started = time.monotonic()
    rows = data.split("train") + data.split("oos_train")
    if not rows:
        raise ValueError("no training rows (split 'train')")
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    reused = Path(cfg.encoder) if cfg.encoder is not None else None
    tuned = reused is not None
    if reused is not None and out is not None and (out / "encoder").resolve() == reused.resolve():
        raise ValueError("the output would overwrite the encoder being reused; pick another")
    encoder = Encoder(reused)
    epochs = 0 if tuned else cfg.fine_tune_epochs
    if epochs is None:
        epochs = 3 if len(rows) >= FINE_TUNE_MIN_EXAMPLES else 0
    if epochs == 0 and cfg.quantize != "none":
        encoder.quantize(cfg.quantize)
    x = encoder.encode(texts, progress=_stage(progress, "embed train"))
    if epochs > 0:
        classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[v] for v in labels], dtype=np.int64)
        lab = np.asarray(labels)
        centroids = _normalise(np.stack([x[lab == c].mean(axis=0) for c in classes]))
        fine_tune(
            encoder, texts, y, centroids, TuningConfig(epochs=epochs, seed=cfg.seed), progress
        )
        if cfg.quantize != "none":
            encoder.quantize(cfg.quantize)
        x = encoder.encode(texts, progress=_stage(progress, "embed train (tuned)"))
    head = _fit_head_arrays(x, labels, cfg.head_c, cfg.seed)
    calibration_source = "val"
    held_rows = data.split("val") + data.split("oos_val")
    if data.split("val") and data.split("oos_val"):
        cal = _held_out_rows(head, encoder, held_rows, progress)
    else:
        if epochs > 0 or tuned:
            raise ValueError(
                "a fine-tuned encoder has seen every training row: provide 'val' and "
                "'oos_val' splits to calibrate on"
            )
        calibration_source = "out-of-fold train + generic out-of-scope questions"
        generic = encoder.encode(load_generic_oos())
        cal = _out_of_fold(x, labels, cfg, generic)
    head.calibrator = fit_calibrator(cal.feats, cal.correct)
    conf = head.confidence(cal.feats)
    head.threshold = choose_threshold(conf, cal.predicted, cal.truth, cfg.min_oos_recall)
    crossfit = crossfit_operating_point(cal, cfg)
    meta: dict[str, Any] = {
        "name": data.name,
        "config": asdict(cfg),
        "fine_tune_epochs": epochs,
        "train_rows": len(rows),
        "calibration_source": calibration_source,
        "calibration_rows": len(cal.truth),
        "crossfit_on_calibration_rows": crossfit,
        "training_seconds": round(time.monotonic() - started, 1),
    }
    kb = KnowledgeBase(encoder, head, {k: dict(v) for k, v in data.answers.items()}, meta)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        if (out / "encoder").exists():
            shutil.rmtree(out / "encoder")  # a previous model's; must not be picked up
        if epochs > 0 or tuned:
            encoder.save(out / "encoder")
        kb.save(out)
    return kb
