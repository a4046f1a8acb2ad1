from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from kb_fixtures import DEMO_KB, demo_model_dir

from guiders.ai.cli import kb


def test_evaluate_json_prints_exactly_the_metrics_object() -> None:
    result = CliRunner().invoke(
        kb,
        [
            "evaluate",
            "--model",
            str(demo_model_dir()),
            "--data",
            str(DEMO_KB),
            "--split",
            "test",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for key in (
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "macro_f1",
        "latency_ms_p50",
        "latency_ms_p95",
    ):
        assert isinstance(figures[key], float)
    for key in ("in_scope_accuracy", "oos_recall", "oos_precision", "macro_f1"):
        assert 0.0 <= figures[key] <= 1.0


def test_train_writes_a_loadable_model(tmp_path: Path) -> None:
    data = tmp_path / "kb.yaml"
    data.write_text(
        "intents:\n"
        "  - name: hours\n    answer: 9 to 5\n"
        "    examples: [when are you open, what are your opening hours, are you open today]\n"
        "  - name: refund\n    answer: 30 days\n"
        "    examples: [i want my money back, how do i get a refund, can i return this]\n"
    )
    out = tmp_path / "model"
    result = CliRunner().invoke(kb, ["train", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "meta.json").exists() and (out / "head.npz").exists()


def test_unknown_split_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        kb, ["evaluate", "--model", str(demo_model_dir()), "--data", str(DEMO_KB), "--split", "x"]
    )
    assert result.exit_code == 2
