"""Bot test scenarios: the file's validation, and what each expectation reads from the replies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from guiders.bot.scenario_report import pass_k, summarize, write_junit
from guiders.bot.scenario_runner import RunResult
from guiders.bot.scenarios import (
    Expect,
    Reply,
    ScenarioError,
    TurnResult,
    check,
    check_run,
    load,
    parse,
)

DEMO = Path(__file__).resolve().parents[3] / "src" / "guiders" / "bot" / "demo_scenarios.yaml"
SHIPPING = Reply(
    "We ship to Spain and the EU in 2-4 working days.",
    {"intent": "shipping", "confidence": 0.97, "language": "en", "replyTo": "m1"},
)
GROUNDED = Reply(
    "Returns are free for 30 days.",
    {
        "decision": "answer",
        "citations": [
            {"title": "Returns policy", "url": "https://shop/returns", "documentId": "d7"}
        ],
        "language": "en",
    },
)
PENDING = Reply("An agent will be with you.", {"isEscalationPending": True, "language": "en"})
CLARIFY = Reply("Which order do you mean?", {"decision": "clarify", "language": "en"})


def test_the_demo_file_is_valid() -> None:
    scenarios = load(DEMO)
    assert len(scenarios) >= 5
    assert any(t.expect.cites for s in scenarios for t in s.turns)
    assert any(s.expect.never_mentions for s in scenarios)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "a list under 'scenarios'"),
        ({"scenarios": [{"name": "a"}]}, "scenarios[0].turns"),
        ({"scenarios": [{"name": "a", "turns": ["hi"], "expect": {"answer": True}}]}, "unknown"),
        (
            {"scenarios": [{"name": "a", "turns": [{"say": "hi", "expect": {"contains": "("}}]}]},
            "regex",
        ),
        ({"scenarios": [{"name": "a", "turns": ["hi"]}, {"name": "a", "turns": ["x"]}]}, "unique"),
        (
            {"scenarios": [{"name": "a", "turns": [{"say": "hi", "expect": {"language": "fr"}}]}]},
            "en or es",
        ),
        ({"scenarios": [{"name": "a", "turns": [{"say": "  "}]}]}, "1 to 10,000"),
    ],
)
def test_a_bad_file_is_refused_with_the_place(document: Any, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse(document)


def test_cites_reads_citations_or_the_intent() -> None:
    assert check(Expect(cites=("shipping",)), [SHIPPING], False, "t") == []
    assert check(Expect(cites=("returns policy",)), [GROUNDED], False, "t") == []
    assert check(Expect(cites=("d7",)), [GROUNDED], False, "t") == []
    failed = check(Expect(cites=("returns",)), [SHIPPING], False, "t")
    assert failed and "cited ['shipping']" in failed[0]


def test_answers_hand_offs_and_clarifications_are_told_apart() -> None:
    assert check(Expect(answers=True, hands_off=False), [SHIPPING], False, "t") == []
    assert check(Expect(answers=False, hands_off=True), [PENDING], False, "t") == []
    assert check(Expect(hands_off=True), [], True, "t") == []  # the chat was assigned
    assert check(Expect(clarifies=True, answers=False), [CLARIFY], False, "t") == []
    assert check(Expect(answers=True), [PENDING], False, "t")
    assert check(Expect(clarifies=True), [SHIPPING], False, "t")


def test_mentions_language_and_patterns() -> None:
    assert check(Expect(never_mentions=("SPAIN",)), [SHIPPING], False, "t")
    assert check(Expect(never_mentions=("españa",)), [SHIPPING], False, "t") == []
    assert check(Expect(language="es"), [SHIPPING], False, "t")
    spanish = Reply("Enviamos a España en 2 a 4 días.", {})
    assert check(Expect(language="es"), [spanish], False, "t") == []
    assert check(Expect(contains=(r"2-4 working",)), [SHIPPING], False, "t") == []
    assert check(Expect(not_contains=(r"\bEU\b",)), [SHIPPING], False, "t")


def test_silence_after_a_hand_off_is_not_a_failure() -> None:
    (scenario,) = parse(
        {"scenarios": [{"name": "s", "turns": ["a quote please", "hello?"], "expect": {}}]}
    )
    turns = [TurnResult("a quote please", [PENDING]), TurnResult("hello?", [], timed_out=True)]
    assert check_run(scenario, turns) == []
    silent = [TurnResult("a quote please", [], timed_out=True)]
    assert "no reply before the deadline" in check_run(scenario, silent)[0]


def test_pass_k_needs_every_run_and_junit_lists_the_failures(tmp_path: Path) -> None:
    results = [
        RunResult("a", 1, [], [], 1.0),
        RunResult("a", 2, [], [], 1.0),
        RunResult("b", 1, [], [], 1.0),
        RunResult("b", 2, [], ["turn 1: expected an answer"], 1.0),
    ]
    summaries = summarize(results)
    assert [s.passed for s in summaries] == [True, False]
    assert pass_k(summaries) == 0.5
    path = tmp_path / "report.xml"
    write_junit(summaries, 2, path)
    text = path.read_text()
    assert 'tests="2" failures="1"' in text and "run 2: turn 1: expected an answer" in text


def test_an_intent_answer_after_the_documents_handed_off_is_an_answer() -> None:
    after_documents = Reply(
        "We ship in 2-4 days.",
        {"decision": "intent", "intent": "shipping", "citations": [], "language": "en"},
    )
    assert check(Expect(answers=True, cites=("shipping",)), [after_documents], False, "t") == []
    document = Reply(
        "Free returns.",
        {"decision": "answer", "intent": "returns", "citations": [{"title": "Shipping FAQ"}]},
    )
    # a document answer is judged by what it cites, not by the intent classifier's guess
    assert check(Expect(cites=("returns",)), [document], False, "t")
    assert check(Expect(cites=("shipping faq",)), [document], False, "t") == []
    handoff = Reply("Let me find someone.", {"decision": "handoff", "language": "en"})
    assert check(Expect(answers=False, hands_off=True), [handoff], False, "t") == []
