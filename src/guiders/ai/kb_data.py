"""Labelled questions from the two formats the model trains on.

* CLINC150 JSON (``{"train": [[text, intent], ...], "oos_train": ..., ...}``), the public
  benchmark used to choose and measure the model;
* the product's knowledge-base YAML (see ``docs/kb.md``), where a company writes its
  intents, example questions and answers.

Both are turned into the same :class:`LabelledData` so training and evaluation do not
care where the questions came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# The label CLINC150 gives to out-of-scope queries; kept as the model's reserved label.
OOS = "oos"

Example = tuple[str, str]


class DataFormatError(ValueError):
    """The file does not follow either format; the message says where."""


@dataclass(frozen=True, slots=True)
class LabelledData:
    """Named splits of (text, intent) pairs plus, for a YAML KB, the answers."""

    splits: Mapping[str, list[Example]]
    # intent -> language -> answer; empty for CLINC150, which has no answers.
    answers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    name: str = ""

    def split(self, name: str) -> list[Example]:
        """Rows of split ``name``; a missing split is empty, a missing name is an error."""
        return list(self.splits.get(name, []))

    def has_split(self, name: str) -> bool:
        return name in self.splits


def load_data(path: Path) -> LabelledData:
    if not path.exists():
        raise DataFormatError(f"{path}: no such file")
    if path.suffix.lower() in {".yaml", ".yml"}:
        return parse_kb_yaml(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    if path.suffix.lower() == ".json":
        return parse_clinc_json(json.loads(path.read_text(encoding="utf-8")), str(path))
    raise DataFormatError(f"{path}: expected a .json (CLINC150) or .yaml (knowledge base) file")


def parse_clinc_json(raw: Any, source: str = "<json>") -> LabelledData:
    if not isinstance(raw, dict):
        raise DataFormatError(f"{source}: the top level must be an object of splits")
    splits: dict[str, list[Example]] = {}
    for key, rows in raw.items():
        if not isinstance(rows, list):
            raise DataFormatError(f"{source}: split {key!r} must be a list of [text, intent]")
        parsed: list[Example] = []
        for i, row in enumerate(rows):
            if (
                not isinstance(row, list | tuple)
                or len(row) != 2
                or not all(isinstance(v, str) for v in row)
            ):
                raise DataFormatError(f"{source}: {key}[{i}] must be [text, intent]")
            parsed.append((row[0], row[1]))
        splits[str(key)] = parsed
    return LabelledData(splits=splits, name=Path(source).stem)


def _answers(intent: str, raw: Any, source: str) -> dict[str, str]:
    if isinstance(raw, str):
        return {"default": raw.strip()}
    if isinstance(raw, dict) and raw and all(isinstance(v, str) for v in raw.values()):
        return {str(k): v.strip() for k, v in raw.items()}
    raise DataFormatError(
        f"{source}: intent {intent!r} needs an 'answer' (text, or language: text)"
    )


def _strings(value: Any, where: str, source: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataFormatError(f"{source}: {where} must be a list of non-empty strings")
    return [v.strip() for v in value]


def parse_kb_yaml(raw: Any, source: str = "<yaml>") -> LabelledData:
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), list):
        raise DataFormatError(f"{source}: expected a mapping with an 'intents' list")
    train: list[Example] = []
    answers: dict[str, dict[str, str]] = {}
    for i, item in enumerate(raw["intents"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise DataFormatError(f"{source}: intents[{i}] needs a 'name'")
        intent = item["name"].strip()
        if intent == OOS:
            raise DataFormatError(f"{source}: {OOS!r} is reserved for out-of-scope questions")
        if intent in answers:
            raise DataFormatError(f"{source}: intent {intent!r} is defined twice")
        answers[intent] = _answers(intent, item.get("answer"), source)
        examples = _strings(item.get("examples"), f"intent {intent!r} examples", source)
        train.extend((text, intent) for text in examples)
    if len(answers) < 2:
        raise DataFormatError(f"{source}: a knowledge base needs at least two intents")
    splits: dict[str, list[Example]] = {"train": train}
    if "out_of_scope" in raw:
        oos = _strings(raw["out_of_scope"], "out_of_scope", source)
        splits["oos_train"] = [(text, OOS) for text in oos]
    if "test" in raw:
        test_rows = raw["test"]
        if not isinstance(test_rows, list):
            raise DataFormatError(f"{source}: 'test' must be a list of {{text, intent}}")
        in_scope: list[Example] = []
        out_of_scope: list[Example] = []
        for i, row in enumerate(test_rows):
            if not (
                isinstance(row, dict)
                and isinstance(row.get("text"), str)
                and isinstance(row.get("intent"), str)
            ):
                raise DataFormatError(f"{source}: test[{i}] needs 'text' and 'intent'")
            label = row["intent"].strip()
            if label != OOS and label not in answers:
                raise DataFormatError(f"{source}: test[{i}] has unknown intent {label!r}")
            (out_of_scope if label == OOS else in_scope).append((row["text"].strip(), label))
        splits["test"] = in_scope
        splits["oos_test"] = out_of_scope
    name = raw.get("name")
    return LabelledData(
        splits=splits,
        answers=answers,
        name=name if isinstance(name, str) else Path(source).stem,
    )
