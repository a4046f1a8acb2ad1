"""A visitor's handle is stable and the same as the browser's (web/src/shared/visitor.test.ts)."""

from __future__ import annotations

from uuid import uuid4

from guiders.domain.visitor_identity import display_name, visitor_handle

# The same examples are pinned in web/src/shared/visitor.test.ts.
EXAMPLES = {
    "00000000-0000-4000-8000-000000000000": "Visitor 1000",
    "ffffffff-0000-4000-8000-000000000000": "Visitor 6295",
    "3f2a9c1e-7b4d-4e8a-9c3f-1a2b3c4d5e6f": "Visitor 8086",
}


def test_handles_match_the_pinned_examples() -> None:
    for visitor_id, handle in EXAMPLES.items():
        assert visitor_handle(visitor_id) == handle


def test_a_handle_is_stable_and_four_digits() -> None:
    visitor_id = uuid4()
    handle = visitor_handle(visitor_id)
    assert handle == visitor_handle(str(visitor_id))
    assert handle.startswith("Visitor ") and len(handle.split()[1]) == 4


def test_name_then_email_then_handle() -> None:
    visitor_id = uuid4()
    assert display_name(visitor_id, " Ana ", "a@x.com") == "Ana"
    assert display_name(visitor_id, None, "a@x.com") == "a@x.com"
    assert display_name(visitor_id, "  ", None) == visitor_handle(visitor_id)
