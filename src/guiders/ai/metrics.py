"""Prometheus metrics of the AI first line (served at ``/metrics`` with the rest)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from guiders.ai.circuit_breaker import BreakerState

STATE_VALUE = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}

CIRCUIT_STATE = Gauge(
    "guiders_ai_circuit_state",
    "Circuit breaker state: 0 closed, 1 half-open, 2 open",
    ["circuit"],
)
LLM_CALLS = Counter("guiders_ai_llm_calls_total", "LLM completions by outcome", ["outcome"])
BOT_REPLIES = Counter("guiders_bot_replies_total", "Bot messages sent, by kind", ["kind"])
BOT_DECISION_SECONDS = Histogram(
    "guiders_bot_decision_seconds",
    "Time from a visitor message to the bot's reply being ready (decision + answer)",
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def export_state(circuit: str, _old: BreakerState, new: BreakerState) -> None:
    """A breaker listener: the state as a gauge."""
    CIRCUIT_STATE.labels(circuit).set(STATE_VALUE[new])
