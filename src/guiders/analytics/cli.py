"""``guiders analytics``: train and evaluate the conversion model from UCI-format CSVs.

Progress goes to stderr so that ``evaluate --json`` leaves exactly one JSON
object on stdout for scripts. NumPy, pandas and scikit-learn are imported by the commands that
use them, not with this module: every ``guiders`` command (``--help`` too) imports it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from guiders.analytics.pool import DEFAULT_POOL
from guiders.analytics.segments import Segmenter
from guiders.analytics.worker_cli import worker
from guiders.client.cli_options import ApiAccess, api_options


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.group(name="analytics")
def analytics() -> None:
    """Conversion model: train, evaluate, retrain, promote; the scoring worker."""


@analytics.command()
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option(
    "--refit/--no-refit",
    default=True,
    show_default=True,
    help="Refit on every row after validation (what ships) or ship the 80 % model.",
)
@click.option(
    "--members",
    default=None,
    help=f"Comma-separated members to use instead of selecting from {','.join(DEFAULT_POOL)}.",
)
@click.option("--vip-above", default=0.8, show_default=True, type=float)
@click.option("--nurturing-below", default=0.4, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
def train(
    csv_path: str,
    out_dir: str,
    refit: bool,
    members: str | None,
    vip_above: float,
    nurturing_below: float,
    seed: int,
) -> None:
    """Select, calibrate and fit the model with cross-validation; write DIR."""
    from guiders.analytics.dataset import load_csv
    from guiders.analytics.release import build_release
    from guiders.analytics.training import TrainingConfig

    segmenter = Segmenter(vip_above=vip_above, nurturing_below=nurturing_below)
    config = TrainingConfig(
        members=tuple(m.strip() for m in members.split(",")) if members else None,
        seed=seed,
    )
    started = time.perf_counter()
    raw, labels = load_csv(csv_path)
    _progress(f"loaded {len(labels)} rows from {csv_path} ({labels.mean():.1%} positive)")
    model = build_release(
        raw,
        labels,
        Path(out_dir),
        config=config,
        refit=refit,
        segmenter=segmenter,
        progress=_progress,
    )
    metrics = model.metadata["metrics"]
    held_out, cross_validated = metrics["validation"], metrics["crossValidated"]
    click.echo(f"model {model.version} written to {out_dir}")
    click.echo(
        f"members: {'+'.join(model.metadata['members'])}; "
        f"calibration: {model.metadata['calibration']}"
    )
    for title, figures in (("held-out 20 %", held_out), ("5-fold CV on 80 %", cross_validated)):
        if figures is None:
            continue
        click.echo(
            f"{title}: ROC AUC {figures['roc_auc']:.4f}  PR AUC {figures['pr_auc']:.4f}  "
            f"Brier {figures['brier']:.4f}  ECE {figures['ece']:.4f}  "
            f"accuracy {figures['accuracy']:.4f}"
        )
    click.echo(f"training time: {time.perf_counter() - started:.1f}s")


@analytics.command()
@click.option("--model", "model_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--holdout-only",
    is_flag=True,
    help="Score only the fixed 20 % held-out split of CSV (for a --no-refit model).",
)
@click.option(
    "--latency-samples",
    default=200,
    show_default=True,
    type=int,
    help="Visitors scored one by one (with explanation) to time scoring; 0 skips.",
)
def evaluate(
    model_dir: str, csv_path: str, as_json: bool, holdout_only: bool, latency_samples: int
) -> None:
    """Measure a trained model on a labelled UCI-format CSV."""
    from guiders.analytics.dataset import holdout_split, load_csv
    from guiders.analytics.metrics import ece_noise_floor, measure
    from guiders.analytics.model import ConversionModel, IncompatibleModel

    try:
        model = ConversionModel.load(model_dir)
    except IncompatibleModel as exc:
        raise click.ClickException(str(exc)) from exc
    raw, labels = load_csv(csv_path)
    if holdout_only:
        if model.metadata.get("refitOnAllRows"):
            _progress("warning: this model was refit on every row; held-out figures are in-sample")
        _, raw, _, labels = holdout_split(raw, labels)
    probabilities = model.probabilities(raw)
    metrics = measure(labels, probabilities)
    segments = model.segmenter.count(probabilities)
    floor = ece_noise_floor(probabilities)
    p50, p95 = model.scoring_latency_ms(raw, latency_samples) if latency_samples else (0.0, 0.0)
    if as_json:
        payload = {
            "roc_auc": metrics.roc_auc,
            "pr_auc": metrics.pr_auc,
            "brier": metrics.brier,
            "ece": metrics.ece,
            "accuracy": metrics.accuracy,
            "segments": segments,
            "ece_noise_floor": floor,
            "rows": metrics.rows,
            "positives": metrics.positives,
            "model_version": model.version,
            "latency_ms": {"p50": round(p50, 3), "p95": round(p95, 3)},
        }
        click.echo(json.dumps(payload))
        return
    click.echo(
        f"model {model.version} on {csv_path}: {metrics.rows} rows, {metrics.positives} positive"
    )
    click.echo(f"ROC AUC   {metrics.roc_auc:.4f}")
    click.echo(f"PR AUC    {metrics.pr_auc:.4f}")
    click.echo(f"Brier     {metrics.brier:.4f}")
    click.echo(
        f"ECE (15)  {metrics.ece:.4f} (a perfectly calibrated model would show ~{floor:.4f} "
        "on this many rows)"
    )
    click.echo(f"accuracy  {metrics.accuracy:.4f} (threshold 0.5)")
    thresholds = model.segmenter
    click.echo(
        f"segments (vip > {thresholds.vip_above}, nurturing < {thresholds.nurturing_below}): "
        + ", ".join(f"{name} {count}" for name, count in segments.items())
    )
    if latency_samples:
        click.echo(
            f"scoring latency per visitor with explanation: p50 {p50:.2f} ms, p95 {p95:.2f} ms"
        )


@analytics.command()
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--splits", default=6, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def resample(csv_path: str, splits: int, as_json: bool) -> None:
    """Retrain on several other 80/20 splits to show how much the figures move."""
    import numpy as np

    from guiders.analytics.dataset import load_csv
    from guiders.analytics.resampling import repeated_holdout

    raw, labels = load_csv(csv_path)
    seeds = list(range(1, splits + 1))
    _progress(
        f"{splits} stratified 80/20 splits (seeds {seeds[0]}..{seeds[-1]}), full training each"
    )
    results = repeated_holdout(raw, labels, seeds, progress=_progress)
    aucs = np.array([r.held_out.roc_auc for r in results])
    eces = np.array([r.held_out.ece for r in results])
    floors = np.array([r.ece_floor for r in results])
    summary = {
        "splits": len(results),
        "roc_auc": {"mean": aucs.mean(), "min": aucs.min(), "max": aucs.max()},
        "ece": {"mean": eces.mean(), "min": eces.min(), "max": eces.max()},
        "ece_noise_floor": floors.mean(),
        "per_split": [
            {
                "seed": r.seed,
                "roc_auc": r.held_out.roc_auc,
                "ece": r.held_out.ece,
                "members": r.members,
                "calibration": r.calibration,
            }
            for r in results
        ],
    }
    if as_json:
        click.echo(json.dumps(summary, default=float))
        return
    click.echo(
        f"held-out ROC AUC over {len(results)} splits: mean {aucs.mean():.4f} "
        f"(min {aucs.min():.4f}, max {aucs.max():.4f})"
    )
    click.echo(
        f"held-out ECE: mean {eces.mean():.4f} (min {eces.min():.4f}, max {eces.max():.4f}); "
        f"noise floor of a perfectly calibrated model {floors.mean():.4f}"
    )


@analytics.command()
@click.option("--csv", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False))
@api_options(key_envvar="GUIDERS_API_KEY")
@click.option("--members", default=None, help="Pin members instead of selecting them.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def retrain(
    csv_path: str, model_dir: str, api: ApiAccess, members: str | None, as_json: bool
) -> None:
    """Add recorded outcomes to CSV's rows, train a new version, promote it if no worse.

    Labelled sessions come from the server's event log (scores with their features, and
    conversions). The candidate is promoted only if its validation ROC AUC is >= and its ECE
    <= the current version's on the same held-out rows; every version stays under
    MODEL/versions/ for `guiders analytics promote`.
    """
    import asyncio
    from datetime import UTC, datetime

    from guiders.analytics.outcomes import fetch_events, labelled_rows
    from guiders.analytics.retraining import retrain as run_retrain
    from guiders.analytics.training import TrainingConfig
    from guiders.client import GuidersClient

    async def fetch() -> list[dict[str, object]]:
        async with GuidersClient(api.server, api.key) as client:
            return labelled_rows(await fetch_events(client), datetime.now(UTC))

    rows = asyncio.run(fetch())
    positives = sum(1 for r in rows if r["Revenue"])
    _progress(f"{len(rows)} labelled sessions from {api.server} ({positives} converted)")
    config = TrainingConfig(members=tuple(members.split(",")) if members else None)
    outcome = run_retrain(csv_path, rows, model_dir, config=config, progress=_progress)
    summary = {
        "promoted": outcome.promoted,
        "reason": outcome.reason,
        "candidate": outcome.candidate_version,
        "current": outcome.current_version,
        "extraRows": len(rows),
        "candidateValidation": outcome.candidate_validation,
        "currentValidation": outcome.current_validation,
    }
    if as_json:
        click.echo(json.dumps(summary, default=float))
        return
    verdict = "promoted" if outcome.promoted else "kept (not promoted)"
    click.echo(f"candidate {outcome.candidate_version} {verdict}: {outcome.reason}")
    for name, figures in (
        ("candidate", outcome.candidate_validation),
        ("current", outcome.current_validation),
    ):
        if figures:
            click.echo(f"  {name:<9} ROC AUC {figures['roc_auc']:.4f}  ECE {figures['ece']:.4f}")


@analytics.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False))
@click.argument("version")
def promote(model_dir: str, version: str) -> None:
    """Make MODEL/versions/VERSION the active model (also how to roll back)."""
    from guiders.analytics.retraining import promote as run_promote

    try:
        run_promote(model_dir, version)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"active model: {version}")


@analytics.command()
@api_options(key_envvar="GUIDERS_API_KEY")
@click.option("--model", "model_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--days", default=30.0, show_default=True, help="Calibration window.")
@click.option("--hours", default=24.0, show_default=True, help="Drift window.")
@click.option("--post", is_flag=True, help="Also record it on the server (alerts, proposal).")
def monitor(api: ApiAccess, model_dir: str, days: float, hours: float, post: bool) -> None:
    """Print the live model's health: calibration against outcomes and input drift (PSI).

    Reads scores and conversions from the server's event log; the same report the worker posts
    every hour (docs/analytics.md, "Monitoring the live model").
    """
    import asyncio
    from datetime import UTC, datetime

    from guiders.analytics.health_reporting import HealthReporter
    from guiders.analytics.model import ConversionModel
    from guiders.analytics.monitoring import MonitorConfig
    from guiders.client import GuidersClient

    model = ConversionModel.load(model_dir)
    config = MonitorConfig(calibration_days=days, drift_hours=hours)

    async def go() -> dict[str, object]:
        async with GuidersClient(api.server, api.key) as client:
            reporter = HealthReporter(client, lambda: model, config=config)
            await reporter.catch_up()
            from guiders.analytics.drift import bins_from_metadata

            now = datetime.now(UTC)
            report = reporter.monitor.report(now, bins_from_metadata(model.metadata), model.version)
            if post:
                await client.request("POST", "/v2/analytics/model-health", json=report)
            return report

    click.echo(json.dumps(asyncio.run(go()), indent=2))


analytics.add_command(worker)


if __name__ == "__main__":
    analytics()
