"""Settings sections refuse bad values by field and read old documents back safely."""

from __future__ import annotations

import pytest

from guiders.domain import settings
from guiders.domain.errors import ValidationFailed


def test_defaults_exist_for_every_section() -> None:
    for name in settings.SECTIONS:
        assert settings.to_document(settings.defaults(name))


@pytest.mark.parametrize(
    ("section", "document", "field"),
    [
        ("widget", {"colour": "red"}, "colour"),
        ("widget", {"greetings": {"english": "hi"}}, "greetings"),
        ("company", {"time_zone": "Mars/Olympus"}, "time_zone"),
        ("bot", {"answer_threshold": 1.5}, "answer_threshold"),
        ("bot", {"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ("business_hours", {"week": {"mon": [{"start": "17:00", "end": "09:00"}]}}, "week.mon.0"),
        ("privacy", {"retention_days": 0}, "retention_days"),
        ("routing", {"unknown": 1}, "unknown"),
    ],
)
def test_a_bad_value_names_its_field(section: str, document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        settings.parse(section, document)
    assert raised.value.field == field


def test_overlapping_slots_are_refused() -> None:
    week = {"tue": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "18:00"}]}
    with pytest.raises(ValidationFailed, match="overlap"):
        settings.parse("business_hours", {"always_open": False, "week": week})


def test_an_unknown_section_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as raised:
        settings.parse("colours", {})
    assert raised.value.field == "section"


def test_a_stored_document_from_another_release_falls_back_to_defaults() -> None:
    old = {"colour": "#112233", "retired_field": True}
    assert settings.stored("widget", old).colour == "#112233"  # type: ignore[attr-defined]
    broken = {"colour": 42}
    assert settings.stored("widget", broken) == settings.defaults("widget")


def test_changed_fields_lists_what_differs() -> None:
    before = settings.defaults("bot")
    after = settings.parse("bot", {"name": "Robin", "max_bot_messages": 3})
    assert settings.changed_fields(before, after) == ["max_bot_messages", "name"]
