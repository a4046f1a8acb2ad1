"""Repeated stratified cross-validation of the *whole* training procedure.

One 20 % split of the UCI data has an ROC AUC standard error of about 0.007, too
coarse to tell two model configurations apart. Here every outer fold runs
``train_model`` (member selection, calibration choice and fitting, all on its
own rows) and scores the rows it left out; each repeat gives one out-of-fold
prediction per row of the CSV, so its ROC AUC and ECE are measured on ~9,900
rows. Different repeat seeds reshuffle the folds. Comparing two versions of the
code with the same seeds is a paired comparison.

    PYTHONPATH=src .venv/bin/python benchmarks/model_selection.py \
        --csv data/online-shoppers/train.csv [--repeats 0,1,2] [--folds 5] [--members a,b] \
        [--calibration isotonic|platt|none]

Forests and OpenMP are held to one thread, so the figures do not depend on what
else the machine runs; only the seconds do.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from joblib import parallel_config
from sklearn.model_selection import StratifiedKFold

from guiders.analytics.dataset import load_csv
from guiders.analytics.ensemble import CALIBRATION_METHODS
from guiders.analytics.metrics import measure
from guiders.analytics.training import TrainingConfig, train_model


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", required=True, help="UCI-format CSV with a Revenue column")
    parser.add_argument("--repeats", default="0,1,2", help="comma-separated outer fold seeds")
    parser.add_argument("--folds", type=int, default=5, help="outer folds per repeat")
    parser.add_argument(
        "--members", default=None, help="pin these members (comma-separated) instead of selecting"
    )
    parser.add_argument(
        "--calibration",
        default=None,
        choices=CALIBRATION_METHODS,
        help="pin the calibrator instead of choosing it by cross-fitted Brier score",
    )
    return parser.parse_args()


def main() -> None:
    args = _parse()
    raw, labels = load_csv(args.csv)
    seeds = [int(s) for s in args.repeats.split(",")]
    members = tuple(m.strip() for m in args.members.split(",")) if args.members else None
    aucs: list[float] = []
    eces: list[float] = []
    for seed in seeds:
        started = time.perf_counter()
        scores = np.zeros(len(labels), dtype=np.float64)
        chosen: list[str] = []
        outer = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=seed)
        for fit_rows, score_rows in outer.split(raw, labels):
            with parallel_config(backend="sequential"):
                trained = train_model(
                    raw.iloc[fit_rows],
                    labels[fit_rows],
                    TrainingConfig(members=members, calibration=args.calibration),
                )
                scores[score_rows] = trained.pipeline.predict_proba(raw.iloc[score_rows])[:, 1]
            chosen.append(f"{'+'.join(trained.members)}/{trained.calibration}")
        figures = measure(labels, scores)
        aucs.append(figures.roc_auc)
        eces.append(figures.ece)
        print(
            f"repeat seed {seed}: ROC AUC {figures.roc_auc:.4f}  PR AUC {figures.pr_auc:.4f}  "
            f"Brier {figures.brier:.4f}  ECE {figures.ece:.4f}  "
            f"({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
        for choice in sorted(set(chosen)):
            print(f"    {chosen.count(choice)}x {choice}", flush=True)
    print(
        f"mean over {len(seeds)} repeats of {args.folds}-fold CV: "
        f"ROC AUC {statistics.mean(aucs):.4f}  ECE {statistics.mean(eces):.4f}"
    )


if __name__ == "__main__":
    main()
