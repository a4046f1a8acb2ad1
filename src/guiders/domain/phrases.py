"""What the bot and the server say to visitors, per language, from translation files.

Each language is one JSON file in ``domain/locales/`` (``en.json``, ``es.json``): a third
language is a new file with the same keys, not code. A key missing from a language falls back
to English; a language we have no file for is English. ``{name}``-style fields are filled in by
the caller. ``tests/unit/domain/test_phrases.py`` checks every file has every English key.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

FALLBACK = "en"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every language's phrases, by language tag."""
    out: dict[str, dict[str, str]] = {}
    for entry in resources.files("guiders.domain").joinpath("locales").iterdir():
        if entry.name.endswith(".json"):
            out[entry.name.removesuffix(".json")] = json.loads(entry.read_text("utf-8"))
    return out


def languages() -> list[str]:
    return sorted(catalogue())


def base_language(tag: str | None) -> str:
    """``en-GB`` -> ``en``; an unknown or empty tag -> English."""
    short = (tag or "").split("-")[0].lower()
    return short if short in catalogue() else FALLBACK


def phrase(key: str, language: str | None, **values: Any) -> str:
    texts = catalogue()
    lang = base_language(language)
    template = texts[lang].get(key) or texts[FALLBACK][key]
    return template.format(**values) if values else template
