"""When a company's people answer: open or not at an instant, the next opening, and how much
business time lies between two instants.

Slots are wall-clock times in the company's time zone, so a slot from 09:00 to 17:00 stays
09:00-17:00 across a daylight-saving change (that day is an hour shorter or longer in UTC).
A slot whose start falls in the hour a spring change skips starts at the first instant after
it; holidays are whole local days without slots. Every instant given or returned is aware.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from guiders.domain.settings import WEEKDAYS, BusinessHours

HORIZON_DAYS = 400
"""How far ahead the next opening is looked for: a schedule closed longer than this is
treated as never opening again."""


@dataclass(frozen=True, slots=True)
class Schedule:
    hours: BusinessHours
    zone: ZoneInfo

    @classmethod
    def of(cls, hours: BusinessHours, time_zone: str) -> Schedule:
        return cls(hours, ZoneInfo(time_zone))

    @property
    def always_open(self) -> bool:
        return self.hours.always_open

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local day, in UTC, in order."""
        if day in self.hours.holidays:
            return []
        slots = self.hours.week.get(WEEKDAYS[day.weekday()], [])
        out = []
        for slot in sorted(slots, key=lambda s: s.start):
            start = _utc(day, slot.start, self.zone)
            end = _utc(day, slot.end, self.zone)
            if end > start:
                out.append((start, end))
        return out

    def _days_from(self, at: datetime) -> Iterator[date]:
        # from the day before: a slot of the previous local day may still run at ``at``
        first = at.astimezone(self.zone).date() - timedelta(days=1)
        for n in range(HORIZON_DAYS + 2):
            yield first + timedelta(days=n)

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        at = _aware(at)
        local_day = at.astimezone(self.zone).date()
        for day in (local_day - timedelta(days=1), local_day):
            if any(start <= at < end for start, end in self.intervals(day)):
                return True
        return False

    def next_opening(self, at: datetime) -> datetime | None:
        """``at`` itself when open, else the start of the next open interval (None: no
        opening within the horizon, e.g. no slots at all)."""
        at = _aware(at)
        if self.is_open(at):
            return at
        for day in self._days_from(at):
            for start, _ in self.intervals(day):
                if start > at:
                    return start
        return None

    def closes_at(self, at: datetime) -> datetime | None:
        """When the interval open at ``at`` ends (None when closed, or always open)."""
        if self.always_open:
            return None
        at = _aware(at)
        local_day = at.astimezone(self.zone).date()
        for day in (local_day - timedelta(days=1), local_day):
            for start, end in self.intervals(day):
                if start <= at < end:
                    return end
        return None

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of open time between two instants (0 when ``end`` is not after ``start``)."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        last_day = end.astimezone(self.zone).date()
        for day in self._days_from(start):
            if day > last_day:
                break
            for a, b in self.intervals(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        return total

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime | None:
        """The instant when ``seconds`` of open time have passed since ``start`` (None when
        the schedule does not open enough within the horizon)."""
        start = _aware(start)
        if self.always_open:
            return start + timedelta(seconds=seconds)
        left = seconds
        for day in self._days_from(start):
            for a, b in self.intervals(day):
                lo = max(a, start)
                if b <= lo:
                    continue
                span = (b - lo).total_seconds()
                if span >= left:
                    return lo + timedelta(seconds=left)
                left -= span
        return None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business hours need aware datetimes")
    return at


def _utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant. In a skipped hour (spring forward) the wall time
    does not exist: the instant is the first one after the gap. In a repeated hour (autumn)
    the first occurrence is taken."""
    local = datetime.combine(day, wall, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    return _first_after_gap(day, wall, zone)


def _first_after_gap(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant whose local reading is not before ``wall`` on ``day``."""
    naive = datetime.combine(day, wall)
    for minutes in range(0, 181):
        candidate = (naive + timedelta(minutes=minutes)).replace(tzinfo=zone)
        back = candidate.astimezone(UTC).astimezone(zone)
        if back.replace(tzinfo=None) == candidate.replace(tzinfo=None):
            return candidate.astimezone(UTC)
    return naive.replace(tzinfo=zone).astimezone(UTC)
