"""SLA timers count business time only; a breach names the timer and its due time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from guiders.domain.business_hours import Schedule
from guiders.domain.chat import ASKED_FOR_A_PERSON, Priority
from guiders.domain.settings import BusinessHours, SlaTargets
from guiders.domain.sla import (
    BREACHED,
    SlaKind,
    Turn,
    breach_event,
    breaches,
    clocks,
    escalated_priority,
)

MADRID = ZoneInfo("Europe/Madrid")
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TARGETS = SlaTargets(first_response_minutes=5, next_response_minutes=10)
ALWAYS = Schedule.of(BusinessHours(), "UTC")


def office() -> Schedule:
    slots = [{"start": "09:00", "end": "18:00"}]
    week = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), slots)
    return Schedule.of(BusinessHours(always_open=False, week=week), "Europe/Madrid")  # type: ignore[arg-type]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_no_timer_until_a_person_is_wanted() -> None:
    assert clocks(None, [Turn(at(0), "visitor")]) == []


def test_first_response_within_target_is_no_breach() -> None:
    timers = clocks(at(0), [Turn(at(1), "visitor"), Turn(at(4), "agent")])
    assert [t.kind for t in timers] == [SlaKind.FIRST_RESPONSE]
    assert breaches(timers, ALWAYS, TARGETS, at(60)) == []


def test_first_response_running_past_target_breaches_while_unanswered() -> None:
    timers = clocks(at(0), [Turn(at(1), "visitor")])
    assert breaches(timers, ALWAYS, TARGETS, at(4)) == []
    [breach] = breaches(timers, ALWAYS, TARGETS, at(6))
    assert breach.kind is SlaKind.FIRST_RESPONSE
    assert breach.due_at == at(5)
    assert not breach.answered


def test_next_response_timers_start_at_the_first_visitor_message_after_a_reply() -> None:
    turns = [
        Turn(at(2), "agent"),
        Turn(at(3), "visitor"),
        Turn(at(4), "visitor"),  # the same wait: the timer started at 3
        Turn(at(20), "agent"),
        Turn(at(21), "visitor"),
    ]
    timers = clocks(at(0), turns)
    assert [(t.kind, t.started_at, t.answered_at) for t in timers] == [
        (SlaKind.FIRST_RESPONSE, at(0), at(2)),
        (SlaKind.NEXT_RESPONSE, at(3), at(20)),
        (SlaKind.NEXT_RESPONSE, at(21), None),
    ]
    found = breaches(timers, ALWAYS, TARGETS, at(25))
    assert [(b.kind, b.started_at, b.answered) for b in found] == [
        (SlaKind.NEXT_RESPONSE, at(3), True)
    ]


def test_time_outside_business_hours_does_not_count() -> None:
    """Asked on Friday at 17:58 Madrid, answered on Monday at 09:02: 4 business minutes."""
    friday = datetime(2026, 12, 11, 17, 58, tzinfo=MADRID)
    monday = datetime(2026, 12, 14, 9, 2, tzinfo=MADRID)
    timers = clocks(friday, [Turn(monday, "agent")])
    assert breaches(timers, office(), TARGETS, monday + timedelta(hours=1)) == []
    # unanswered: due on Monday at 09:03
    open_timer = clocks(friday, [])
    [breach] = breaches(open_timer, office(), TARGETS, datetime(2026, 12, 14, 9, 4, tzinfo=MADRID))
    assert breach.due_at == datetime(2026, 12, 14, 9, 3, tzinfo=MADRID)


def test_a_target_left_empty_never_breaches() -> None:
    timers = clocks(at(0), [])
    assert breaches(timers, ALWAYS, SlaTargets(first_response_minutes=None), at(600)) == []


def test_breach_event_carries_the_facts() -> None:
    company, chat = uuid.uuid4(), uuid.uuid4()
    [breach] = breaches(clocks(at(0), []), ALWAYS, TARGETS, at(7))
    event = breach_event(company, chat, breach, at(7))
    assert event.type == BREACHED
    assert event.aggregate_type == "sla"
    assert event.payload["kind"] == "first_response"
    assert event.payload["target_seconds"] == 300
    assert event.payload["chat_id"] == str(chat)


def test_a_request_made_at_night_is_not_urgent_until_the_office_has_been_open_past_the_target() -> (
    None
):
    saturday_night = datetime(2026, 12, 12, 22, 0, tzinfo=MADRID)
    timers = clocks(saturday_night, [Turn(saturday_night, "visitor")])
    monday_opening = datetime(2026, 12, 14, 9, 0, tzinfo=MADRID)
    for now in (saturday_night + timedelta(hours=1), monday_opening + timedelta(minutes=4)):
        found = breaches(timers, office(), TARGETS, now)
        assert found == []
        assert escalated_priority(ASKED_FOR_A_PERSON, found) is None
    found = breaches(timers, office(), TARGETS, monday_opening + timedelta(minutes=6))
    assert escalated_priority(ASKED_FOR_A_PERSON, found) is Priority.URGENT


def test_an_answered_breach_or_an_urgent_chat_changes_nothing() -> None:
    answered = breaches(clocks(at(0), [Turn(at(9), "agent")]), ALWAYS, TARGETS, at(10))
    assert answered and answered[0].answered
    assert escalated_priority(Priority.HIGH, answered) is None
    running = breaches(clocks(at(0), []), ALWAYS, TARGETS, at(10))
    assert escalated_priority(Priority.URGENT, running) is None
    assert escalated_priority(Priority.LOW, running) is Priority.URGENT
