"""The worker options shared by ``guiders bot``, ``guiders analytics worker`` and ``guiders
pipeline run``: each command accepts them, hands them on as one object, and refuses bad ones
with a message that names the option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from guiders.cli import main
from guiders.client.cli_options import ApiAccess, api_options, work_group_options
from guiders.client.work_group_settings import CLAIM_IDLE_S, WorkGroupSettings

WORKERS = (["bot"], ["analytics", "worker"], ["pipeline", "run"])
NO_ENV: dict[str, str | None] = {
    "GUIDERS_REDIS_URL": None,
    "GUIDERS_BOT_KEY": None,
    "GUIDERS_API_KEY": None,
    "GUIDERS_PIPELINE_API_KEY": None,
    "GUIDERS_PIPELINE_API_URL": None,
}


def invoke(args: list[str], env: dict[str, str | None] | None = None) -> Any:
    return CliRunner().invoke(main, args, env={**NO_ENV, **(env or {})})


@pytest.mark.parametrize("command", WORKERS, ids=" ".join)
def test_every_worker_documents_the_shared_options(command: list[str]) -> None:
    result = invoke([*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--server", "--key", "--redis-url", "--worker", "--consumer", "--claim-idle-s"):
        assert option in result.output
    assert "GUIDERS_REDIS_URL" in result.output and "docs/deployment.md" in result.output


@pytest.mark.parametrize("command", WORKERS, ids=" ".join)
@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--claim-idle-s", "0", "--claim-idle-s"),
        ("--claim-idle-s", "soon", "--claim-idle-s"),
        ("--redis-url", "localhost:6379", "redis://"),
        ("--server", "host:8000", "http://"),
    ],
)
def test_every_worker_refuses_a_bad_value_naming_the_option(
    command: list[str], option: str, value: str, says: str, tmp_path: Path
) -> None:
    args = [*command, "--server", "http://127.0.0.1:9", "--key", "gdr_test_x", option, value]
    if command == ["analytics", "worker"]:
        args += ["--model", str(tmp_path)]
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("command", "variable"),
    [(["bot"], "GUIDERS_BOT_KEY"), (["analytics", "worker"], "GUIDERS_API_KEY")],
    ids=["bot", "analytics worker"],
)
def test_a_missing_key_names_its_variable(
    command: list[str], variable: str, tmp_path: Path
) -> None:
    args = [*command, "--server", "http://127.0.0.1:9"]
    if command == ["analytics", "worker"]:
        args += ["--model", str(tmp_path)]
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert "--key" in result.output and variable in result.output


def test_the_pipeline_keeps_its_older_option_names() -> None:
    result = invoke(["pipeline", "dlq", "list", "--url", "host:8000", "--api-key", "k"])
    assert result.exit_code == 2 and "http://" in result.output


def test_the_pipeline_needs_a_key() -> None:
    result = invoke(["pipeline", "dlq", "list"])
    assert result.exit_code == 2 and "GUIDERS_PIPELINE_API_KEY" in result.output


def test_bot_subcommands_do_not_need_the_bots_server() -> None:
    result = invoke(["bot", "prepare", "--help"])
    assert result.exit_code == 0 and "--config" in result.output


def _probe(**extra: Any) -> click.Command:
    seen: dict[str, Any] = {}

    @click.command()
    @api_options(key_envvar="PROBE_KEY", **extra)
    @work_group_options("probe", shares="the probes")
    def probe(api: ApiAccess, group: WorkGroupSettings) -> None:
        seen["api"], seen["group"] = api, group

    probe.seen = seen  # type: ignore[attr-defined]
    return probe


def test_the_options_arrive_as_one_object_each() -> None:
    probe = _probe()
    result = CliRunner().invoke(
        probe,
        [
            "--server", "http://host:8000/", "--key", "k", "--redis-url", "redis://r:6379/0",
            "--worker", "w1", "--consumer", "team", "--claim-idle-s", "2.5",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    seen = probe.seen  # type: ignore[attr-defined]
    assert seen["api"] == ApiAccess("http://host:8000", "k")
    assert seen["group"] == WorkGroupSettings("redis://r:6379/0", "w1", "team", 2.5)


def test_alone_by_default_with_a_name_of_its_own() -> None:
    probe = _probe()
    result = CliRunner().invoke(
        probe, ["--server", "http://h"], env={"PROBE_KEY": "k", "GUIDERS_REDIS_URL": ""}
    )
    assert result.exit_code == 0, result.output
    group: WorkGroupSettings = probe.seen["group"]  # type: ignore[attr-defined]
    assert group.redis_url is None and group.consumer == "probe"
    assert group.worker.startswith("probe-") and group.claim_idle_s == CLAIM_IDLE_S


def test_defaults_may_be_asked_late() -> None:
    probe = _probe(server_default=lambda: "http://from-settings", key_default=lambda: "sk")
    result = CliRunner().invoke(probe, [], env={"PROBE_KEY": "", "GUIDERS_REDIS_URL": ""})
    assert result.exit_code == 0, result.output
    assert probe.seen["api"] == ApiAccess("http://from-settings", "sk")  # type: ignore[attr-defined]


def test_the_bot_runs_as_a_replica_with_the_groups_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from guiders.bot import runner

    seen: dict[str, Any] = {}

    async def check_access(server: str, key: str) -> None:
        seen["access"] = (server, key)

    async def run_bot(*args: Any, **kwargs: Any) -> None:
        seen["replica"] = kwargs["replica"]

    monkeypatch.setattr(runner, "check_access", check_access)
    monkeypatch.setattr(runner, "run_bot", run_bot)
    args = ["bot", "--server", "http://h:1", "--key", "k"]
    result = invoke([*args, "--redis-url", "redis://r/0", "--worker", "b1"])
    assert result.exit_code == 0, result.output
    assert seen["access"] == ("http://h:1", "k")
    assert seen["replica"] == WorkGroupSettings("redis://r/0", "b1", "bot", CLAIM_IDLE_S)
    result = invoke(args)
    assert result.exit_code == 0 and seen["replica"] is None


def test_the_pipeline_reads_its_share_from_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    from guiders.client.work_group import RedisStreamSource
    from guiders.pipeline import cli
    from guiders.pipeline import worker as pipeline_worker

    seen: dict[str, Any] = {}

    async def processor(*args: Any, **kwargs: Any) -> object:
        seen["owner"] = kwargs["owner"]
        return object()

    class Worker:
        def __init__(self, _processor: object, source: object, **_: Any) -> None:
            seen["source"] = source

        async def run(self) -> None:
            return None

    monkeypatch.setattr(cli, "_processor", processor)
    monkeypatch.setattr(pipeline_worker, "Worker", Worker)  # imported by the command
    result = invoke(
        [
            "pipeline", "run", "--url", "http://h:1", "--api-key", "k", "--batch", "7",
            "--redis-url", "redis://r/0", "--worker", "p1", "--claim-idle-s", "3",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    source = seen["source"]
    assert isinstance(source, RedisStreamSource) and seen["owner"] == "p1"
    assert (source.key, source.worker, source.claim_idle_s, source.batch) == (
        "guiders:pipeline:pipeline", "p1", 3.0, 7,
    )  # fmt: skip
