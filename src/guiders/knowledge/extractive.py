"""The offline answer: the passage's sentences that best match the question, in their order.

Sentences are scored by the question's content words they contain (each word weighted by how
rare it is among the passage's sentences, so "refund" counts more than "order" in a page about
orders), with a small bonus for the passage's opening sentence, which often states the topic.
The best ones are kept in reading order up to a chat-sized length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from guiders.knowledge.chunks import split_sentences
from guiders.knowledge.text import content_words

REPLY_CHARS = 420  # about three chat lines
MAX_SENTENCES = 3


def extract(
    passage: str,
    question: str,
    context: str = "",
    *,
    max_chars: int = REPLY_CHARS,
    max_sentences: int = MAX_SENTENCES,
    title: str = "",
) -> str:
    """The best sentences of ``passage`` for ``question`` (``context`` words count half)."""
    sentences = [s for s in split_sentences(passage) if s.strip() and s.strip() != title.strip()]
    if not sentences:
        return ""
    question_words = set(content_words(question))
    context_words = set(content_words(context)) - question_words
    bags = [set(content_words(s)) for s in sentences]
    scores = [_score(i, bag, bags, question_words, context_words) for i, bag in enumerate(bags)]
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    length = 0
    for i in ranked:
        if len(chosen) == max_sentences:
            break
        extra = len(sentences[i]) + 1
        if chosen and length + extra > max_chars:
            continue
        chosen.append(i)
        length += extra
    text = " ".join(sentences[i] for i in sorted(chosen))
    return trim(text, max_chars)


def _score(
    index: int,
    bag: set[str],
    bags: Sequence[set[str]],
    question_words: set[str],
    context_words: set[str],
) -> float:
    def weight(word: str) -> float:
        containing = sum(word in b for b in bags)
        return math.log(1 + len(bags) / max(containing, 1))

    score = sum(weight(w) for w in bag & question_words)
    score += 0.5 * sum(weight(w) for w in bag & context_words)
    if index == 0:
        score += 0.3
    if len(bag) < 3:  # fragments ("Learn more") say little on their own
        score -= 0.5
    return score


def trim(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary with an ellipsis when longer than ``max_chars``."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars - 1)
    return text[: cut if cut > 0 else max_chars - 1].rstrip(",;:") + "…"
