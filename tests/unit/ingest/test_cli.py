"""``guiders docs`` source commands: each has its help, and bad input fails before any call."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from guiders.ingest.cli import COMMANDS, add_source_commands


@pytest.fixture
def docs() -> click.Group:
    return add_source_commands(click.Group("docs"))


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_every_command_explains_itself(docs: click.Group, name: str) -> None:
    result = CliRunner().invoke(docs, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "--key" in result.output and "--server" in result.output


def test_a_faq_file_that_is_not_question_answer_pairs_is_refused(
    docs: click.Group, tmp_path: Path
) -> None:
    bad = tmp_path / "faq.yaml"
    bad.write_text("- just a string\n")
    result = CliRunner().invoke(docs, ["add-faq", str(bad), "--key", "k"])
    assert result.exit_code == 2 and "question, answer" in result.output


def test_an_unreachable_server_is_a_clear_error(docs: click.Group) -> None:
    result = CliRunner().invoke(
        docs, ["list", "--key", "k", "--server", "http://127.0.0.1:9"], catch_exceptions=False
    )
    assert result.exit_code == 1 and "service_unavailable" in result.output
