from __future__ import annotations

from guiders.knowledge.chunks import Section, chunk_document, sections_from_text, split_sentences

MARKDOWN = """Intro before any heading.

# API keys
An API key lets a program call the API.

## Create a key
Open Settings > API keys and press Create.

```
# not a heading: a comment in code
```

## Revoke a key
Press Revoke next to the key.

Billing
=======
We bill monthly.
"""


def test_markdown_headings_become_heading_paths() -> None:
    sections = sections_from_text(MARKDOWN)
    assert [s.heading_path for s in sections] == [
        (),
        ("API keys",),
        ("API keys", "Create a key"),
        ("API keys", "Revoke a key"),
        ("Billing",),
    ]
    assert "# not a heading" in sections[2].text
    assert sections[4].text == "We bill monthly."


def test_plain_text_is_one_section() -> None:
    assert sections_from_text("Just text.\n\nTwo paragraphs.") == [
        Section((), "Just text.\n\nTwo paragraphs.")
    ]
    assert sections_from_text("   \n\n") == []


def test_chunks_follow_headings_and_have_stable_ids() -> None:
    chunks = chunk_document("doc-1", "Help", "https://x.test/help", sections_from_text(MARKDOWN))
    assert [c.id for c in chunks] == [f"doc-1#{i}" for i in range(5)]
    assert chunks[2].heading_path == ("API keys", "Create a key")
    assert chunks[2].url == "https://x.test/help"
    assert chunks[2].indexed_text.startswith("Help > API keys > Create a key\n")
    again = chunk_document("doc-1", "Help", "https://x.test/help", sections_from_text(MARKDOWN))
    assert again == chunks


def test_long_sections_split_on_paragraphs_then_sentences() -> None:
    sentence = "The quick brown fox jumps over the lazy dog near the river bank today."
    paragraph = " ".join([sentence] * 30)  # ~2,100 characters, one paragraph
    text = f"Short first paragraph.\n\n{paragraph}"
    chunks = chunk_document("d", "T", None, [Section(("H",), text)], max_chars=500)
    assert all(len(c.text) <= 500 for c in chunks)
    assert len(chunks) >= 5
    assert chunks[0].text.startswith("Short first paragraph.")
    for c in chunks[1:]:
        assert c.text.endswith(".")  # cut between sentences, never inside one
        assert c.heading_path == ("H",)
    assert "".join(c.text for c in chunks).replace(" ", "").replace("\n", "") == text.replace(
        " ", ""
    ).replace("\n", "")


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    chunks = chunk_document("d", "T", None, [Section((), words)], max_chars=100)
    assert all(len(c.text) <= 100 for c in chunks)
    assert " ".join(c.text for c in chunks) == words


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    assert split_sentences("Call us e.g. by phone. Then wait! Done? Yes.") == [
        "Call us e.g. by phone.",
        "Then wait!",
        "Done?",
        "Yes.",
    ]


def test_lines_wrapped_inside_a_sentence_are_one_sentence_but_list_items_are_not() -> None:
    wrapped = (
        "Express shipping delivers within 24 hours on working days to mainland Spain and"
        " within 48 hours\nto the rest of the EU. The Balearic and Canary Islands, Ceuta and"
        " Melilla add 2 working days\nto both options."
    )
    assert split_sentences(wrapped) == [
        "Express shipping delivers within 24 hours on working days to mainland Spain and"
        " within 48 hours to the rest of the EU.",
        "The Balearic and Canary Islands, Ceuta and Melilla add 2 working days to both options.",
    ]
    assert split_sentences("You can pay by:\n- card\n- PayPal\n1. first\n2. second") == [
        "You can pay by:",
        "- card",
        "- PayPal",
        "1. first",
        "2. second",
    ]
    assert split_sentences("Is it free?\nYes") == ["Is it free?", "Yes"]
