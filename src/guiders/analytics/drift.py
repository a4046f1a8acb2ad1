"""Population stability of the model's inputs: training bins, stored with the model, and PSI.

A model is only as good as the resemblance between the sessions it scores and the rows it was
trained on. At release time every UCI column is summarised in bins (deciles of the training
values for numbers, the category shares for codes and labels) and written to ``model.json``
(``featureBins``). Live, the same bins are filled with the features of recently scored
sessions and compared with the population stability index:

    PSI = Σ (live share − training share) × ln(live share / training share)

The usual reading: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a shift worth
acting on. Empty bins get a floor share of 10⁻⁴ so that one unseen category gives a large but
finite figure. Written here rather than taken from a library because it is ten lines of
arithmetic and the bins must be the ones stored with the model.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from guiders.analytics.features import UCI_FEATURES, FeatureValue

CATEGORICAL: Final = frozenset(
    {"Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"}
)
"""Codes and labels: their numeric order means nothing, so they are binned by value."""
QUANTILES: Final = tuple(i / 10 for i in range(1, 10))
SHARE_FLOOR: Final = 1e-4
OTHER: Final = "(other)"
"""The bin of categories the training data never showed."""


@dataclass(frozen=True, slots=True)
class FeatureBins:
    """One column's training distribution.

    Numeric: ``edges`` e1 < … < ek split the line into (−∞, e1], (e1, e2], …, (ek, ∞).
    Categorical: one bin per training category plus :data:`OTHER`.
    """

    feature: str
    kind: Literal["numeric", "categorical"]
    shares: tuple[float, ...]
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    def index(self, value: FeatureValue | None) -> int:
        if self.kind == "categorical":
            key = _category(value)
            return self.categories.index(key) if key in self.categories else len(self.categories)
        return bisect_left(self.edges, float(value if value is not None else 0.0))

    def live_shares(self, values: Iterable[FeatureValue | None]) -> list[float]:
        counts = [0] * len(self.shares)
        for value in values:
            counts[self.index(value)] += 1
        total = sum(counts)
        return [c / total for c in counts] if total else [0.0] * len(counts)

    def psi(self, values: Iterable[FeatureValue | None]) -> float:
        return population_stability(self.shares, self.live_shares(values))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feature": self.feature, "kind": self.kind}
        out["shares"] = list(self.shares)
        if self.kind == "numeric":
            out["edges"] = list(self.edges)
        else:
            out["categories"] = list(self.categories)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FeatureBins:
        kind: Literal["numeric", "categorical"] = (
            "categorical" if raw.get("kind") == "categorical" else "numeric"
        )
        return cls(
            feature=str(raw["feature"]),
            kind=kind,
            shares=tuple(float(s) for s in raw["shares"]),
            edges=tuple(float(e) for e in raw.get("edges", ())),
            categories=tuple(str(c) for c in raw.get("categories", ())),
        )


def _category(value: FeatureValue | None) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def population_stability(expected: Sequence[float], actual: Sequence[float]) -> float:
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, SHARE_FLOOR), max(a, SHARE_FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def training_bins(raw: pd.DataFrame) -> list[FeatureBins]:
    """Bins of every UCI column of the rows the model was fitted on."""
    out: list[FeatureBins] = []
    for feature in UCI_FEATURES:
        column = raw[feature]
        if feature in CATEGORICAL:
            labels = [_category(v) for v in column.tolist()]
            categories = tuple(sorted(set(labels)))
            zeros = (0.0,) * (len(categories) + 1)
            bins = FeatureBins(feature, "categorical", zeros, categories=categories)
            shares = bins.live_shares(labels)
            out.append(FeatureBins(feature, "categorical", tuple(shares), categories=categories))
            continue
        values = column.astype(np.float64).to_numpy()
        edges = tuple(float(e) for e in np.unique(np.quantile(values, QUANTILES)))
        bins = FeatureBins(feature, "numeric", (0.0,) * (len(edges) + 1), edges=edges)
        out.append(
            FeatureBins(feature, "numeric", tuple(bins.live_shares(values.tolist())), edges=edges)
        )
    return out


def bins_from_metadata(metadata: Mapping[str, Any]) -> list[FeatureBins]:
    """The bins stored in ``model.json``; empty for a model trained before they were kept."""
    return [FeatureBins.from_dict(raw) for raw in metadata.get("featureBins") or []]


def drift(
    bins: Sequence[FeatureBins], rows: Sequence[Mapping[str, FeatureValue]]
) -> dict[str, float]:
    """PSI of each column between the training bins and ``rows`` (live model inputs)."""
    return {b.feature: b.psi(row.get(b.feature) for row in rows) for b in bins}
