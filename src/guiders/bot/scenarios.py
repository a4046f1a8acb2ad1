"""Bot test scenarios: a YAML file of conversations and what must happen in them.

Pure: loading, validation and the checks of one run. Running them against a server as a
visitor is :mod:`guiders.bot.scenario_runner`; the report is :mod:`guiders.bot.scenario_report`.

A file::

    scenarios:
      - name: shipping, in English
        turns:
          - say: how long does shipping take?
            expect: {answers: true, cites: shipping, language: en, contains: ["working days"]}
      - name: a price question goes to a person
        turns:
          - say: what is the price for 500 units?
        expect: {hands_off: true, never_mentions: ["discount"]}

``expect`` on a turn reads the bot's replies to that turn; on the scenario, every reply of the
conversation (the welcome excluded). What each expectation reads from a reply (a message of the
bot or the system, with its ``metadata``):

- ``answers``: an answer, from the documents (``decision: answer``) or the intents, i.e. not a
  hand-off, a fallback or a clarifying question;
- ``cites: X``: a document answer has a citation whose title, url or documentId contains X
  (``citations: [{title, url, documentId}]`` in the metadata); an intent answer (``decision:
  intent``, or none) has the ``intent`` X;
- ``hands_off``: the chat was handed to a person: an escalation message (``isEscalation``,
  ``isEscalationPending``), ``decision: handoff``, or the chat assigned;
- ``clarifies``: the bot asked for clarification (``decision: clarify``);
- ``never_mentions: [Y]``: no reply contains Y (case and accent insensitive);
- ``language: L``: the replies are in L (``metadata.language``, else detected from the text);
- ``contains`` / ``not_contains``: regular expressions (case-insensitive) over the replies' text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from guiders.bot.language import detect_language, fold

EXPECTATIONS: Final = frozenset(
    {
        "answers",
        "cites",
        "hands_off",
        "clarifies",
        "never_mentions",
        "language",
        "contains",
        "not_contains",
    }
)
MAX_SCENARIOS: Final = 500
MAX_TURNS: Final = 30


@dataclass(frozen=True)
class Expect:
    answers: bool | None = None
    cites: tuple[str, ...] = ()
    hands_off: bool | None = None
    clarifies: bool | None = None
    never_mentions: tuple[str, ...] = ()
    language: str | None = None
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Expect()


@dataclass(frozen=True)
class Turn:
    say: str
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True)
class Scenario:
    name: str
    turns: tuple[Turn, ...]
    expect: Expect = field(default_factory=Expect)


@dataclass(frozen=True)
class Reply:
    """A message the visitor received: its text, metadata and sender role."""

    content: str
    metadata: Mapping[str, Any]
    role: str = "ai"


@dataclass
class TurnResult:
    say: str
    replies: list[Reply]
    assigned: bool = False
    timed_out: bool = False


class ScenarioError(ValueError):
    """The file is not a valid scenario file; the message names the place."""


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ScenarioError(f"{where}: a string or a list of strings")
    return tuple(items)


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ScenarioError(f"{where}: true or false")
    return raw


def parse_expect(raw: Any, where: str) -> Expect:
    if raw is None:
        return Expect()
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a mapping of expectations")
    unknown = set(raw) - EXPECTATIONS
    if unknown:
        known = ", ".join(sorted(EXPECTATIONS))
        raise ScenarioError(f"{where}: unknown {', '.join(sorted(unknown))} (known: {known})")
    for key in ("contains", "not_contains"):
        for pattern in _strings(raw.get(key, []), f"{where}.{key}"):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ScenarioError(f"{where}.{key}: {pattern!r} is not a regex: {exc}") from exc
    language = raw.get("language")
    if language is not None and language not in ("en", "es"):
        raise ScenarioError(f"{where}.language: en or es")
    return Expect(
        answers=_flag(raw["answers"], f"{where}.answers") if "answers" in raw else None,
        cites=_strings(raw.get("cites", []), f"{where}.cites"),
        hands_off=_flag(raw["hands_off"], f"{where}.hands_off") if "hands_off" in raw else None,
        clarifies=_flag(raw["clarifies"], f"{where}.clarifies") if "clarifies" in raw else None,
        never_mentions=_strings(raw.get("never_mentions", []), f"{where}.never_mentions"),
        language=language,
        contains=_strings(raw.get("contains", []), f"{where}.contains"),
        not_contains=_strings(raw.get("not_contains", []), f"{where}.not_contains"),
    )


def parse(document: Any) -> list[Scenario]:
    if not isinstance(document, dict) or not isinstance(document.get("scenarios"), list):
        raise ScenarioError("the file needs a list under 'scenarios'")
    raw_scenarios = document["scenarios"]
    if not 0 < len(raw_scenarios) <= MAX_SCENARIOS:
        raise ScenarioError(f"between 1 and {MAX_SCENARIOS} scenarios")
    out: list[Scenario] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_scenarios):
        where = f"scenarios[{i}]"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: a mapping with name and turns")
        name = raw.get("name")
        if not isinstance(name, str) or not name or name in names:
            raise ScenarioError(f"{where}.name: a unique, non-empty string")
        names.add(name)
        turns_raw = raw.get("turns")
        if not isinstance(turns_raw, list) or not 0 < len(turns_raw) <= MAX_TURNS:
            raise ScenarioError(f"{where}.turns: between 1 and {MAX_TURNS} turns")
        turns = []
        for j, turn in enumerate(turns_raw):
            spot = f"{where}.turns[{j}]"
            if isinstance(turn, str):
                turn = {"say": turn}
            if not isinstance(turn, dict) or not isinstance(turn.get("say"), str):
                raise ScenarioError(f"{spot}: a mapping with 'say' (the visitor's message)")
            if not turn["say"].strip() or len(turn["say"]) > 10_000:
                raise ScenarioError(f"{spot}.say: 1 to 10,000 characters")
            turns.append(Turn(turn["say"], parse_expect(turn.get("expect"), f"{spot}.expect")))
        out.append(Scenario(name, tuple(turns), parse_expect(raw.get("expect"), where + ".expect")))
    return out


def load(path: Path | str) -> list[Scenario]:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not YAML: {exc}") from exc
    return parse(document)


# -- the checks -----------------------------------------------------------------------------


def _decision(reply: Reply) -> str | None:
    value = reply.metadata.get("decision")
    return str(value) if value else None


def is_handoff(reply: Reply) -> bool:
    m = reply.metadata
    return bool(m.get("isEscalation") or m.get("isEscalationPending")) or _decision(reply) == (
        "handoff"
    )


def is_clarification(reply: Reply) -> bool:
    return _decision(reply) == "clarify" or bool(reply.metadata.get("isClarification"))


def is_answer(reply: Reply) -> bool:
    """An answer from the documents (``decision: answer``) or from the intents (``decision:
    intent``, or no decision from a bot without documents); not a hand-off, a clarifying
    question, a fallback or the welcome."""
    if _decision(reply) in ("clarify", "handoff"):
        return False
    m = reply.metadata
    return reply.role == "ai" and not (
        is_handoff(reply) or m.get("isFallback") or m.get("isWelcome")
    )


def cites(reply: Reply, source: str) -> bool:
    """A document answer must cite the source; an intent answer must be that intent."""
    wanted = fold(source)
    citations = [c for c in reply.metadata.get("citations") or [] if isinstance(c, dict)]
    if _decision(reply) == "answer" or (citations and _decision(reply) is None):
        return any(
            wanted in fold(str(c.get(k) or ""))
            for c in citations
            for k in ("title", "url", "documentId")
        )
    return fold(str(reply.metadata.get("intent") or "")) == wanted


def language_of(reply: Reply) -> str:
    stated = reply.metadata.get("language")
    return str(stated) if stated in ("en", "es") else detect_language(reply.content)


def check(expect: Expect, replies: Sequence[Reply], assigned: bool, where: str) -> list[str]:
    """What failed, one line each (empty: this part of the run passed)."""
    failures: list[str] = []
    text = "\n".join(r.content for r in replies)
    shown = text.replace("\n", " / ")[:200] or "(no reply)"
    if expect.answers is not None and any(map(is_answer, replies)) != expect.answers:
        want = "an answer" if expect.answers else "no answer"
        failures.append(f"{where}: expected {want}; got: {shown}")
    for source in expect.cites:
        if not any(cites(r, source) for r in replies):
            found = sorted(
                {str(r.metadata.get("intent")) for r in replies if r.metadata.get("intent")}
                | {
                    str(c.get("title"))
                    for r in replies
                    for c in r.metadata.get("citations") or []
                    if isinstance(c, dict)
                }
            )
            failures.append(f"{where}: expected a citation of {source!r}; cited {found or 'none'}")
    if expect.hands_off is not None:
        handed = assigned or any(map(is_handoff, replies))
        if handed != expect.hands_off:
            want = "a hand-off" if expect.hands_off else "no hand-off"
            failures.append(f"{where}: expected {want}; got: {shown}")
    if expect.clarifies is not None and any(map(is_clarification, replies)) != expect.clarifies:
        want = "a clarifying question" if expect.clarifies else "no clarifying question"
        failures.append(f"{where}: expected {want}; got: {shown}")
    folded = fold(text)
    for banned in expect.never_mentions:
        if fold(banned) in folded:
            failures.append(f"{where}: mentions {banned!r}: {shown}")
    if expect.language is not None:
        other = [language_of(r) for r in replies if language_of(r) != expect.language]
        if not replies or other:
            failures.append(f"{where}: expected replies in {expect.language}; got: {shown}")
    for pattern in expect.contains:
        if not re.search(pattern, text, re.IGNORECASE):
            failures.append(f"{where}: no match for {pattern!r} in: {shown}")
    for pattern in expect.not_contains:
        if re.search(pattern, text, re.IGNORECASE):
            failures.append(f"{where}: {pattern!r} matches: {shown}")
    return failures


def check_run(scenario: Scenario, turns: Sequence[TurnResult]) -> list[str]:
    """Every failed expectation of one run of ``scenario``."""
    failures: list[str] = []
    handed = False  # after a hand-off the bot is silent: no reply is then no failure
    for i, (turn, result) in enumerate(zip(scenario.turns, turns, strict=False)):
        where = f"turn {i + 1} ({turn.say[:40]!r})"
        if result.timed_out and not handed:
            failures.append(f"{where}: no reply before the deadline")
        failures += check(turn.expect, result.replies, result.assigned, where)
        handed = handed or result.assigned or any(map(is_handoff, result.replies))
    if len(turns) < len(scenario.turns):
        failures.append(f"the conversation stopped after {len(turns)} turns")
    replies = [r for t in turns for r in t.replies]
    failures += check(scenario.expect, replies, any(t.assigned for t in turns), "conversation")
    return failures
