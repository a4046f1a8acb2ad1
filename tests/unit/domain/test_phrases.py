"""The visitor-facing texts of the bot and the server come from translation files."""

from __future__ import annotations

import string

from guiders.domain.phrases import base_language, catalogue, phrase


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_english_key_with_the_same_fields() -> None:
    texts = catalogue()
    assert {"en", "es"} <= set(texts)
    for language, phrases in texts.items():
        assert set(phrases) == set(texts["en"]), language
        for key, text in phrases.items():
            assert fields(text) == fields(texts["en"][key]), (language, key)


def test_a_language_we_lack_is_english_and_regions_use_their_language() -> None:
    assert base_language("es-MX") == "es"
    assert base_language("xx") == "en" and base_language(None) == "en"
    assert phrase("handoff.joining", "es-ES", agent="Ana").startswith("Te paso con Ana")
    assert phrase("handoff.joining", "xx", agent="Ana").startswith("I'm passing you to Ana")
