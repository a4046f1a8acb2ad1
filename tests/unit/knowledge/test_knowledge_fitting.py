"""The fitting procedure on synthetic examples: folds keep conversations together, the
operating points obey their constraints, and the models round-trip through JSON."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from guiders.knowledge import fitting
from guiders.knowledge.answerability import FEATURES, Models


def _examples(n: int = 240) -> list[fitting.Example]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        label = ["ANSWERABLE", "UNANSWERABLE", "UNDERSPECIFIED", "ANSWERABLE"][i % 4]
        values = {name: rng.random() for name in FEATURES}
        values["dense_top"] = rng.gauss(0.65 if label == "ANSWERABLE" else 0.4, 0.1)
        values["vague_markers"] = rng.gauss(2.0 if label == "UNDERSPECIFIED" else 0.3, 0.5)
        first = "gold" if label == "ANSWERABLE" and rng.random() < 0.9 else "other"
        out.append(
            fitting.Example(
                "set" if (i // 4) % 2 else "other-set", f"conv{i // 3}", label,
                frozenset({"gold"}), values, first,
            )
        )  # fmt: skip
    return out


def test_operating_points_meet_the_abstention_floor_out_of_fold() -> None:
    examples = _examples()
    p_good, p_vague = fitting.out_of_fold(examples)
    assert p_good.shape == (len(examples),) and np.all((p_good > 0) & (p_good < 1))
    answerable = np.array([e.label == "ANSWERABLE" for e in examples])
    assert p_good[answerable].mean() > p_good[~answerable].mean() + 0.2
    t_answer, t_clarify = fitting.choose_thresholds(examples, p_good, p_vague)
    assert (p_vague[answerable] >= t_clarify).mean() <= fitting.CLARIFY_ANSWERABLE_CAP
    for cited, abstained, _ in fitting.rates(
        examples, p_good, p_vague, t_answer, t_clarify
    ).values():
        assert abstained >= fitting.ABSTAIN_FLOOR
        assert cited > 0.5


def test_models_round_trip_through_json(tmp_path: Path) -> None:
    examples = _examples()
    good, _ = fitting._labels(examples)
    x = fitting._matrix(examples, FEATURES)
    model = fitting._fit(x, good, FEATURES, 0.1)
    models = Models(model, model, 0.5, 0.3, "test")
    models.save(tmp_path / "m.json")
    loaded = Models.load(tmp_path / "m.json")
    assert loaded == models
    assert loaded.answerability.probability(examples[0].values) == model.probability(
        examples[0].values
    )
