"""Alert rules: raised once above the threshold, kept while it stays, resolved below it; the
Prometheus rules file in docs/ is the same rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import yaml
from click.testing import CliRunner

from guiders.cli import main
from guiders.config import Settings
from guiders.domain.events import StoredEvent
from guiders.observability.alert_events import alert_events, rule_id
from guiders.observability.alerts import (
    AlertEvaluator,
    model_rules,
    production_rules,
    prometheus_rules,
)
from guiders.realtime.targets import outgoing

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "alerts.rules.yml"


def at(n: int) -> datetime:
    return T0 + timedelta(seconds=10 * n)


def test_an_alert_is_raised_stays_and_resolves() -> None:
    ev = AlertEvaluator(production_rules())
    assert ev.evaluate({"errorRate": 0.01}, at(0)) == []
    raised = ev.evaluate({"errorRate": 0.2}, at(1))
    assert [(t.kind, t.alert.rule, t.alert.severity, t.value) for t in raised] == [
        ("raised", "HighErrorRate", "critical", 0.2)
    ]
    assert ev.evaluate({"errorRate": 0.3}, at(2)) == []  # still firing: no second event
    assert [a.rule for a in ev.active] == ["HighErrorRate"]
    assert ev.active[0].since == at(1)
    resolved = ev.evaluate({"errorRate": 0.05}, at(3))  # at the threshold is not above it
    assert [(t.kind, t.alert.rule, t.value) for t in resolved] == [
        ("resolved", "HighErrorRate", 0.05)
    ]
    assert ev.active == []


def test_a_point_without_the_figure_neither_raises_nor_resolves() -> None:
    ev = AlertEvaluator(production_rules())
    ev.evaluate({"p95Ms": 7000.0, "aiFailureRate": 0.5}, at(0))
    assert {a.rule for a in ev.active} == {"HighResponseTime", "HighAiFailureRate"}
    assert ev.evaluate({"p95Ms": None, "aiFailureRate": None}, at(1)) == []
    assert len(ev.active) == 2
    out = ev.evaluate({"p95Ms": 100.0, "aiFailureRate": 0.1}, at(2))
    assert sorted(t.kind for t in out) == ["resolved", "resolved"]


def test_thresholds_follow_the_settings() -> None:
    ev = AlertEvaluator(production_rules(p95_ms=200.0))
    assert [t.alert.rule for t in ev.evaluate({"p95Ms": 250.0}, at(0))] == ["HighResponseTime"]


def test_events_go_to_every_company_and_to_its_tenant_room() -> None:
    ev = AlertEvaluator(production_rules())
    transitions = ev.evaluate({"errorRate": 0.5}, at(0))
    companies = [uuid4(), uuid4()]
    events = alert_events(transitions, companies, "node-1")
    assert [e.company_id for e in events] == companies
    assert {e.type for e in events} == {"alert.raised"}
    payload = events[0].payload
    assert payload["rule"] == "HighErrorRate"
    assert payload["threshold"] == 0.05 and payload["value"] == 0.5
    assert payload["severity"] == "critical" and payload["node"] == "node-1"
    assert events[0].aggregate_id == rule_id("HighErrorRate")
    stored = StoredEvent(
        event_id=uuid4(),
        seq=1,
        company_id=companies[0],
        aggregate_type="alert",
        aggregate_id=events[0].aggregate_id,
        version=0,
        type="alert.raised",
        payload=payload,
        actor_id=None,
        actor_type="system",
        correlation_id=None,
        occurred_at=at(0),
    )
    [out] = outgoing(stored)
    assert out.name == "alert:raised"
    assert out.rooms == (f"tenant:{companies[0]}",)


def test_the_rules_file_in_docs_is_generated_from_the_code() -> None:
    defaults = Settings(_env_file=None)
    assert (defaults.alert_p95_ms, defaults.alert_error_rate, defaults.alert_ai_failure_rate) == (
        5000.0,
        0.05,
        0.10,
    )
    assert (defaults.alert_model_ece, defaults.alert_model_psi) == (0.05, 0.25)
    expected = prometheus_rules(production_rules() + model_rules())
    assert DOCS.read_text() == expected, "run: guiders observability rules -o docs/alerts.rules.yml"
    rules = yaml.safe_load(expected)["groups"][0]["rules"]
    assert {r["alert"]: r["labels"]["severity"] for r in rules} == {
        "HighResponseTime": "warning",
        "HighErrorRate": "critical",
        "HighAiFailureRate": "warning",
        "LoginFailureBurst": "warning",
        "SlaBreached": "warning",
        "ModelCalibrationDrift": "warning",
        "ModelInputDrift": "warning",
    }
    assert rules[0]["expr"].endswith("> 5")


def test_the_command_prints_the_rules_with_the_configured_thresholds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("P95_MS", "ERROR_RATE", "AI_FAILURE_RATE"):
        monkeypatch.delenv(f"GUIDERS_ALERT_{name}", raising=False)
    printed = CliRunner().invoke(main, ["observability", "rules"])
    assert printed.exit_code == 0 and printed.output == DOCS.read_text()
    monkeypatch.setenv("GUIDERS_ALERT_ERROR_RATE", "0.2")
    written = CliRunner().invoke(main, ["observability", "rules", "-o", "rules.yml"])
    assert written.exit_code == 0
    assert "> 0.2" in (tmp_path / "rules.yml").read_text()
