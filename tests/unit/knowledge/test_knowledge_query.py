from __future__ import annotations

import pytest
from tests.unit.knowledge.corpus_fixtures import chunks

from guiders.knowledge.index import KnowledgeIndex
from guiders.knowledge.query import HistoryTurn, context_from_history


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(chunks())


def test_context_is_the_visitors_previous_messages_most_recent_first() -> None:
    history = [
        HistoryTurn("user", "hello"),
        HistoryTurn("agent", "Hi! How can I help?"),
        HistoryTurn("visitor", "I want to use your API keys"),
        HistoryTurn("assistant", "Sure."),
    ]
    assert context_from_history(history) == "I want to use your API keys"
    assert context_from_history(history, user_turns=2) == "I want to use your API keys hello"
    assert context_from_history([]) == ""
    assert len(context_from_history([HistoryTurn("user", "x" * 5000)])) == 400


def test_a_follow_up_inherits_the_topic_of_the_conversation(index: KnowledgeIndex) -> None:
    question = "how do I create one?"
    history = [HistoryTurn("user", "tell me about API keys"), HistoryTurn("agent", "...")]
    alone = index.search(question).hits[0]
    followed = index.search(question, context_from_history(history)).hits[0]
    assert followed.chunk.heading_path == ("API keys", "Create an API key")
    assert followed.score > alone.score or alone.chunk.document_id != "api-keys"


def test_a_question_that_stands_alone_is_not_pulled_back_to_the_old_topic(
    index: KnowledgeIndex,
) -> None:
    context = context_from_history([HistoryTurn("user", "tell me about API keys")])
    assert index.search("how long does delivery to Spain take?", context).hits[
        0
    ].chunk.document_id == ("shipping")
