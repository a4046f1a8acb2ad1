"""The decision engine: which rules fire and which actions, with what rendered parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from guiders.pipeline.conditions import has_keyword
from guiders.pipeline.context import EventContext
from guiders.pipeline.engine import DecisionEngine
from guiders.pipeline.loading import parse_rules
from guiders.pipeline.templates import TemplateFailed, render

RULES = """
settings:
  timezone: Europe/Madrid
  business_hours: {days: [mon, tue, wed, thu, fri], open: "09:00", close: "18:00",
                   holidays: ["2026-12-25"]}
rules:
  - name: refund
    when: {event: [message.sent], sender: [visitor], keywords: [refund, "money back"]}
    then:
      - {type: set_priority, priority: URGENT}
      - {type: tag, tags: [billing]}
  - name: vip
    stop: true
    when: {event: [chat.created], segment: [vip], score: {min: 0.8}}
    then:
      - {type: assign, policy: senior}
      - {type: send_message, template: "Hello {{ visitor.name }}, welcome back"}
  - name: night
    when: {event: [chat.created], time_of_day: {after: "22:00", before: "07:00"}}
    then: [{type: send_message, template: night}]
  - name: closed
    when: {event: [chat.created], business_hours: false}
    then: [{type: send_message, template: closed}]
  - name: billing-intent
    when: {intent: [billing], confidence: {min: 0.7}, priority: [HIGH, URGENT]}
    then: [{type: notify_agents, template: "{{ intent }} at {{ confidence }}"}]
  - name: unhappy
    enabled: true
    when: {sentiment: {max: -0.5}, urgency: {min: 0.5}}
    then:
      - {type: webhook, url: "https://crm.example/hook", secret: "s3cret-key",
         body: {text: "{{ message }}"}}
      - {type: email, to: "{{ visitor.email }}", subject: "Sorry",
         template: "Hi {{ visitor.name }}"}
  - name: disabled-rule
    enabled: false
    then: [{type: tag, tags: [never]}]
"""

# Wednesday 2026-11-25 12:00 in Madrid (UTC+1) is 11:00 UTC.
WEDNESDAY_NOON = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def ctx(event_type: str = "message.sent", **kw: Any) -> EventContext:
    base: dict[str, Any] = {"event_id": "e1", "seq": 1, "payload": {}, "now": WEDNESDAY_NOON}
    base.update(kw)
    return EventContext(event_type=event_type, **base)


@pytest.fixture
def engine() -> DecisionEngine:
    return DecisionEngine(parse_rules(RULES))


def test_a_keyword_from_the_visitor_sets_priority_and_tags(engine: DecisionEngine) -> None:
    actions = engine.decide(ctx(sender_role="visitor", text="I want a REFUND now"))
    assert [(a.rule, a.kind, a.params) for a in actions] == [
        ("refund", "set_priority", {"priority": "URGENT"}),
        ("refund", "tag", {"tags": ["billing"]}),
    ]
    assert actions[0].key("e1") == "e1:refund:0"


def test_the_same_words_from_an_agent_do_not_fire(engine: DecisionEngine) -> None:
    assert engine.decide(ctx(sender_role="commercial", text="refund done")) == []


def test_keywords_are_whole_words_and_ignore_case_and_accents() -> None:
    assert has_keyword("Quiero un RÉEMBOLSO", ["reembolso"])
    assert has_keyword("give me my money  back!", ["money back"])
    assert not has_keyword("refunding is slow", ["refund"])
    assert not has_keyword("money is back", ["money back"])
    assert not has_keyword("", ["refund"])


def test_segment_and_score_both_needed_and_stop_ends_evaluation(engine: DecisionEngine) -> None:
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Madrid: night and closed
    vip = ctx("chat.created", segment="vip", score=0.9, visitor={"name": "Ana"}, now=night)
    actions = engine.decide(vip)
    assert [(a.rule, a.kind) for a in actions] == [("vip", "assign"), ("vip", "send_message")]
    assert actions[1].params["content"] == "Hello Ana, welcome back"
    low = ctx("chat.created", segment="vip", score=0.5, now=night)
    assert engine.fired(low) == ["night", "closed"]


def test_business_hours_follow_the_zone_days_and_holidays(engine: DecisionEngine) -> None:
    assert engine.fired(ctx("chat.created")) == []
    evening = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 18:30 Madrid
    assert engine.fired(ctx("chat.created", now=evening)) == ["closed"]
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert engine.fired(ctx("chat.created", now=saturday)) == ["closed"]
    christmas = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)
    assert engine.fired(ctx("chat.created", now=christmas)) == ["closed"]


def test_intent_confidence_and_chat_priority(engine: DecisionEngine) -> None:
    hot = ctx("message.sent", intent="billing", confidence=0.9, chat={"priority": "HIGH"})
    [action] = engine.decide(hot)
    assert action.kind == "notify_agents" and action.params["content"] == "billing at 0.9"
    assert engine.fired(ctx(intent="billing", confidence=0.6, chat={"priority": "HIGH"})) == []
    assert engine.fired(ctx(intent="billing", confidence=0.9, chat={"priority": "LOW"})) == []
    assert engine.fired(ctx(intent="billing", confidence=None, chat={"priority": "HIGH"})) == []


def test_sentiment_urgency_render_webhook_body_and_email(engine: DecisionEngine) -> None:
    c = ctx(
        sentiment=-0.8,
        urgency=0.7,
        text="this is awful",
        visitor={"name": "Bo", "email": "bo@example.com"},
    )
    webhook, email = engine.decide(c)
    assert webhook.params["body"] == {"text": "this is awful"}
    assert webhook.params["secret"] == "s3cret-key"
    assert "s3cret" not in webhook.describe()
    assert email.params == {"to": "bo@example.com", "subject": "Sorry", "body": "Hi Bo"}
    assert engine.fired(ctx(sentiment=-0.8, urgency=0.2)) == []


def test_templates_are_sandboxed() -> None:
    with pytest.raises(TemplateFailed):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    assert render("{{ missing }}!", {}) == "!"
