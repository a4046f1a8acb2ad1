"""Whether a rule's ``when`` holds for an event: pure functions of the rule and the context."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from guiders.pipeline.context import EventContext
from guiders.pipeline.rules import DAYS, BusinessHours, Conditions, RuleSettings, parse_clock

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Case- and accent-insensitive form: ``Réembolso`` and ``reembolso`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def has_keyword(text: str, keywords: list[str]) -> bool:
    """A keyword (or a phrase of several words) matches whole words only: 'cancel' is not in
    'cancellation'."""
    tokens = words(text)
    if not tokens:
        return False
    for keyword in keywords:
        phrase = words(keyword)
        n = len(phrase)
        if n and any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1)):
            return True
    return False


def local_time(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def in_business_hours(at: datetime, zone: str, hours: BusinessHours) -> bool:
    local = local_time(at, zone)
    if DAYS[local.weekday()] not in hours.days:
        return False
    if local.date() in {date.fromisoformat(d) for d in hours.holidays}:
        return False
    return parse_clock(hours.open) <= local.time() < parse_clock(hours.close)


def holds(when: Conditions, ctx: EventContext, settings: RuleSettings) -> bool:
    if when.event and ctx.event_type not in when.event:
        return False
    if when.sender and ctx.sender_role not in when.sender:
        return False
    if when.segment and ctx.segment not in when.segment:
        return False
    if when.score is not None and not when.score.holds(ctx.score):
        return False
    if when.intent and ctx.intent not in when.intent:
        return False
    if when.confidence is not None and not when.confidence.holds(ctx.confidence):
        return False
    if when.urgency is not None and not when.urgency.holds(ctx.urgency):
        return False
    if when.sentiment is not None and not when.sentiment.holds(ctx.sentiment):
        return False
    if when.priority and ctx.chat_priority not in when.priority:
        return False
    if when.chat_status and ctx.chat_status not in when.chat_status:
        return False
    if when.keywords and not has_keyword(ctx.text, when.keywords):
        return False
    if when.time_of_day is not None and not when.time_of_day.holds(
        local_time(ctx.now, settings.timezone).time()
    ):
        return False
    return not (
        when.business_hours is not None
        and in_business_hours(ctx.now, settings.timezone, settings.business_hours)
        != when.business_hours
    )
