from __future__ import annotations

from pathlib import Path

import pytest

from guiders.ai.kb_data import OOS, DataFormatError, load_data, parse_clinc_json, parse_kb_yaml

ROOT = Path(__file__).resolve().parents[3]


def test_committed_clinc_file_has_the_expected_splits() -> None:
    data = load_data(ROOT / "data" / "clinc150" / "train_val.json")
    sizes = {name: len(rows) for name, rows in data.splits.items()}
    assert sizes == {"train": 15000, "val": 3000, "oos_train": 100, "oos_val": 100}
    assert len({intent for _, intent in data.split("train")}) == 150
    assert {intent for _, intent in data.split("oos_val")} == {OOS}


def test_demo_kb_is_bilingual_and_answers_every_intent() -> None:
    data = load_data(ROOT / "src" / "guiders" / "ai" / "demo_kb.yaml")
    intents = {intent for _, intent in data.split("train")}
    assert {"shipping", "returns", "payment_methods", "greeting"} <= intents
    assert set(data.answers) == intents
    assert all({"en", "es"} <= set(answers) for answers in data.answers.values())
    assert data.split("test") and data.split("oos_test")


def test_yaml_answer_may_be_a_single_text_and_test_rows_are_split_by_label() -> None:
    data = parse_kb_yaml(
        {
            "intents": [
                {"name": "a", "answer": "A.", "examples": ["x", "y"]},
                {"name": "b", "answer": {"en": "B."}, "examples": ["z"]},
            ],
            "out_of_scope": ["weather?"],
            "test": [{"text": "x2", "intent": "a"}, {"text": "joke", "intent": "oos"}],
        }
    )
    assert data.answers["a"] == {"default": "A."}
    assert data.split("oos_train") == [("weather?", OOS)]
    assert data.split("test") == [("x2", "a")]
    assert data.split("oos_test") == [("joke", OOS)]


@pytest.mark.parametrize(
    "raw",
    [
        {
            "intents": [
                {"name": "a", "examples": ["x"]},
                {"name": "b", "answer": "B", "examples": ["y"]},
            ]
        },
        {"intents": [{"name": "oos", "answer": "A", "examples": ["x"]}]},
        {"intents": [{"name": "a", "answer": "A", "examples": []}]},
        {"questions": []},
    ],
)
def test_malformed_yaml_is_rejected_with_a_reason(raw: object) -> None:
    with pytest.raises(DataFormatError):
        parse_kb_yaml(raw)


def test_malformed_clinc_rows_are_rejected() -> None:
    with pytest.raises(DataFormatError, match=r"train\[1\]"):
        parse_clinc_json({"train": [["hi", "greet"], ["only text"]]})
