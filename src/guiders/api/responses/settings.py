"""A company's settings as the API answers them (``docs/settings.md``)."""

from __future__ import annotations

from typing import Any

from guiders.api.responses import Reply


class SettingsSection(Reply):
    section: str
    revision: int
    """0 while the company still uses the defaults; send it back with a change."""
    updatedAt: str | None
    updatedBy: str | None
    values: dict[str, Any]


class SettingsList(Reply):
    sections: list[SettingsSection]


class SettingsSchemas(Reply):
    """One JSON Schema per section: the console builds its forms and hints from these."""

    schemas: dict[str, dict[str, Any]]


class VisitorSettings(Reply):
    """What the widget shows: its look, the texts per language, and the business hours."""

    sections: dict[str, dict[str, Any]]
