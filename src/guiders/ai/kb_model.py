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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from guiders.ai.embeddings import Encoder
from guiders.ai.fine_tuning import StageProgress, TuningConfig, fine_tune
from guiders.ai.kb_data import OOS, LabelledData
from guiders.ai.kb_head import (
    Head,
    TrainConfig,
    choose_threshold,
    crossfit_operating_point,
    fit_calibrator,
    fit_head,
    held_out_rows,
    load_generic_oos,
    normalise,
    out_of_fold,
    stage,
)

__all__ = ["Classification", "KnowledgeBase", "TrainConfig", "choose_threshold", "train"]

FORMAT_VERSION = 1
# Datasets at least this large get the encoder fine-tuned by default; below it a few
# gradient steps would only memorise the examples.
FINE_TUNE_MIN_EXAMPLES = 2000


@dataclass(frozen=True, slots=True)
class Classification:
    intent: str
    confidence: float
    out_of_scope: bool
    answer: str | None


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
    x = encoder.encode(texts, progress=stage(progress, "embed train"))
    if epochs > 0:
        classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[v] for v in labels], dtype=np.int64)
        lab = np.asarray(labels)
        centroids = normalise(np.stack([x[lab == c].mean(axis=0) for c in classes]))
        fine_tune(
            encoder, texts, y, centroids, TuningConfig(epochs=epochs, seed=cfg.seed), progress
        )
        if cfg.quantize != "none":
            encoder.quantize(cfg.quantize)
        x = encoder.encode(texts, progress=stage(progress, "embed train (tuned)"))
    head = fit_head(x, labels, cfg.head_c, cfg.seed)
    calibration_source = "val"
    held_rows = data.split("val") + data.split("oos_val")
    if data.split("val") and data.split("oos_val"):
        cal = held_out_rows(head, encoder, held_rows, progress)
    else:
        if epochs > 0 or tuned:
            raise ValueError(
                "a fine-tuned encoder has seen every training row: provide 'val' and "
                "'oos_val' splits to calibrate on"
            )
        calibration_source = "out-of-fold train + generic out-of-scope questions"
        generic = encoder.encode(load_generic_oos())
        cal = out_of_fold(x, labels, cfg, generic)
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
