"""Loading a trained conversion model and scoring one visitor with an explanation.

The server and worker only need :class:`ConversionModel`: load a directory
written by ``guiders analytics train`` and call :meth:`ConversionModel.predict`
with the dict from :func:`guiders.analytics.features.compute_features`.

Artefacts are joblib pickles: load only directories this deployment produced.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypedDict

import joblib
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from guiders.analytics.dataset import ENGINEERED, rows_to_frame
from guiders.analytics.ensemble import CalibratedEnsemble
from guiders.analytics.features import UCI_FEATURES, FeatureValue
from guiders.analytics.segments import Segment, Segmenter

PIPELINE_FILE: Final = "model.joblib"
METADATA_FILE: Final = "model.json"
TOP_FACTORS: Final = 5
EXPLAINED_FEATURES: Final = tuple(
    name for name in UCI_FEATURES if name not in {"OperatingSystems", "Browser", "Region"}
)
"""Columns the model reads; the others would always explain exactly zero."""


class Factor(TypedDict):
    feature: str
    value: FeatureValue
    contribution: float


@dataclass(frozen=True)
class Prediction:
    conversion_probability: float
    segment: Segment
    model_version: str
    top_factors: list[Factor]
    scored_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversionProbability": self.conversion_probability,
            "segment": self.segment.value,
            "modelVersion": self.model_version,
            "topFactors": [dict(factor) for factor in self.top_factors],
            "scoredAt": self.scored_at.isoformat(),
        }


def reference_values(raw: pd.DataFrame) -> dict[str, FeatureValue]:
    """Typical visitor of the training data: medians, or the mode for labels."""
    reference: dict[str, FeatureValue] = {}
    for name in UCI_FEATURES:
        column = raw[name]
        if name in {"Month", "VisitorType", "Weekend"}:
            mode = column.mode().iloc[0]
            reference[name] = bool(mode) if name == "Weekend" else str(mode)
        else:
            reference[name] = float(np.median(pd.to_numeric(column)))
    return reference


def _plain(value: Any) -> FeatureValue:
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)


class IncompatibleModel(ValueError):
    """A saved model whose inputs are not the features this version computes."""


def is_compatible(metadata: Mapping[str, Any]) -> bool:
    """Pickled pipelines call this version's ``engineer``; a model fitted on another feature
    list would be fed columns it never saw."""
    return metadata.get("engineeredFeatures") == list(ENGINEERED)


@dataclass
class ConversionModel:
    pipeline: Pipeline
    metadata: dict[str, Any]
    segmenter: Segmenter = field(default_factory=Segmenter)
    _threads: Any = field(default=None, init=False, repr=False)

    def _one_thread(self) -> Any:
        """Score a single visitor on one thread.

        Fanning 16 rows out to an OpenMP pool costs more than the work (28 ms
        against 2 ms for the boosting member on a busy 2-core host), and the
        server scores many visitors concurrently anyway.
        """
        if self._threads is None:
            self._threads = ThreadpoolController()
        return self._threads.limit(limits=1)

    @property
    def version(self) -> str:
        return str(self.metadata["modelVersion"])

    @property
    def reference(self) -> dict[str, FeatureValue]:
        return dict(self.metadata["reference"])

    @classmethod
    def load(cls, directory: Path | str, segmenter: Segmenter | None = None) -> ConversionModel:
        """Load a model directory; thresholds come from model.json unless overridden."""
        path = Path(directory)
        metadata = json.loads((path / METADATA_FILE).read_text())
        if not is_compatible(metadata):
            raise IncompatibleModel(
                f"model {metadata.get('modelVersion')} in {path} was trained on other features "
                "than this version computes: train it again (guiders analytics train)"
            )
        pipeline = joblib.load(path / PIPELINE_FILE)
        ensemble = pipeline.named_steps["ensemble"]
        if isinstance(ensemble, CalibratedEnsemble):
            ensemble.single_threaded()
        if segmenter is None:
            thresholds = metadata.get("thresholds", {})
            segmenter = Segmenter(
                vip_above=float(thresholds.get("vip_above", 0.8)),
                nurturing_below=float(thresholds.get("nurturing_below", 0.4)),
            )
        return cls(pipeline=pipeline, metadata=metadata, segmenter=segmenter)

    def save(self, directory: Path | str) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, path / PIPELINE_FILE)
        (path / METADATA_FILE).write_text(json.dumps(self.metadata, indent=2) + "\n")

    def probabilities(self, raw: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(raw)[:, 1], dtype=np.float64)

    def predict(
        self,
        features: Mapping[str, FeatureValue],
        *,
        explain: bool = True,
        now: datetime | None = None,
    ) -> Prediction:
        """Score one visitor; the explanation costs one batched model call.

        Each factor's contribution is how much the probability drops (or rises)
        when that single column is set to the typical training visitor's value,
        so an agent reads "PageValues 42.0: +0.35" as "this is why".
        """
        missing = [name for name in UCI_FEATURES if name not in features]
        if missing:
            raise ValueError(f"missing features: {', '.join(missing)}")
        rows: list[Mapping[str, FeatureValue]] = [features]
        explained: Sequence[str] = EXPLAINED_FEATURES if explain else ()
        reference = self.reference
        for name in explained:
            rows.append({**features, name: reference[name]})
        with self._one_thread():
            probabilities = self.probabilities(rows_to_frame(rows))
        probability = float(probabilities[0])
        factors: list[Factor] = []
        for index, name in enumerate(explained, start=1):
            contribution = probability - float(probabilities[index])
            if abs(contribution) > 1e-9:
                factors.append(
                    Factor(
                        feature=name,
                        value=_plain(features[name]),
                        contribution=round(contribution, 4),
                    )
                )
        factors.sort(key=lambda factor: abs(factor["contribution"]), reverse=True)
        return Prediction(
            conversion_probability=probability,
            segment=self.segmenter.segment(min(max(probability, 0.0), 1.0)),
            model_version=self.version,
            top_factors=factors[:TOP_FACTORS],
            scored_at=now or datetime.now(UTC),
        )

    def scoring_latency_ms(self, raw: pd.DataFrame, samples: int = 200) -> tuple[float, float]:
        """(p50, p95) of explained single-visitor scoring over ``samples`` rows."""
        records = raw.head(samples).to_dict(orient="records")
        timings: list[float] = []
        for record in records:
            row = {str(k): _plain(v) for k, v in record.items()}
            tick = time.perf_counter()
            self.predict(row)
            timings.append((time.perf_counter() - tick) * 1000.0)
        if not timings:
            return 0.0, 0.0
        return float(np.percentile(timings, 50)), float(np.percentile(timings, 95))
