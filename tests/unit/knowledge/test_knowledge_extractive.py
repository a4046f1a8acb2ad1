from __future__ import annotations

from guiders.knowledge.extractive import extract, trim

PASSAGE = (
    "Returns and refunds. You can return any item within 30 days of delivery. "
    "Our warehouse is in Valencia. Refunds reach your card within ten days after we receive "
    "the parcel. Gift cards cannot be refunded. Learn more."
)


def test_keeps_the_sentences_that_match_the_question_in_reading_order() -> None:
    text = extract(PASSAGE, "when will my refund reach my card?", max_sentences=2)
    assert "Refunds reach your card within ten days" in text
    assert "Valencia" not in text
    assert len(text) <= 420


def test_context_words_help_a_follow_up_pick_its_sentence() -> None:
    text = extract(PASSAGE, "how many days?", context="returning an item", max_sentences=1)
    assert text == "You can return any item within 30 days of delivery."


def test_trims_a_long_reply_at_a_word_with_an_ellipsis() -> None:
    long = "word " * 200
    out = trim(long, 50)
    assert len(out) <= 50
    assert out.endswith("…")
    assert not out[:-1].endswith(" ")
    assert trim("short  text", 50) == "short text"


def test_one_very_long_sentence_is_still_chat_sized() -> None:
    sentence = "The refund " + "and the parcel " * 100 + "arrive."
    assert len(extract(sentence, "refund", max_chars=200)) <= 200


def test_nothing_to_extract_gives_an_empty_reply() -> None:
    assert extract("", "anything") == ""
