"""The model stream's fold: one open proposal at a time, confirmed by an admin, then closed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import pytest

from guiders.domain.errors import Conflict, NotFound
from guiders.domain.model_health import ModelHealth, model_rules, stream_id

AT = datetime(2026, 12, 6, tzinfo=UTC)
ALERT = {"rule": "ModelInputDrift", "summary": "drift", "value": 0.4, "threshold": 0.25}


def test_a_raised_alert_proposes_a_retrain_once() -> None:
    health = ModelHealth(uuid.uuid4())
    first = health.measure({"modelVersion": "v1"}, [ALERT], [], AT)
    assert [e.type for e in first] == [
        "model.health_measured",
        "alert.raised",
        "model.retrain_proposed",
    ]
    assert [e.version for e in first] == [1, 2, 3]
    assert {e.aggregate_id for e in first} == {stream_id(health.company_id)}
    second = health.measure({"modelVersion": "v1"}, [ALERT | {"rule": "Other"}], [], AT)
    assert [e.type for e in second] == ["model.health_measured", "alert.raised"]
    assert set(health.active) == {"ModelInputDrift", "Other"}


def test_confirm_then_complete_closes_the_proposal() -> None:
    health = ModelHealth(uuid.uuid4())
    health.measure({}, [ALERT], [], AT)
    assert health.proposal is not None
    proposal = UUID(health.proposal["proposalId"])
    with pytest.raises(Conflict):
        health.complete(proposal, {"promoted": True}, AT)
    with pytest.raises(NotFound):
        health.confirm(uuid.uuid4(), "admin", AT)
    assert health.confirm(proposal, "admin", AT).type == "model.retrain_confirmed"
    with pytest.raises(Conflict):
        health.confirm(proposal, "admin", AT)
    done = health.complete(proposal, {"promoted": False, "reason": "worse"}, AT)
    assert done.type == "model.retrain_completed" and health.proposal is None
    assert health.last_outcome is not None and health.last_outcome["reason"] == "worse"


def test_the_fold_of_stored_events_gives_the_same_state() -> None:
    live = ModelHealth(uuid.uuid4())
    events = live.measure({"x": 1}, [ALERT], [], AT) + live.measure({"x": 2}, [], [ALERT], AT)
    folded = ModelHealth(live.company_id)
    for e in events:
        folded.apply(e.type, e.payload, e.version)
    assert folded.view() == live.view() and folded.version == live.version == 5


def test_rules_raise_above_resolve_at_or_below_and_ignore_a_missing_figure() -> None:
    health = ModelHealth(uuid.uuid4())
    rules = model_rules(ece=0.05, psi=0.25)
    raised, resolved = health.transitions({"modelEce": 0.08, "modelMaxPsi": None}, rules, AT)
    assert [a["rule"] for a in raised] == ["ModelCalibrationDrift"] and resolved == []
    health.measure({}, raised, [], AT)
    assert health.transitions({"modelEce": 0.09}, rules, AT) == ([], [])  # still raised
    assert health.transitions({"modelEce": None}, rules, AT) == ([], [])  # no data: no change
    raised, resolved = health.transitions({"modelEce": 0.05}, rules, AT)
    assert raised == [] and [(a["rule"], a["value"]) for a in resolved] == [
        ("ModelCalibrationDrift", 0.05)
    ]
