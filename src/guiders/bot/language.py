"""Words, accents and the visitor's language: just enough for keywords and answer choice."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SPANISH_MARKS = set("¿¡ñ")
_SPANISH_WORDS = {
    "hola", "que", "como", "cuanto", "cuanta", "donde", "cuando", "por", "para", "gracias",
    "quiero", "tengo", "puedo", "mi", "el", "la", "los", "las", "es", "un", "una", "de", "del",
    "envio", "pedido", "devolucion", "precio", "horario", "cuenta", "pago", "necesito", "buenas",
    "buenos", "dias", "tardes", "ayuda", "si", "no", "esta", "estan", "hay", "con", "sin",
}  # fmt: skip
_ENGLISH_WORDS = {
    "hello", "hi", "what", "how", "where", "when", "the", "is", "are", "my", "i", "you", "do",
    "does", "can", "order", "shipping", "return", "price", "hours", "account", "thanks", "a",
    "to", "of", "for", "with", "need", "want", "have", "it", "please",
}  # fmt: skip


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"Cotización"`` -> ``"cotizacion"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def find_keywords(text: str, keywords: Iterable[str]) -> list[str]:
    """The keywords present in ``text`` as whole words (a keyword of several words matches
    that sequence of words), each reported once in the configured spelling."""
    tokens = words(text)
    joined = f" {' '.join(tokens)} "
    found = []
    for keyword in keywords:
        kw = " ".join(words(keyword))
        if kw and f" {kw} " in joined and keyword not in found:
            found.append(keyword)
    return found


def detect_language(text: str, default: str = "es") -> str:
    """``"es"`` or ``"en"``: Spanish punctuation, or which function words dominate."""
    if _SPANISH_MARKS.intersection(text.casefold()):
        return "es"
    tokens = words(text)
    es = sum(t in _SPANISH_WORDS for t in tokens) + sum(c in "áéíóú" for c in text.casefold())
    en = sum(t in _ENGLISH_WORDS for t in tokens)
    if es == en:
        return default
    return "es" if es > en else "en"
