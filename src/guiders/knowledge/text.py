"""Words that carry content, the same for documents and questions (English and Spanish)."""

from __future__ import annotations

from guiders.bot.language import words

_STOPWORDS = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves ll re ve don doesn didn isn aren
wasn weren won wouldn shouldn couldn also please thanks thank hi hello hey ok okay tell know
like get got want need let us may might must shall one s t d m
el la los las un una unos unas de del al y o u e ni que en es son por para con sin se su sus lo
le les me te nos mi mis tu tus como cual cuales cuando donde quien quienes porque pero mas muy ya
si no este esta estos estas ese esa esos esas eso esto aqui hay ha he han ser estar fue era
sobre entre hasta desde tambien puedo puede quiero hola gracias
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def content_words(text: str) -> list[str]:
    """Folded words of ``text`` without stopwords, a light plural strip (``keys`` -> ``key``)."""
    out = []
    for word in words(text):
        if word in STOPWORDS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        out.append(word)
    return out
