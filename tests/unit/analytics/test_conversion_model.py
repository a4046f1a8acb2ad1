from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from tests.conversion_model import TRAIN_CSV, small_csv, train

from guiders.analytics import embedded
from guiders.analytics.cli import analytics
from guiders.analytics.code_rates import CodeRates
from guiders.analytics.dataset import ENGINEERED, engineer, holdout_split, load_csv
from guiders.analytics.ensemble import Calibrator
from guiders.analytics.features import (
    UCI_FEATURES,
    FeatureValue,
    PageView,
    VisitorContext,
    compute_features,
)
from guiders.analytics.metrics import ece_noise_floor, expected_calibration_error, measure
from guiders.analytics.model import ConversionModel, IncompatibleModel
from guiders.analytics.page_stats import PageStats
from guiders.analytics.resampling import repeated_holdout
from guiders.analytics.retraining import promote, retrain
from guiders.analytics.segments import Segment
from guiders.analytics.training import TrainingConfig, train_model

Data = tuple[pd.DataFrame, np.ndarray]

FAST = TrainingConfig(members=("extra_trees",), calibration="platt", folds=3)


@pytest.fixture(scope="module")
def data() -> Data:
    return load_csv(TRAIN_CSV)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    csv = small_csv(tmp_path_factory.mktemp("data"), rows=2500, seed=1)
    out = tmp_path_factory.mktemp("model") / "conversion"
    assert "held-out 20 %" in train(csv, out)
    return out


def test_ece_of_a_hand_made_case() -> None:
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([0.1, 0.1, 0.9, 0.5])
    # bins: 0.1 -> [0.0667, 0.1333) holds two rows, rate 0; 0.5 and 0.9 alone.
    expected = 0.5 * 0.1 + 0.25 * 0.5 + 0.25 * 0.1
    assert expected_calibration_error(labels, probabilities) == pytest.approx(expected)


def test_quality_on_rows_never_trained_on(data: Data) -> None:
    raw, labels = data
    fit_x, hold_x, fit_y, hold_y = holdout_split(raw, labels)
    result = train_model(fit_x.iloc[:5000], fit_y[:5000], FAST)
    held_out = measure(hold_y, result.pipeline.predict_proba(hold_x)[:, 1])
    assert held_out.rows == len(hold_y) == 1973
    assert held_out.roc_auc > 0.88
    assert held_out.ece < 0.05
    assert result.cross_validated is not None
    assert result.cross_validated.roc_auc > 0.88


def test_metadata_and_prediction_api(
    model_dir: Path, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    model = ConversionModel.load(model_dir)
    meta = json.loads((model_dir / "model.json").read_text())
    assert meta["modelVersion"].startswith("conv-")
    assert meta["features"] == list(UCI_FEATURES)
    assert meta["thresholds"] == {"vip_above": 0.8, "nurturing_below": 0.4}
    assert set(meta["metrics"]) >= {"validation", "crossValidated"}

    raw, _ = data
    keen: dict[str, FeatureValue] = {str(k): v for k, v in raw.iloc[0].to_dict().items()}
    keen.update(PageValues=80.0, ProductRelated=40, ProductRelated_Duration=1800.0)
    now = datetime(2024, 11, 20, tzinfo=UTC)
    keen_prediction = model.predict(keen, now=now)
    idle = {**keen, "PageValues": 0.0, "ProductRelated": 1, "ProductRelated_Duration": 0.0}
    idle_prediction = model.predict(idle, now=now)

    assert 0.0 <= idle_prediction.conversion_probability < keen_prediction.conversion_probability
    assert keen_prediction.model_version == meta["modelVersion"]
    assert keen_prediction.scored_at == now
    assert keen_prediction.segment is model.segmenter.segment(
        keen_prediction.conversion_probability
    )
    assert idle_prediction.segment is Segment.NURTURING
    factors = keen_prediction.top_factors
    assert 0 < len(factors) <= 5
    assert factors[0]["feature"] == "PageValues"
    assert factors[0]["contribution"] > 0
    assert factors[0]["value"] == 80.0
    assert json.dumps(keen_prediction.as_dict())


def test_missing_feature_is_an_error(model_dir: Path) -> None:
    with pytest.raises(ValueError, match="missing features"):
        ConversionModel.load(model_dir).predict({"PageValues": 1.0})


def test_evaluate_json_shape(model_dir: Path) -> None:
    result = CliRunner().invoke(
        analytics,
        [
            "evaluate",
            "--model",
            str(model_dir),
            "--csv",
            str(TRAIN_CSV),
            "--holdout-only",
            "--json",
            "--latency-samples",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"roc_auc", "pr_auc", "brier", "ece", "accuracy", "segments"} <= set(payload)
    assert set(payload["segments"]) == {"vip", "standard", "nurturing"}
    assert sum(payload["segments"].values()) == payload["rows"] == 1973
    assert 0.5 < payload["roc_auc"] <= 1.0
    assert payload["latency_ms"]["p95"] >= payload["latency_ms"]["p50"] > 0


def test_evaluate_text(model_dir: Path) -> None:
    result = CliRunner().invoke(
        analytics,
        ["evaluate", "--model", str(model_dir), "--csv", str(TRAIN_CSV), "--latency-samples", "3"],
    )
    assert result.exit_code == 0, result.output
    for label in ("ROC AUC", "PR AUC", "Brier", "ECE", "accuracy", "segments", "p95"):
        assert label in result.stdout


def test_retrain_promotes_only_when_no_worse(tmp_path: Path, data: Data) -> None:
    raw, labels = data
    base = raw.iloc[:2500].assign(Revenue=labels[:2500] == 1)
    base_csv = tmp_path / "base.csv"
    base.to_csv(base_csv, index=False)
    root = tmp_path / "models"

    first = retrain(base_csv, [], root, config=FAST, refit=False)
    assert first.promoted and first.current_version is None
    assert ConversionModel.load(root).version == first.candidate_version

    noise = raw.iloc[2500:4000].assign(Revenue=labels[2500:4000] == 0)  # flipped labels
    second = retrain(base_csv, noise, root, config=FAST, refit=False)
    assert second.current_version == first.candidate_version
    new, old = second.candidate_validation, second.current_validation
    assert old is not None
    no_worse = new["roc_auc"] >= old["roc_auc"] and new["ece"] <= old["ece"]
    assert second.promoted is no_worse
    assert not second.promoted  # flipped labels must not ship
    assert ConversionModel.load(root).version == first.candidate_version
    versions = {p.name for p in (root / "versions").iterdir()}
    assert {first.candidate_version, second.candidate_version} <= versions

    promote(root, second.candidate_version)  # a manual switch, and back again
    assert ConversionModel.load(root).version == second.candidate_version
    promote(root, first.candidate_version)
    assert ConversionModel.load(root).version == first.candidate_version


def test_fast_forest_path_matches_predict_proba(model_dir: Path, data: Data) -> None:
    pipeline = ConversionModel.load(model_dir).pipeline
    ensemble = pipeline.named_steps["ensemble"]
    x = engineer(data[0].head(300))
    expected = np.mean([m.predict_proba(x)[:, 1] for _, m in ensemble.members], axis=0)
    np.testing.assert_allclose(ensemble.scores(x), expected, atol=1e-12)


def test_engineered_interactions_of_one_session(data: Data) -> None:
    row = (
        data[0]
        .head(1)
        .assign(
            Administrative=2,
            Informational=1,
            ProductRelated=7,
            Administrative_Duration=30.0,
            BounceRates=0.02,
            ExitRates=0.05,
            PageValues=24.0,
            Month="Nov",
            TrafficType=3,
        )
    )
    column = dict(zip(ENGINEERED, engineer(row)[0], strict=True))
    assert column["Total_pages"] == 10
    assert column["Summed_exit_rates"] == pytest.approx(0.5)
    assert column["Exit_minus_bounce"] == pytest.approx(0.03)
    assert column["PageValues_staying_log"] == pytest.approx(np.log1p(24.0 * 0.95))
    assert column["PageValues_per_product_log"] == pytest.approx(np.log1p(3.0))
    assert column["Product_share"] == pytest.approx(7 / 11)
    assert column["Duration_per_administrative_log"] == pytest.approx(np.log1p(10.0))
    assert (column["Month_number"], column["TrafficType"]) == (11, 3)


def test_code_rates_are_smoothed_training_rates() -> None:
    x = np.array([[1.0, 5.0], [1.0, 5.0], [2.0, 5.0], [2.0, 7.0]])
    y = np.array([1, 1, 0, 0])
    encoded = (
        CodeRates(columns=(0,), prior=2.0).fit(x, y).transform(np.array([[1.0, 9.0], [3.0, 9.0]]))
    )
    # code 1: (2 positives + 2 x 0.5) / (2 rows + 2); unseen code 3: the base rate 0.5.
    np.testing.assert_allclose(encoded, [[0.75, 9.0], [0.5, 9.0]])


def test_ece_noise_floor_shrinks_with_rows() -> None:
    small = ece_noise_floor(np.full(500, 0.3))
    large = ece_noise_floor(np.full(20_000, 0.3))
    assert 0.0 < large < small < 0.05


def test_isotonic_calibration_keeps_the_ranking() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=2000)
    labels = rng.binomial(1, scores**2)
    calibrated = Calibrator("isotonic").fit(scores, labels).transform(scores)
    assert np.all(np.diff(calibrated[np.argsort(scores)]) > 0)
    assert measure(labels, calibrated).ece < measure(labels, scores).ece


def test_repeated_holdout_reports_each_split(data: Data) -> None:
    raw, labels = data
    results = repeated_holdout(raw.iloc[:3000], labels[:3000], [1, 2], FAST)
    assert [r.seed for r in results] == [1, 2]
    assert all(r.held_out.rows == 600 and r.held_out.roc_auc > 0.8 for r in results)
    assert all(0 < r.ece_floor < 0.1 for r in results)


def test_live_features_score_end_to_end(model_dir: Path) -> None:
    stats = PageStats()
    start = datetime(2024, 11, 20, 18, 0, tzinfo=UTC)
    for session, urls in {"a": ["/", "/p/1", "/cart"], "b": ["/p/1", "/cart"], "c": ["/"]}.items():
        for url in urls:
            stats.record_view(session, url)
        if session != "c":
            stats.record_conversion(session, 60.0)
    views = [
        PageView("/", "informational", 12_000, start),
        PageView("/p/1", "product", 95_000, start + timedelta(seconds=12)),
        PageView("/cart", "administrative", 20_000, start + timedelta(seconds=107)),
    ]
    features = compute_features(views, VisitorContext(user_agent="curl/8"), stats)
    prediction = ConversionModel.load(model_dir).predict(features.model_input)
    assert features.model_input["PageValues"] > 0
    assert 0.0 <= prediction.conversion_probability <= 1.0
    assert prediction.segment.value in {"vip", "standard", "nurturing"}
    assert all(f["feature"] in features.model_input for f in prediction.top_factors)


def _copy_with_older_features(model_dir: Path, target: Path) -> Path:
    shutil.copytree(model_dir, target)
    meta_path = target / "model.json"
    meta = json.loads(meta_path.read_text())
    meta["engineeredFeatures"] = list(ENGINEERED)[:19]
    meta_path.write_text(json.dumps(meta))
    return target


def test_a_model_of_another_feature_list_is_refused_with_a_reason(
    model_dir: Path, tmp_path: Path
) -> None:
    old = _copy_with_older_features(model_dir, tmp_path / "old")
    with pytest.raises(IncompatibleModel, match="train it again"):
        ConversionModel.load(old)
    result = CliRunner().invoke(
        analytics, ["evaluate", "--model", str(old), "--csv", str(TRAIN_CSV)]
    )
    assert result.exit_code != 0
    assert "train it again" in result.output
    assert "Traceback" not in result.output


def test_the_demo_model_of_another_feature_list_is_replaced_and_kept_aside(
    model_dir: Path, tmp_path: Path
) -> None:
    old = _copy_with_older_features(model_dir, tmp_path / "conversion")
    scratch = tmp_path / "fresh"
    shutil.copytree(model_dir, scratch)
    assert embedded._prepare(old, TRAIN_CSV) == "train"
    embedded._install(scratch, old)
    assert ConversionModel.load(old).version == ConversionModel.load(model_dir).version
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("conversion.incompatible-")]
    assert len(kept) == 1
    assert (
        json.loads((kept[0] / "model.json").read_text())["engineeredFeatures"]
        == list(ENGINEERED)[:19]
    )
    assert embedded._prepare(old, TRAIN_CSV) == "ready"


def test_retrain_replaces_a_model_this_version_cannot_serve(tmp_path: Path, data: Data) -> None:
    raw, labels = data
    base_csv = tmp_path / "base.csv"
    raw.iloc[:2500].assign(Revenue=labels[:2500] == 1).to_csv(base_csv, index=False)
    root = tmp_path / "models"
    first = retrain(base_csv, [], root, config=FAST, refit=False)
    meta = json.loads((root / "model.json").read_text())
    meta["engineeredFeatures"] = list(ENGINEERED)[:19]
    meta["metrics"]["validation"] |= {"roc_auc": 1.0, "ece": 0.0}  # unbeatable figures
    (root / "model.json").write_text(json.dumps(meta))

    noise = raw.iloc[2500:4000].assign(Revenue=labels[2500:4000] == 0)
    second = retrain(base_csv, noise, root, config=FAST, refit=False)
    assert second.promoted and "another feature list" in second.reason
    assert second.current_version == first.candidate_version
    assert ConversionModel.load(root).version == second.candidate_version
