"""Which facts in the event log are a visitor's personal data, and how they are set aside.

The log is append-only, so a visitor's data in it cannot be deleted row by row. It is
*crypto-shredded* instead: the store encrypts the personal fields of each event with a key of
the visitor it is about, and erasing the visitor deletes the key (``store/visitor_keys.py``).
This module is the pure part of that: the catalogue of personal fields per event type, whose
key an event is sealed with, and the payload as stored (personal values replaced by
placeholders) and as read back, opened or erased.

A field is named by a path: ``content``, ``metadata.initial_url`` (a key of a nested object),
``events[].url`` (that key in every item of a list). A stored payload holds, in place of each
personal value, a placeholder of the same JSON type: ``"[erased]"`` for a string or a number,
``{}`` for an object, ``[]`` for a list. Readers that cannot open it (the key is gone) get those
placeholders and the list of erased paths under ``_erased``: code written for the live shape
(a message's ``content[:120]``, a profile's keys) keeps working on an erased event.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID

ERASED = "[erased]"
"""What an erased string (or number) reads as."""
ERASED_KEY = "_erased"
"""The payload key listing the erased paths of an event whose key was deleted."""
SEALED_KEY = "_sealed"
"""The stored payload's envelope: ``{subject, paths, data}`` (never seen past the store)."""

_PROFILE = (
    "fingerprint",
    "name",
    "email",
    "phone",
    "user_agent",
    "source",
    "campaign",
    "time_zone",
    "location",
    "current_url",
    "referrer",
)

PERSONAL: dict[str, tuple[str, ...]] = {
    "visitor.registered": _PROFILE,
    "visitor.profile_updated": _PROFILE,
    "visitor.session_started": _PROFILE,
    "visitor.activity_tracked": ("events[].url", "events[].metadata"),
    "visitor.analyzed": ("features", "profile", "context", "top_factors"),
    "chat.created": (
        "visitor_info.name",
        "visitor_info.email",
        "visitor_info.phone",
        "visitor_info.location",
        "metadata.initial_url",
        "metadata.custom_fields",
    ),
    "chat.custom_fields_changed": ("custom_fields",),
    "chat.status_changed": ("reason", "resolution"),
    "message.sent": ("content", "sender_name", "metadata"),
}
"""Personal fields by event type (schema 2 names). A type not listed holds none: ids, states,
scores, times. Adding a path only changes what is sealed from then on."""

_FLAT = frozenset(
    type for type, paths in PERSONAL.items() if not any("." in p or "[]" in p for p in paths)
)
"""Types whose personal fields are all top-level keys: set aside without a deep copy."""


def subject_of(
    type: str, aggregate_type: str, aggregate_id: UUID, payload: Mapping[str, Any]
) -> UUID | None:
    """The visitor whose key seals the event, when it names one (None: look it up, or none)."""
    if type not in PERSONAL:
        return None
    if aggregate_type == "visitor":
        return aggregate_id
    raw = payload.get("visitor_id")
    if isinstance(raw, str):
        try:
            return UUID(raw)
        except ValueError:
            return None
    return None


def set_aside(type: str, payload: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(public, personal)``: the payload with placeholders for its personal values, and
    those values by path (lists of them, in order). ``personal`` is empty when there are none."""
    paths = PERSONAL.get(type, ())
    personal: dict[str, Any] = {}
    if not paths:
        return dict(payload), personal
    if type in _FLAT:  # top-level keys only (a message): no copy of nested values, no walk
        public: dict[str, Any] = dict(payload)
        for key in paths:
            value = public.get(key)
            if value is not None:
                personal[key] = [value]
                public[key] = placeholder(value)
        return public, personal
    public = copy.deepcopy(dict(payload))
    for path in paths:
        values: list[Any] = []
        for holder, key in _slots(public, path.split(".")):
            values.append(holder[key])
            holder[key] = placeholder(holder[key])
        if values:
            personal[path] = values
    return public, personal


def put_back(public: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as it was appended: ``public`` with the personal values in their places."""
    out: dict[str, Any] = copy.deepcopy(dict(public))
    for path, values in personal.items():
        for (holder, key), value in zip(_slots(out, path.split(".")), values, strict=False):
            holder[key] = value
    return out


def erased(public: Mapping[str, Any], paths: list[str]) -> dict[str, Any]:
    """The payload of an event whose key was deleted: placeholders, and which paths they are."""
    return {**public, ERASED_KEY: list(paths)}


def placeholder(value: Any) -> Any:
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    return ERASED


def _slots(obj: Any, parts: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every ``(holder, key)`` the path reaches whose value is not null."""
    if not parts or not isinstance(obj, dict):
        return
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    value = obj.get(key)
    if value is None:
        return
    if many:
        if isinstance(value, list):
            for item in value:
                yield from _slots(item, rest)
    elif not rest:
        yield obj, key
    else:
        yield from _slots(value, rest)
