"""Business hours: several slots a day, holidays, the company's time zone and its DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guiders.domain.business_hours import Schedule
from guiders.domain.settings import BusinessHours

MADRID = ZoneInfo("Europe/Madrid")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def office(holidays: tuple[date, ...] = (), zone: str = "Europe/Madrid") -> Schedule:
    """09:00-13:00 and 15:00-18:00 on weekdays."""
    slots = [{"start": "09:00", "end": "13:00"}, {"start": "15:00", "end": "18:00"}]
    hours = BusinessHours.model_validate(
        {"always_open": False, "week": dict.fromkeys(WEEKDAYS, slots), "holidays": list(holidays)}
    )
    return Schedule.of(hours, zone)


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)  # type: ignore[misc]


def test_always_open_is_open_and_counts_every_second() -> None:
    always = Schedule.of(BusinessHours(), "UTC")
    at = datetime(2026, 12, 25, 3, tzinfo=UTC)
    assert always.is_open(at)
    assert always.next_opening(at) == at
    assert always.business_seconds(at, at + timedelta(hours=2)) == 7200


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (madrid(2026, 12, 7, 8, 59), False),  # Monday, before the first slot
        (madrid(2026, 12, 7, 9, 0), True),
        (madrid(2026, 12, 7, 12, 59), True),
        (madrid(2026, 12, 7, 13, 0), False),  # lunch: between the two slots
        (madrid(2026, 12, 7, 15, 30), True),
        (madrid(2026, 12, 7, 18, 0), False),
        (madrid(2026, 12, 12, 11, 0), False),  # Saturday
    ],
)
def test_is_open_in_the_company_time_zone(at: datetime, open_: bool) -> None:
    assert office().is_open(at) is open_
    assert office().is_open(at.astimezone(UTC)) is open_  # the zone of the instant is irrelevant


def test_next_opening_after_lunch_after_hours_and_over_the_weekend() -> None:
    s = office()
    assert s.next_opening(madrid(2026, 12, 7, 13, 30)) == madrid(2026, 12, 7, 15, 0)
    assert s.next_opening(madrid(2026, 12, 7, 19, 0)) == madrid(2026, 12, 8, 9, 0)
    assert s.next_opening(madrid(2026, 12, 11, 19, 0)) == madrid(2026, 12, 14, 9, 0)
    assert s.closes_at(madrid(2026, 12, 7, 10, 0)) == madrid(2026, 12, 7, 13, 0)


def test_holidays_are_closed_days() -> None:
    s = office(holidays=(date(2026, 12, 8),))
    assert not s.is_open(madrid(2026, 12, 8, 10, 0))
    assert s.next_opening(madrid(2026, 12, 7, 19, 0)) == madrid(2026, 12, 9, 9, 0)
    # Monday 17:00 to Wednesday 10:00: 1 h on Monday, the holiday, 1 h on Wednesday
    assert s.business_seconds(madrid(2026, 12, 7, 17, 0), madrid(2026, 12, 9, 10, 0)) == 7200


def test_no_slots_never_opens() -> None:
    closed = Schedule.of(BusinessHours(always_open=False), "UTC")
    at = datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert not closed.is_open(at)
    assert closed.next_opening(at) is None
    assert closed.business_seconds(at, at + timedelta(days=3)) == 0
    assert closed.add_business_seconds(at, 60) is None


def test_business_seconds_skip_lunch_nights_and_weekends() -> None:
    s = office()
    # Friday 12:00 -> Monday 9:30: 1 h + 3 h on Friday, 30 min on Monday
    assert s.business_seconds(madrid(2026, 12, 11, 12, 0), madrid(2026, 12, 14, 9, 30)) == (
        4.5 * 3600
    )
    assert s.business_seconds(madrid(2026, 12, 14, 9, 30), madrid(2026, 12, 11, 12, 0)) == 0
    # 5 business minutes from Friday 17:58 are Monday 09:03
    assert s.add_business_seconds(madrid(2026, 12, 11, 17, 58), 300) == madrid(2026, 12, 14, 9, 3)


def test_spring_forward_day_keeps_wall_clock_slots() -> None:
    """Sunday 29 March 2026 Madrid skips 02:00-03:00; a night slot 01:00-04:00 lasts 2 h."""
    hours = BusinessHours.model_validate(
        {"always_open": False, "week": {"sun": [{"start": "01:00", "end": "04:00"}]}}
    )
    s = Schedule.of(hours, "Europe/Madrid")
    day_start = madrid(2026, 3, 29, 0, 0)
    assert s.business_seconds(day_start, day_start + timedelta(hours=6)) == 2 * 3600
    # a slot starting inside the gap (02:30) starts when the clock reads 03:00
    gap = BusinessHours.model_validate(
        {"always_open": False, "week": {"sun": [{"start": "02:30", "end": "05:00"}]}}
    )
    g = Schedule.of(gap, "Europe/Madrid")
    assert g.next_opening(day_start) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    # an ordinary 09:00 slot is 09:00 local either side of the change: 08:00 UTC, then 07:00
    o = office()
    assert o.next_opening(madrid(2026, 3, 27, 19, 0)) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert o.next_opening(madrid(2026, 3, 26, 19, 0)) == datetime(2026, 3, 27, 8, tzinfo=UTC)


def test_fall_back_day_counts_the_repeated_hour() -> None:
    """Sunday 25 October 2026 Madrid repeats 02:00-03:00; a slot 00:00-04:00 lasts 5 h."""
    hours = BusinessHours.model_validate(
        {"always_open": False, "week": {"sun": [{"start": "00:00", "end": "04:00"}]}}
    )
    s = Schedule.of(hours, "Europe/Madrid")
    start = datetime(2026, 10, 24, 20, tzinfo=UTC)
    assert s.business_seconds(start, start + timedelta(days=1)) == 5 * 3600


def test_other_time_zone_and_naive_instants_refused() -> None:
    ny = office(zone="America/New_York")
    assert ny.is_open(datetime(2026, 12, 7, 14, 30, tzinfo=UTC))  # 09:30 in New York
    assert not ny.is_open(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))  # 04:30 there
    with pytest.raises(ValueError, match="aware"):
        ny.business_seconds(datetime(2026, 12, 7), datetime(2026, 12, 8))
