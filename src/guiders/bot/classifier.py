"""The knowledge base's classifier as the bot calls it: off the event loop, on one thread,
behind a cache of the questions already asked."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from guiders.ai.kb_model import Classification
from guiders.bot.kb_cache import KbAnswerCache


class Classifier(Protocol):
    def classify(self, text: str, language: str | None = None) -> Classification: ...


class CachedClassifier:
    def __init__(self, kb: Classifier, cache_ttl_s: float) -> None:
        self.kb = kb
        self.cache = KbAnswerCache(cache_ttl_s)
        # One thread for the model: the tokenizer is not safe to share between threads, and
        # one query at a time leaves the other core to the server.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb")

    async def classify(self, text: str, language: str) -> Classification:
        cached = self.cache.get(text, language)
        if cached is not None:
            return cached
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(self._thread, self.kb.classify, text, language)
        self.cache.put(text, language, found)
        return found

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
