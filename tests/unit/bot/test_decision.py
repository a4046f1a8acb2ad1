"""The bot's decision order and its keyword matching, as tables (no I/O)."""

from __future__ import annotations

import pytest

from guiders.ai.kb_model import Classification
from guiders.bot.decision import Reason, decide
from guiders.bot.language import detect_language, find_keywords
from guiders.bot.settings import DEFAULT_KEYWORDS

SURE = Classification("shipping", 0.95, False, "We ship in 2-4 days")
UNSURE = Classification("shipping", 0.55, False, "We ship in 2-4 days")
OOS = Classification("prices", 0.9, True, None)


PERSON = Classification("human_agent", 0.97, False, "I'll pass you on")


def run(text: str, previous: int, found: Classification) -> Reason | None:
    return decide(
        text,
        previous,
        found,
        keywords=DEFAULT_KEYWORDS,
        max_messages=5,
        threshold=0.8,
        escalation_intents=["human_agent"],
    ).reason


@pytest.mark.parametrize(
    ("text", "previous", "found", "reason"),
    [
        ("how long does shipping take?", 0, SURE, None),
        ("¿precio?", 0, SURE, Reason.KEYWORD),
        ("Quiero una COTIZACIÓN", 0, SURE, Reason.KEYWORD),
        ("es URGENTE", 9, UNSURE, Reason.KEYWORD),  # keywords come first
        ("how long does shipping take?", 5, SURE, Reason.MAX_MESSAGES),
        ("how long does shipping take?", 5, UNSURE, Reason.MAX_MESSAGES),  # before confidence
        ("how long does shipping take?", 4, SURE, None),
        ("how long does shipping take?", 0, UNSURE, Reason.TOO_COMPLEX),
        ("who painted the mona lisa?", 0, OOS, Reason.TOO_COMPLEX),
        ("I want to talk to a person", 0, PERSON, Reason.AGENT_REQUESTED),
        ("I want to talk to a person", 5, PERSON, Reason.MAX_MESSAGES),
    ],
)
def test_decides_in_the_guides_order(
    text: str, previous: int, found: Classification, reason: Reason | None
) -> None:
    assert run(text, previous, found) == reason


def test_a_confidence_exactly_at_the_threshold_is_answered() -> None:
    at = Classification("shipping", 0.8, False, "yes")
    assert run("shipping?", 0, at) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("¿Cuál es el PRECIO?", ["precio"]),
        ("cotizacion por favor", ["cotización"]),  # accent-insensitive both ways
        ("Urgent: price list", ["price", "urgent"]),
        ("preciosa tienda", []),  # whole words only
        ("the prices page", ["prices"]),
        ("", []),
    ],
)
def test_keywords_match_whole_words_ignoring_case_and_accents(text: str, found: list[str]) -> None:
    assert sorted(find_keywords(text, DEFAULT_KEYWORDS)) == sorted(found)


def test_a_keyword_of_several_words_matches_that_sequence() -> None:
    assert find_keywords("I want to TALK to a human!", ["talk to a human"]) == ["talk to a human"]
    assert find_keywords("talk to me, a human", ["talk to a human"]) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿cuánto tarda el envío?", "es"),
        ("hola, tengo una pregunta", "es"),
        ("how long does shipping take?", "en"),
        ("where is my order?", "en"),
        ("ok", "es"),
    ],
)
def test_detects_spanish_or_english(text: str, language: str) -> None:
    assert detect_language(text) == language
