from __future__ import annotations

import threading

import numpy as np
import pytest
from tests.unit.knowledge.corpus_fixtures import chunks

from guiders.knowledge.chunks import chunk_document, sections_from_text
from guiders.knowledge.index import KnowledgeIndex, encode_chunks


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(chunks())


def test_finds_the_passage_that_answers(index: KnowledgeIndex) -> None:
    cases = {
        "how long does delivery to Spain take?": "shipping",
        "when do I get my money back?": "returns",
        "where can I download my invoices": "invoices",
        "how do I revoke a key": "api-keys",
    }
    for question, document in cases.items():
        hits = index.search(question).hits
        assert hits[0].chunk.document_id == document, question


def test_hits_are_one_per_document_best_first(index: KnowledgeIndex) -> None:
    hits = index.search("revoke an API key").hits
    assert hits[0].chunk.heading_path == ("API keys", "Revoke an API key")
    assert len({h.chunk.document_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_precomputed_vectors_give_the_same_results(index: KnowledgeIndex) -> None:
    vectors = encode_chunks(index.chunks)
    rebuilt = KnowledgeIndex.build(index.chunks, vectors)
    assert np.allclose(rebuilt.vectors, index.vectors, atol=1e-5)
    question = "is shipping free?"
    assert [h.chunk.id for h in rebuilt.search(question).hits] == [
        h.chunk.id for h in index.search(question).hits
    ]
    with pytest.raises(ValueError, match="vectors"):
        KnowledgeIndex.build(index.chunks, vectors[:2])


def test_documents_are_added_replaced_and_removed_without_touching_the_original(
    index: KnowledgeIndex,
) -> None:
    opening = chunk_document(
        "hours", "Opening hours", None, sections_from_text("The shop opens at 9 and closes at 18.")
    )
    added = index.with_document(opening)
    assert added.search("what time does the shop open?").hits[0].chunk.document_id == "hours"
    assert "hours" not in index.document_ids  # the original is untouched (readers keep it)
    changed = chunk_document(
        "hours", "Opening hours", None, sections_from_text("We are open around the clock.")
    )
    replaced = added.with_document(changed)
    assert [c.text for c in replaced.chunks if c.document_id == "hours"] == [
        "We are open around the clock."
    ]
    removed = replaced.without_document("hours")
    assert removed.document_ids == index.document_ids
    assert np.allclose(removed.vectors, index.vectors)


def test_an_empty_index_finds_nothing() -> None:
    empty = KnowledgeIndex.build([])
    assert len(empty) == 0
    assert empty.search("anything").hits == []


def test_reports_memory_and_serves_readers_from_several_threads(index: KnowledgeIndex) -> None:
    assert index.memory_bytes() >= index.vectors.nbytes > 0
    results: list[str] = []

    def ask() -> None:
        results.append(index.search("refund").hits[0].chunk.document_id)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["returns"] * 4
