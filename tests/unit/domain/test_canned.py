"""Canned responses: shortcuts, variables, several snippets in one message, who sees which."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from guiders.domain.canned import CannedResponse, checked, expand, fill, visible
from guiders.domain.errors import ValidationFailed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
COMPANY = uuid4()
AGENT = uuid4()
OTHER = uuid4()


def canned(shortcut: str, content: str, owner: UUID | None = None) -> CannedResponse:
    return CannedResponse(uuid4(), COMPANY, owner, shortcut, shortcut, content, NOW, NOW)


VARIABLES = {"visitor.name": "Ana", "agent.name": "Ben", "visitor.email": None}


def test_variables_are_filled_and_unknown_or_empty_ones_stay_as_written() -> None:
    text = "Hi {visitor.name}, I am {agent.name} ({visitor.email}) {weird.var} {x}"
    assert fill(text, VARIABLES) == "Hi Ana, I am Ben ({visitor.email}) {weird.var} {x}"


def test_several_snippets_go_into_one_message() -> None:
    responses = {
        "hi": canned("hi", "Hello {visitor.name}!"),
        "sig": canned("sig", "-- {agent.name}"),
    }
    text, used = expand("/hi thanks for waiting. /sig", responses, VARIABLES)
    assert text == "Hello Ana! thanks for waiting. -- Ben"
    assert used == ["hi", "sig"]


def test_unknown_shortcuts_urls_and_paths_are_left_alone() -> None:
    responses = {"pricing": canned("pricing", "Our prices: ...")}
    original = "see https://x.com/pricing and a/pricing or /nope or /pricing/plans"
    assert expand(original, responses, VARIABLES) == (original, [])


def test_expansion_runs_once() -> None:
    responses = {"a": canned("a", "see /b"), "b": canned("b", "B!")}
    assert expand("/a", responses, VARIABLES) == ("see /b", ["a"])


def test_an_agents_own_shortcut_hides_the_companys_and_others_are_invisible() -> None:
    company = canned("hi", "company hello")
    mine = canned("hi", "my hello", AGENT)
    theirs = canned("bye", "their bye", OTHER)
    seen = visible([mine, company, theirs], AGENT)
    assert list(seen) == ["hi"]
    assert seen["hi"] is mine
    assert visible([company, theirs], OTHER)["hi"] is company


@pytest.mark.parametrize(
    ("shortcut", "field"),
    [("", "shortcut"), ("Has Space", "shortcut"), ("-x", "shortcut"), ("a" * 33, "shortcut")],
)
def test_bad_shortcuts_are_refused_naming_the_field(shortcut: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        checked(shortcut, "t", "content")
    assert caught.value.field == field


def test_fields_are_normalised() -> None:
    assert checked(" /Hello ", "", " text ") == ("hello", "hello", "text")
    with pytest.raises(ValidationFailed):
        checked("ok", "t", "   ")
