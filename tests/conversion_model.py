"""A small conversion model trained as a user would (``guiders analytics train``), for the tests
and benchmarks that need one to score with, not to measure: a sample of the bundled CSV, the
cheapest member (extra trees), no refit."""

from __future__ import annotations

from pathlib import Path

TRAIN_CSV = Path(__file__).resolve().parents[1] / "data" / "online-shoppers" / "train.csv"


def small_csv(directory: Path, *, rows: int = 1500, seed: int = 2) -> Path:
    """``rows`` sessions of the bundled training CSV, with their labels, as ``small.csv``."""
    from guiders.analytics.dataset import load_csv

    raw, labels = load_csv(TRAIN_CSV)
    small = raw.sample(n=rows, random_state=seed)
    csv = directory / "small.csv"
    small.assign(Revenue=labels[small.index] == 1).to_csv(csv, index=False)
    return csv


def train(csv: Path, out: Path) -> str:
    """Trains on ``csv`` into ``out`` through the command; its output (AssertionError with it
    if the command failed)."""
    from click.testing import CliRunner

    from guiders.analytics.cli import analytics

    args = ["train", "--csv", str(csv), "--out", str(out), "--members", "extra_trees"]
    result = CliRunner().invoke(analytics, [*args, "--no-refit"])
    assert result.exit_code == 0, result.output
    return result.output


def small_model(base: Path) -> Path:
    """A model in ``base/conversion``, trained on ``base/small.csv``."""
    out = base / "conversion"
    train(small_csv(base), out)
    return out
