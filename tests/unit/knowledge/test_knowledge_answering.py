from __future__ import annotations

import pytest
from tests.unit.knowledge.corpus_fixtures import chunks

from guiders.knowledge.answerability import FEATURES, LogisticModel, Models, shipped_models
from guiders.knowledge.answering import AnswerSettings, GroundedAnswerer
from guiders.knowledge.index import KnowledgeIndex
from guiders.knowledge.query import HistoryTurn


def _model(names: tuple[str, ...], coef: tuple[float, ...], intercept: float) -> LogisticModel:
    return LogisticModel(names, (0.0,) * len(names), (1.0,) * len(names), coef, intercept)


# Answerable when the top passage's cosine is above 0.3; vague when the question leans on
# "this"/"esto" and several topics are close, unless earlier turns say what it refers to.
MODELS = Models(
    answerability=_model(("dense_top",), (40.0,), -40.0 * 0.3),
    vagueness=_model(("vague_markers", "close_titles", "has_context"), (8.0, 1.0, -20.0), -9.0),
    answer_threshold=0.5,
    clarify_threshold=0.5,
)


@pytest.fixture(scope="module")
def answerer() -> GroundedAnswerer:
    return GroundedAnswerer(KnowledgeIndex.build(chunks()), models=MODELS)


def test_answers_from_the_best_passage_and_cites_it(answerer: GroundedAnswerer) -> None:
    reply = answerer.reply("How do I revoke an API key?", [])
    assert reply.action == "answer"
    assert reply.reason == "answered"
    assert "Revoke" in reply.text
    assert reply.citations[0].document_id == "api-keys"
    assert reply.citations[0].heading_path == ("API keys", "Revoke an API key")
    assert reply.citations[0].url == "https://help.test/api-keys"
    assert reply.answerability > 0.5
    assert reply.grounding is None
    assert reply.language == "en"
    assert reply.retrieval_scores == sorted(reply.retrieval_scores, reverse=True)


def test_hands_off_when_the_documents_do_not_say(answerer: GroundedAnswerer) -> None:
    reply = answerer.reply("Who won the football world cup in 1966?", [])
    assert (reply.action, reply.reason, reply.text, reply.citations) == (
        "handoff",
        "not_in_documents",
        "",
        [],
    )
    assert reply.answerability < 0.5


def test_the_operating_point_is_a_setting() -> None:
    index = KnowledgeIndex.build(chunks())
    question = "How do I revoke an API key?"
    strict = GroundedAnswerer(index, AnswerSettings(answer_threshold=1.1), MODELS)
    lenient = GroundedAnswerer(index, AnswerSettings(answer_threshold=0.0), MODELS)
    assert strict.reply(question, []).action == "handoff"
    assert lenient.reply("Who won the world cup in 1966?", []).action == "answer"


def test_asks_which_topic_when_the_question_is_too_vague(answerer: GroundedAnswerer) -> None:
    reply = answerer.reply("how does this work?", [])
    assert reply.action == "clarify"
    assert reply.reason == "too_vague"
    assert reply.text.startswith("Which one do you mean: ")
    assert reply.text.endswith("?")
    titles = [c.title for c in reply.citations]
    assert len(titles) >= 2 and all(t in reply.text for t in titles)


def test_clarifies_and_answers_in_the_visitors_language(answerer: GroundedAnswerer) -> None:
    reply = answerer.reply("¿cómo funciona esto?", [])
    assert reply.language == "es"
    assert reply.text.startswith("¿A cuál te refieres: ")
    assert " o " in reply.text


def test_history_makes_a_follow_up_answerable(answerer: GroundedAnswerer) -> None:
    history = [HistoryTurn("user", "I need an API key"), HistoryTurn("agent", "Sure.")]
    reply = answerer.reply("how do I create one?", history)
    assert reply.action == "answer"
    assert reply.citations[0].document_id == "api-keys"
    assert "New key" in reply.text


def test_the_shipped_models_load_and_cover_every_feature() -> None:
    models = shipped_models()
    assert set(models.answerability.features) <= set(FEATURES)
    assert set(models.vagueness.features) <= set(FEATURES)
    assert 0.0 < models.answer_threshold < 1.0
    assert "guiders docs fit" in models.provenance
