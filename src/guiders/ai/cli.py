"""``guiders kb``: train and measure the knowledge-base intent model."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from guiders.ai.kb_data import LabelledData


class _StageLine:
    """One self-overwriting status line on stderr, so ``--json`` stdout stays clean."""

    def __init__(self) -> None:
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self._stage and done < total and now - self._last < 0.5:
            return
        if stage != self._stage and self._stage:
            sys.stderr.write("\n")
        self._stage, self._last = stage, now
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r{stage:<28} [{bar}] {done}/{total}")
        sys.stderr.flush()

    def close(self) -> None:
        if self._stage:
            sys.stderr.write("\n")
            sys.stderr.flush()
        self._stage = ""


def _load(path: Path) -> LabelledData:
    from guiders.ai.kb_data import DataFormatError, load_data

    try:
        return load_data(path)
    except DataFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="--data") from exc


@click.group()
def kb() -> None:
    """Knowledge-base intent model (embeddings, intents, out-of-scope detection)."""


@kb.command()
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path),
    required=True,
    help="CLINC150-style JSON or knowledge-base YAML.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Directory to write the model to."
)
@click.option(
    "--epochs",
    type=int,
    default=None,
    help="Encoder fine-tuning epochs (default: 3 for large data, 0 for a small KB).",
)
@click.option(
    "--min-oos-recall",
    type=float,
    default=0.85,
    show_default=True,
    help="Operating point: OOS recall to reach on the calibration rows.",
)
@click.option(
    "--quantize",
    type=click.Choice(["ffn", "all", "none"]),
    default="ffn",
    show_default=True,
    help="int8 inference of the feed-forward linear layers (ffn), of all of them (all: "
    "fastest, about half a point of accuracy lost) or none (fp32).",
)
@click.option(
    "--threads",
    type=int,
    default=None,
    help="torch threads for training (default: torch's choice).",
)
@click.option(
    "--encoder",
    "encoder_path",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Reuse a fine-tuned encoder (a model's encoder/ directory): no fine-tuning, "
    "only the head and threshold are fitted (needs val and oos_val rows).",
)
def train(
    data_path: Path,
    out: Path,
    epochs: int | None,
    min_oos_recall: float,
    quantize: str,
    threads: int | None,
    encoder_path: Path | None,
) -> None:
    """Train a model on FILE's train (+ oos_train) rows and save it to DIR."""
    from guiders.ai.kb_model import TrainConfig
    from guiders.ai.kb_model import train as train_model

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    data = _load(data_path)
    started = time.monotonic()
    line = _StageLine()
    try:
        model = train_model(
            data,
            out,
            TrainConfig(
                fine_tune_epochs=epochs,
                min_oos_recall=min_oos_recall,
                quantize=quantize,
                encoder=None if encoder_path is None else str(encoder_path),
            ),
            progress=line,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        line.close()
    meta = model.meta
    crossfit = meta["crossfit_on_calibration_rows"]
    click.echo(
        f"trained {len(model.intents)} intents on {meta['train_rows']} rows "
        f"(fine-tune epochs: {meta['fine_tune_epochs']}) in "
        f"{time.monotonic() - started:.0f} s; saved to {out}"
    )
    click.echo(
        f"operating threshold {model.threshold:.3f} on confidence, chosen on "
        f"{meta['calibration_source']} ({meta['calibration_rows']} rows)"
    )
    click.echo(
        "cross-fitted on those rows (threshold chosen on one half, measured on the "
        f"other): in-scope accuracy {crossfit['in_scope_accuracy']:.4f}, OOS recall "
        f"{crossfit['oos_recall']:.4f}, OOS precision {crossfit['oos_precision']:.4f}"
    )


@kb.command()
@click.option(
    "--model",
    "model_path",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    required=True,
)
@click.option("--data", "data_path", type=click.Path(path_type=Path), required=True)
@click.option(
    "--split",
    default="val",
    show_default=True,
    help="Evaluate in-scope rows of NAME and out-of-scope rows of oos_NAME.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@click.option("--limit", type=int, default=None, help="Only the first N rows of each part.")
def evaluate(
    model_path: Path, data_path: Path, split: str, as_json: bool, limit: int | None
) -> None:
    """Classify every row one query at a time and print accuracy, OOS and latency figures."""
    from guiders.ai.evaluation import evaluate as evaluate_model
    from guiders.ai.kb_model import KnowledgeBase

    data = _load(data_path)
    if not data.has_split(split) and not data.has_split(f"oos_{split}"):
        raise click.BadParameter(
            f"{data_path} has neither {split!r} nor 'oos_{split}'", param_hint="--split"
        )
    rows = data.split(split)[:limit] + data.split(f"oos_{split}")[:limit]
    kb_model = KnowledgeBase.load(model_path)
    line = _StageLine()
    try:
        report = evaluate_model(kb_model, rows, lambda d, t: line(f"evaluate {split}", d, t))
    finally:
        line.close()
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    click.echo(f"split {split}: {report.in_scope_items} in-scope + {report.oos_items} OOS rows")
    click.echo(f"in-scope accuracy  {report.in_scope_accuracy:.4f}")
    click.echo(f"OOS recall         {report.oos_recall:.4f}")
    click.echo(f"OOS precision      {report.oos_precision:.4f}")
    click.echo(f"macro F1           {report.macro_f1:.4f}")
    click.echo(f"latency p50 / p95  {report.latency_ms_p50:.1f} / {report.latency_ms_p95:.1f} ms")


if __name__ == "__main__":
    kb()
