"""Rules files: the example is valid; a bad one is refused with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from guiders.cli import main
from guiders.pipeline.cli import EXAMPLE_RULES
from guiders.pipeline.loading import RulesError, load_rules, parse_rules


def test_the_shipped_example_rules_are_valid() -> None:
    rules = load_rules(EXAMPLE_RULES)
    assert [r.name for r in rules.rules][:2] == ["refund-or-cancel-is-urgent", "vip-to-senior"]
    assert rules.settings.timezone == "Europe/Madrid"


def _problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(RulesError) as info:
        parse_rules(text, "rules.yaml")
    return [(p.line, p.field, p.message) for p in info.value.problems]


def test_an_unknown_condition_is_named_with_its_line() -> None:
    text = (
        "rules:\n  - name: a\n    when:\n      keyword: [x]\n"
        "    then:\n      - type: tag\n        tags: [t]\n"
    )
    [(line, field, message)] = _problems(text)
    assert (line, field) == (4, "rules.0.when.keyword")
    assert "not permitted" in message


def test_a_bad_action_parameter_points_at_its_line_without_the_union_tag() -> None:
    text = "rules:\n  - name: a\n    then:\n      - type: set_priority\n        priority: SUPER\n"
    [(line, field, _)] = _problems(text)
    assert (line, field) == (5, "rules.0.then.0.priority")


def test_a_template_syntax_error_is_caught_on_load() -> None:
    text = (
        "rules:\n  - name: a\n    then:\n      - type: send_message\n        template: 'hi {{ x'\n"
    )
    [(line, field, message)] = _problems(text)
    assert (line, field) == (5, "rules.0.then.0.template")
    assert message.startswith("template syntax error")


def test_invalid_yaml_names_the_line() -> None:
    [(line, _, message)] = _problems("rules:\n  - name: a\n   then: [\n")
    assert line == 3
    assert "YAML" in message


def test_duplicate_rule_names_and_bad_clock_and_zone_are_refused() -> None:
    text = (
        "settings:\n"
        "  timezone: Mars/Olympus\n"
        "rules:\n"
        "  - name: a\n"
        "    when: {time_of_day: {after: '25:00'}}\n"
        "    then: [{type: tag, tags: [x]}]\n"
    )
    problems = _problems(text)
    assert (2, "settings.timezone") in [(p[0], p[1]) for p in problems]
    assert (5, "rules.0.when.time_of_day.after") in [(p[0], p[1]) for p in problems]
    dup = (
        "rules:\n  - {name: a, then: [{type: tag, tags: [x]}]}\n"
        "  - {name: a, then: [{type: tag, tags: [y]}]}\n"
    )
    [(_, field, message)] = _problems(dup)
    assert field == "rules" and "two rules are named 'a'" in message


def test_a_duplicate_key_is_an_error_not_a_silent_override() -> None:
    text = "rules:\n  - name: a\n    name: b\n    then: [{type: tag, tags: [x]}]\n"
    [(line, field, message)] = _problems(text)
    assert (line, field, message) == (3, "name", "duplicate key")


def test_check_command_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["pipeline", "check", str(EXAMPLE_RULES)])
    assert ok.exit_code == 0, ok.output
    assert "OK, 5 rules" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: x\n    then:\n      - type: assign\n")
    result = runner.invoke(main, ["pipeline", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}, line 4, field 'rules.0.then.0" in result.output
    assert "exactly one of 'policy' or 'agent'" in result.output
    missing = runner.invoke(main, ["pipeline", "check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "cannot read the file" in missing.output
    assert runner.invoke(main, ["pipeline", "check", "--help"]).exit_code == 0
