"""``guiders bot`` is registered, documented, and refuses to start without its options."""

from __future__ import annotations

from click.testing import CliRunner

from guiders.cli import main


def test_bot_command_has_help() -> None:
    result = CliRunner().invoke(main, ["bot", "--help"])
    assert result.exit_code == 0
    for option in ("--server", "--key", "--config", "--data-dir"):
        assert option in result.output


def test_bot_command_needs_a_server_and_a_key() -> None:
    result = CliRunner().invoke(main, ["bot", "--key", "gdr_test_x"], env={"GUIDERS_BOT_KEY": ""})
    assert result.exit_code == 2 and "--server" in result.output


def test_bot_command_reports_an_unreachable_server_without_a_traceback() -> None:
    result = CliRunner().invoke(
        main, ["bot", "--server", "http://127.0.0.1:9", "--key", "gdr_test_x"]
    )
    assert result.exit_code == 1
    assert "service_unavailable" in result.output and "Traceback" not in result.output
