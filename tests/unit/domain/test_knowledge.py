"""A knowledge source's status machine and the events it records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from guiders.domain.errors import InvalidTransition
from guiders.domain.knowledge import CrawlLimits, KnowledgeSource, SourceKind, SourceStatus

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def source() -> KnowledgeSource:
    return KnowledgeSource.add(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        kind=SourceKind.URL,
        name="help",
        url="https://help.example.com/",
        limits=CrawlLimits(),
        at=NOW,
    )


def test_a_source_goes_queued_crawling_indexed_and_back_for_a_recrawl() -> None:
    s = source()
    s.start(NOW)
    s.indexed(NOW, pages=3, chunks=9, failed=1, next_crawl_at=None)
    assert (s.status, s.page_count, s.chunk_count, s.failed_count) == (
        SourceStatus.INDEXED,
        3,
        9,
        1,
    )
    s.queue(NOW)
    assert s.status is SourceStatus.QUEUED
    types = [e.type for e in s.take_events()]
    assert types == [
        "knowledge.source_added",
        "knowledge.source_indexed",
        "knowledge.source_queued",
    ]


def test_a_failure_keeps_the_counts_of_what_was_indexed_and_says_why() -> None:
    s = source()
    s.start(NOW)
    s.indexed(NOW, pages=3, chunks=9, failed=0, next_crawl_at=None)
    s.queue(NOW)
    s.start(NOW)
    s.failed(NOW, "the site is down", next_crawl_at=None)
    assert s.status is SourceStatus.FAILED and s.error == "the site is down"
    assert s.chunk_count == 9


def test_illegal_moves_are_refused_with_the_current_status() -> None:
    s = source()
    with pytest.raises(InvalidTransition, match="queued"):
        s.indexed(NOW, pages=0, chunks=0, failed=0, next_crawl_at=None)
    s.start(NOW)
    s.queue(NOW)  # a crawl in progress is left alone
    assert s.status is SourceStatus.CRAWLING
