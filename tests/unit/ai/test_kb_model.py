from __future__ import annotations

from pathlib import Path

import pytest
from kb_fixtures import clinc_model, clinc_subset, demo_model_dir

from guiders.ai.embeddings import Encoder
from guiders.ai.evaluation import evaluate
from guiders.ai.kb_model import KnowledgeBase, TrainConfig, train


@pytest.fixture(name="model")
def _model() -> KnowledgeBase:
    return clinc_model()


def test_clinc_subset_answers_a_held_out_question(model: KnowledgeBase) -> None:
    # not in train: a paraphrase of CLINC's "weather" intent
    result = model.classify("is it going to be sunny in boston later today")
    assert result.intent == "weather"
    assert not result.out_of_scope
    assert 0.0 <= result.confidence <= 1.0


def test_clinc_subset_flags_an_unrelated_question(model: KnowledgeBase) -> None:
    result = model.classify("which paint colour goes best with oak furniture")
    assert result.out_of_scope
    assert result.answer is None


def test_clinc_subset_evaluates_on_its_val_rows(model: KnowledgeBase) -> None:
    data = clinc_subset()
    report = evaluate(model, data.split("val") + data.split("oos_val"))
    assert report.in_scope_accuracy >= 0.8
    assert report.oos_recall >= 0.5
    assert report.latency_ms_p95 > 0


def test_demo_kb_round_trips_and_answers_in_both_languages() -> None:
    kb = KnowledgeBase.load(demo_model_dir())
    assert kb.encoder.quantized  # int8 inference survives save/load
    assert kb.encoder.quantize_scope == "ffn"
    english = kb.classify("how much does delivery to Germany cost?", language="en")
    assert english.intent == "shipping"
    assert english.answer is not None and "working days" in english.answer
    spanish = kb.classify("¿cómo devuelvo unos zapatos?", language="es")
    assert spanish.intent == "returns"
    assert spanish.answer is not None and "devolución" in spanish.answer
    assert kb.classify("who won the tennis final at wimbledon?").out_of_scope


def test_a_reused_encoder_fits_only_the_head_and_keeps_its_quantize_scope(
    tmp_path: Path,
) -> None:
    encoder_dir = tmp_path / "tuned"
    Encoder().save(encoder_dir)  # stands in for a fine-tuned encoder saved by a run
    out = tmp_path / "model"
    kb = train(clinc_subset(), out, TrainConfig(encoder=str(encoder_dir), quantize="all"))
    assert kb.meta["fine_tune_epochs"] == 0
    assert kb.meta["calibration_source"] == "val"
    loaded = KnowledgeBase.load(out)
    assert (out / "encoder").is_dir()
    assert loaded.encoder.quantize_scope == "all"  # the old all-layers int8 stays reachable
    assert loaded.classify("is it going to be sunny in boston later today").intent == "weather"
    with pytest.raises(ValueError, match="overwrite"):
        train(clinc_subset(), out, TrainConfig(encoder=str(out / "encoder")))
