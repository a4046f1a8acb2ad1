"""Hybrid retrieval over chunks: BM25 (``bm25s``) and the bundled MiniLM encoder, fused.

An index is immutable once built, so any number of threads may search it while a new one is
built beside it; :meth:`KnowledgeIndex.with_document` and :meth:`without_document` return a new
index that reuses every stored vector (only BM25 is re-indexed, about a second for 10,000
chunks), and the holder swaps one reference. Chunk vectors can come from the database
(:func:`encode_chunks` once at ingestion), so a node rebuilds its index without re-encoding.

The query is the visitor's question plus, with a smaller weight, the earlier user turns that
make it stand alone (see :mod:`guiders.knowledge.query`): both lists score the two parts
separately and mix the scores, instead of concatenating text that would let a long earlier
turn drown a short question.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from guiders.knowledge.chunks import Chunk
from guiders.knowledge.text import content_words

if TYPE_CHECKING:
    from guiders.ai.embeddings import Encoder

FloatArray = npt.NDArray[np.float32]
Progress = Callable[[int, int], None]

# Passages are longer than questions: the encoder reads up to 256 tokens of a chunk.
CHUNK_TOKENS = 256

_shared_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def default_encoder() -> Encoder:
    """The process's one MiniLM encoder (loading it costs ~1 s and ~90 MB)."""
    global _shared_encoder
    with _encoder_lock:
        if _shared_encoder is None:
            from guiders.ai.embeddings import Encoder

            _shared_encoder = Encoder()
        return _shared_encoder


def encode_chunks(
    chunks: Sequence[Chunk],
    encoder: Encoder | None = None,
    *,
    batch_size: int = 32,
    progress: Progress | None = None,
) -> FloatArray:
    """L2-normalised vectors of the chunks' indexed text, one row per chunk, float32."""
    import torch

    encoder = encoder or default_encoder()
    texts = [c.indexed_text for c in chunks]
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    tokenizer = encoder.model.tokenizer
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=CHUNK_TOKENS,
                return_tensors="pt",
            )
            hidden = encoder.transformer(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(pooled, dim=-1)
            out[idx] = vectors.numpy().astype(np.float32)
            if progress is not None:
                progress(min(start + batch_size, len(order)), len(order))
    return out


@dataclass(frozen=True, slots=True)
class RetrievalSettings:
    """How the two lists are fused; defaults tuned on the dev sets (docs/knowledge.md)."""

    lexical_weight: float = 0.3  # of the max-normalised BM25 score, beside the cosine
    context_lexical: float = 0.35  # weight of earlier user turns in the BM25 score
    context_dense: float = 0.35  # ... and in the query vector (before normalising)
    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True, slots=True)
class Hit:
    """One chunk as retrieval saw it."""

    chunk: Chunk
    score: float  # fused, what the hits are sorted by
    lexical: float  # BM25 of question + weighted context
    dense: float  # cosine of question (+ weighted context) to the chunk
    lexical_rank: int  # 0-based rank in the BM25 list
    dense_rank: int


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The ranked hits, best first, one per document, and the lists' tops for features."""

    hits: list[Hit]
    lexical_max: float
    dense_max: float
    question_terms: tuple[str, ...]
    term_idf: dict[str, float] = field(default_factory=dict)  # of the question's terms


@lru_cache(maxsize=1024)
def _embed_cached(encoder: Encoder, text: str) -> FloatArray:
    vector = encoder.embed_one(text)
    vector.setflags(write=False)  # shared between callers
    return vector


class KnowledgeIndex:
    """Chunks with their BM25 index and vectors; read-only after construction."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        vectors: FloatArray,
        settings: RetrievalSettings,
        encoder: Encoder | None,
        tokens: Sequence[tuple[str, ...]] | None = None,
    ) -> None:
        """``tokens``: the chunks' words when known (kept from the index this one derives
        from, so replacing one document does not re-tokenise the others)."""
        import bm25s

        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.settings = settings
        self._encoder = encoder
        self._bm25: bm25s.BM25 | None = None
        self._vocab: dict[str, int] = {}
        self._document_frequency: dict[str, int] = {}
        if tokens is None or len(tokens) != len(self.chunks):
            tokens = [tuple(content_words(c.indexed_text)) for c in self.chunks]
        self._tokens: tuple[tuple[str, ...], ...] = tuple(tokens)
        if self.chunks:
            self._bm25 = bm25s.BM25(k1=settings.k1, b=settings.b)
            vocab: dict[str, int] = {}
            ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokens]
            self._bm25.index(
                bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False
            )
            self._vocab = vocab
            frequency: dict[str, int] = {}
            for doc in tokens:
                for term in set(doc):
                    frequency[term] = frequency.get(term, 0) + 1
            self._document_frequency = frequency

    @classmethod
    def build(
        cls,
        chunks: Sequence[Chunk],
        vectors: FloatArray | None = None,
        *,
        settings: RetrievalSettings | None = None,
        encoder: Encoder | None = None,
        progress: Progress | None = None,
    ) -> KnowledgeIndex:
        """An index of ``chunks``; ``vectors`` (from :func:`encode_chunks`) skip encoding."""
        if vectors is None:
            if chunks:
                vectors = encode_chunks(chunks, encoder, progress=progress)
            else:
                vectors = np.zeros((0, 384), dtype=np.float32)
        return cls(chunks, vectors, settings or RetrievalSettings(), encoder)

    @property
    def encoder(self) -> Encoder:
        return self._encoder or default_encoder()

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def document_ids(self) -> list[str]:
        return list(dict.fromkeys(c.document_id for c in self.chunks))

    def with_document(
        self, chunks: Sequence[Chunk], vectors: FloatArray | None = None
    ) -> KnowledgeIndex:
        """A new index where these chunks replace any earlier chunks of their documents."""
        replaced = {c.document_id for c in chunks}
        if vectors is None:
            vectors = encode_chunks(chunks, self._encoder) if chunks else None
        keep = [i for i, c in enumerate(self.chunks) if c.document_id not in replaced]
        new_chunks = [self.chunks[i] for i in keep] + list(chunks)
        parts = [self.vectors[keep]] + ([vectors] if vectors is not None else [])
        tokens = [self._tokens[i] for i in keep] + [
            tuple(content_words(c.indexed_text)) for c in chunks
        ]
        return KnowledgeIndex(new_chunks, np.vstack(parts), self.settings, self._encoder, tokens)

    def without_document(self, document_ids: str | Iterable[str]) -> KnowledgeIndex:
        gone = {document_ids} if isinstance(document_ids, str) else set(document_ids)
        keep = [i for i, c in enumerate(self.chunks) if c.document_id not in gone]
        return KnowledgeIndex(
            [self.chunks[i] for i in keep],
            self.vectors[keep],
            self.settings,
            self._encoder,
            [self._tokens[i] for i in keep],
        )

    def memory_bytes(self) -> int:
        """Approximate resident size: vectors, BM25 matrix, vocabulary and chunk texts."""
        size = self.vectors.nbytes
        if self._bm25 is not None:
            for value in self._bm25.scores.values():
                size += getattr(value, "nbytes", 0)
        size += sum(len(k) + 160 for k in self._vocab)  # vocabulary and document frequency
        size += sum(56 + 8 * len(t) for t in self._tokens)  # token tuples (words are shared)
        size += sum(len(c.text) + len(c.title) + len(c.id) + 200 for c in self.chunks)
        return size

    # -- search -------------------------------------------------------------------------------

    def lexical_scores(self, terms: Sequence[str]) -> FloatArray:
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if not ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(ids), dtype=np.float32)

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency; an unknown term counts as the rarest."""
        n, df = len(self.chunks), self._document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def embed_query(self, text: str) -> FloatArray:
        """The query's vector; the last 1,024 are kept, because a visitor's previous message,
        the context of this one, was the question of the previous search."""
        return _embed_cached(self.encoder, text)

    def search(self, question: str, context: str = "", k: int = 8) -> Retrieval:
        """The ``k`` best documents for ``question`` (its best chunk each), best first."""
        terms = tuple(content_words(question))
        if not self.chunks:
            return Retrieval([], 0.0, 0.0, terms)
        idf = {t: self.idf(t) for t in terms}
        s = self.settings
        lexical = self.lexical_scores(terms)
        query_vector = self.embed_query(question)
        if context:
            lexical = lexical + s.context_lexical * self.lexical_scores(content_words(context))
            context_vector = self.embed_query(context)
            query_vector = query_vector + s.context_dense * context_vector
            query_vector = query_vector / max(float(np.linalg.norm(query_vector)), 1e-9)
        dense = self.vectors @ query_vector
        lexical_max = float(lexical.max())
        fused = dense + s.lexical_weight * (lexical / lexical_max if lexical_max > 0 else 0.0)
        return Retrieval(
            self._top_documents(fused, lexical, dense, k),
            lexical_max,
            float(dense.max()),
            terms,
            idf,
        )

    def _top_documents(
        self, fused: FloatArray, lexical: FloatArray, dense: FloatArray, k: int
    ) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[str] = set()
        take = min(len(fused), max(4 * k, 32))
        order = np.argpartition(-fused, take - 1)[:take] if take < len(fused) else np.arange(take)
        for i in sorted(order.tolist(), key=lambda j: -float(fused[j])):
            chunk = self.chunks[i]
            if chunk.document_id in seen:
                continue
            seen.add(chunk.document_id)
            hits.append(
                Hit(
                    chunk,
                    float(fused[i]),
                    float(lexical[i]),
                    float(dense[i]),
                    int(np.count_nonzero(lexical > lexical[i])),  # O(n), for a few hits only
                    int(np.count_nonzero(dense > dense[i])),
                )
            )
            if len(hits) == k:
                break
        return hits
