"""Loading UCI-shaped rows and turning them into the model's numeric matrix.

Training reads a CSV and scoring receives one dict per visitor; both go through
:func:`engineer` so the two paths cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from guiders.analytics.features import MONTH_NAMES, UCI_FEATURES, FeatureValue

LABEL: Final = "Revenue"
HOLDOUT_FRACTION: Final = 0.2
HOLDOUT_SEED: Final = 42

_MONTH_NUMBER: Final = {name: index + 1 for index, name in enumerate(MONTH_NAMES)} | {"Jun": 6}
_TRUE: Final = frozenset({"true", "1", "yes", "t"})

ENGINEERED: Final = (
    "Administrative",
    "Administrative_Duration_log",
    "Informational",
    "Informational_Duration_log",
    "ProductRelated",
    "ProductRelated_Duration_log",
    "Duration_per_product_log",
    "Total_pages",
    "BounceRates",
    "ExitRates",
    "PageValues_log",
    "Has_page_value",
    "PageValues_staying_log",
    "PageValues_per_product_log",
    "Summed_exit_rates",
    "Exit_minus_bounce",
    "Product_share",
    "Duration_per_administrative_log",
    "SpecialDay",
    "Month_number",
    "Is_november",
    "TrafficType",
    "Returning",
    "New_visitor",
    "Weekend",
)
"""Columns the estimators see.

OperatingSystems, Browser and Region are left out on purpose: their UCI codes
are anonymised, so our mapping from user agents and countries is a convention,
and cross-validation showed no loss (slightly better AUC) without them.
"""


def _as_bool(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return str(value).strip().lower() in _TRUE


def load_csv(path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a UCI-format CSV into (raw feature frame, 0/1 labels)."""
    frame = pd.read_csv(path)
    missing = [c for c in (*UCI_FEATURES, LABEL) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)}")
    labels = np.asarray([_as_bool(v) for v in frame[LABEL]], dtype=np.int64)
    return frame.loc[:, list(UCI_FEATURES)], labels


def rows_to_frame(rows: Iterable[Mapping[str, FeatureValue]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(UCI_FEATURES))


def holdout_split(
    raw: pd.DataFrame, labels: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The fixed stratified 80/20 split every reported validation figure uses."""
    fit_x, hold_x, fit_y, hold_y = train_test_split(
        raw,
        labels,
        test_size=HOLDOUT_FRACTION,
        stratify=labels,
        random_state=HOLDOUT_SEED,
    )
    return fit_x, hold_x, fit_y, hold_y


def engineer(raw: pd.DataFrame) -> np.ndarray:
    """Map raw UCI columns to the float matrix in :data:`ENGINEERED` order.

    Durations and page values are heavy-tailed, so they enter as log1p; the
    page-value indicator lets linear members separate "reached a valued page".
    BounceRates, ExitRates and PageValues are *means* over the session's pages;
    ``ExitRates x pages`` (the summed exit rates) and the other products and
    ratios give the shallow boosted trees in one split what they would need
    several for (docs/analytics.md has the repeated-CV comparison).
    """

    def num(column: str) -> np.ndarray:
        values: np.ndarray = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=np.float64)
        cleaned: np.ndarray = np.nan_to_num(values, nan=0.0)
        return cleaned

    admin, info, product = num("Administrative"), num("Informational"), num("ProductRelated")
    product_duration = np.clip(num("ProductRelated_Duration"), 0, None)
    page_values = np.clip(num("PageValues"), 0, None)
    bounce_rates, exit_rates = num("BounceRates"), num("ExitRates")
    pages = admin + info + product
    month = np.asarray([_MONTH_NUMBER.get(str(m), 0) for m in raw["Month"]], dtype=np.float64)
    visitor = raw["VisitorType"].astype(str).to_numpy()
    weekend = np.asarray([_as_bool(v) for v in raw["Weekend"]], dtype=np.float64)
    columns = [
        admin,
        np.log1p(np.clip(num("Administrative_Duration"), 0, None)),
        info,
        np.log1p(np.clip(num("Informational_Duration"), 0, None)),
        product,
        np.log1p(product_duration),
        np.log1p(product_duration / (product + 1.0)),
        pages,
        bounce_rates,
        exit_rates,
        np.log1p(page_values),
        (page_values > 0).astype(np.float64),
        np.log1p(page_values * np.clip(1.0 - exit_rates, 0, None)),
        np.log1p(page_values / (product + 1.0)),
        exit_rates * pages,
        exit_rates - bounce_rates,
        product / (pages + 1.0),
        np.log1p(np.clip(num("Administrative_Duration"), 0, None) / (admin + 1.0)),
        num("SpecialDay"),
        month,
        (month == 11).astype(np.float64),
        num("TrafficType"),
        (visitor == "Returning_Visitor").astype(np.float64),
        (visitor == "New_Visitor").astype(np.float64),
        weekend,
    ]
    return np.asarray(np.column_stack(columns), dtype=np.float64)
