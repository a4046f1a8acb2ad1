"""The bot's cache of KB answers: same text and language hit until the TTL, bounded in size."""

from __future__ import annotations

from guiders.ai.kb_model import Classification
from guiders.bot.kb_cache import KbAnswerCache

FOUND = Classification(intent="hours", confidence=0.93, out_of_scope=False, answer="9 to 5")


def test_a_repeated_question_hits_until_the_ttl_ends() -> None:
    now = [0.0]
    cache = KbAnswerCache(ttl_s=60, clock=lambda: now[0])
    assert cache.get("horario?", "es") is None
    cache.put("horario?", "es", FOUND)
    assert cache.get(" horario? ", "es") == FOUND
    assert cache.get("horario?", "en") is None  # another language is another question
    now[0] = 61.0
    assert cache.get("horario?", "es") is None


def test_it_keeps_the_most_recent_questions_and_a_zero_ttl_keeps_none() -> None:
    cache = KbAnswerCache(ttl_s=60, max_items=2, clock=lambda: 0.0)
    for text in ("a", "b", "c"):
        cache.put(text, "en", FOUND)
    assert cache.get("a", "en") is None and cache.get("c", "en") == FOUND
    off = KbAnswerCache(ttl_s=0)
    off.put("a", "en", FOUND)
    assert off.get("a", "en") is None
