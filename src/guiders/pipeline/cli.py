"""``guiders pipeline``: check rules, run the worker, dry-run past events, the dead letters.

The pipeline's modules and the API client are imported by the commands that use them, not
with this module: every ``guiders`` command (``--help`` too) imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from guiders.client.cli_options import ApiAccess, api_options, work_group_options

if TYPE_CHECKING:
    from guiders.client import GuidersClient
    from guiders.client.work_group_settings import WorkGroupSettings
    from guiders.config import Settings
    from guiders.pipeline.processor import Processor
    from guiders.pipeline.rules import RuleSet
    from guiders.pipeline.sources import EventSource

EXAMPLE_RULES = Path(__file__).with_name("example_rules.yaml")


@click.group()
def pipeline() -> None:
    """The real-time pipeline: business rules, actions, sagas (see docs/pipeline.md)."""


@pipeline.command("check")
@click.argument("rules", type=click.Path(path_type=Path, dir_okay=False))
def check(rules: Path) -> None:
    """Validate a RULES file; exit code 1 and every problem (file, line, field) if it is bad."""
    ruleset = _checked(rules)
    enabled = sum(1 for r in ruleset.rules if r.enabled)
    click.echo(f"{rules}: OK, {len(ruleset.rules)} rules ({enabled} enabled)")
    for rule in ruleset.rules:
        actions = ", ".join(a.type for a in rule.then)
        state = "" if rule.enabled else "  (disabled)"
        click.echo(f"  {rule.name}: {actions}{state}")


def _settings() -> Settings:
    from guiders.config import Settings

    return Settings()


def _client(api: ApiAccess) -> GuidersClient:
    from guiders.client import GuidersClient

    return GuidersClient(api.server, api.key)


def _rules_path(rules: Path | None) -> Path:
    return rules or _settings().pipeline_rules or EXAMPLE_RULES


def _checked(path: Path) -> RuleSet:
    """The rules of ``path``; every problem and exit code 1 if they are bad."""
    from guiders.pipeline.loading import RulesError, load_rules

    try:
        return load_rules(path)
    except RulesError as exc:
        click.echo(exc.describe(), err=True)
        sys.exit(1)


_api = api_options(
    key_envvar="GUIDERS_PIPELINE_API_KEY",
    server_envvar="GUIDERS_PIPELINE_API_URL",
    server_default=lambda: _settings().pipeline_api_url,
    key_default=lambda: _settings().pipeline_api_key,
    aliases=("--url", "--api-key"),
)
"""The server and key (``GUIDERS_*`` from a ``.env`` too, as the settings read it)."""


def _connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--consumer", default="pipeline", show_default=True, help="Consumer name.")(
        fn
    )
    return _api(fn)


async def _processor(
    client: GuidersClient, rules: Path, consumer: str, kb_model: Path | None, **kw: Any
) -> Processor:
    from guiders.pipeline.analysis import Analyzer
    from guiders.pipeline.processor import Processor
    from guiders.pipeline.reload import RulesWatcher
    from guiders.pipeline.worker import build_runner

    analyzer = Analyzer.from_path(kb_model)
    runner = build_runner(
        client, analyzer, owner=kw.pop("owner", None), lease_s=kw.pop("lease_s", 30.0)
    )
    return Processor(
        client, RulesWatcher(rules), runner, analyzer=analyzer, consumer=consumer, **kw
    )


@pipeline.command("run")
@_api
@click.option("--rules", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--kb-model", type=click.Path(path_type=Path), default=None, help="KB intent model.")
@work_group_options(
    "pipeline",
    shares="the events",
    redis_default=lambda: _settings().redis_url,
)
@click.option(
    "--from-seq", type=int, default=None, help="Start after this seq (sets the position)."
)
@click.option("--include-automation", is_flag=True, help="Also decide on what keys/bots did.")
@click.option("--lease-s", type=float, default=30.0, show_default=True, help="Saga lease.")
@click.option(
    "--orphan-scan-s", type=float, default=5.0, show_default=True, help="Look for dead sagas."
)
@click.option(
    "--batch", type=click.IntRange(min=1), default=100, show_default=True, help="Events per read."
)
def run(
    api: ApiAccess,
    rules: Path | None,
    kb_model: Path | None,
    group: WorkGroupSettings,
    from_seq: int | None,
    include_automation: bool,
    lease_s: float,
    orphan_scan_s: float,
    batch: int,
) -> None:
    """Run a worker: events -> rules -> actions, resuming orphaned sagas; Ctrl-C stops it."""
    from guiders.client.work_group import joined
    from guiders.pipeline.sources import LogSource, store_position
    from guiders.pipeline.worker import Worker

    path = _rules_path(rules)
    _checked(path)

    async def go() -> None:
        async with _client(api) as client:
            processor = await _processor(
                client,
                path,
                group.consumer,
                kb_model,
                include_automation=include_automation,
                owner=group.worker,
                lease_s=lease_s,
            )
            if from_seq is not None:
                await store_position(client, group.consumer, from_seq)
            async with contextlib.AsyncExitStack() as stack:
                source: EventSource = (
                    await stack.enter_async_context(
                        joined(group, client, kind="pipeline", batch=batch)
                    )
                    if group.redis_url
                    else LogSource(client, group.consumer, batch=batch)
                )
                click.echo(f"pipeline worker {group.worker} on {api.server} with {path}", err=True)
                await Worker(processor, source, orphan_scan_s=orphan_scan_s).run()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(go())


@pipeline.command("dry-run")
@_connection_options
@click.option("--rules", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--kb-model", type=click.Path(path_type=Path), default=None)
@click.option("--from-seq", type=int, required=True, help="Show events after this seq.")
@click.option("--limit", type=int, default=200, show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Also list events no rule fires on.")
def dry_run(
    api: ApiAccess,
    consumer: str,
    rules: Path | None,
    kb_model: Path | None,
    from_seq: int,
    limit: int,
    show_all: bool,
) -> None:
    """What the RULES would have done on past events (reads only; performs nothing)."""
    from guiders.pipeline.sources import fetch_events

    path = _rules_path(rules)
    _checked(path)

    async def go() -> None:
        async with _client(api) as client:
            processor = await _processor(client, path, consumer, kb_model)
            after, shown = from_seq, 0
            while shown < limit:
                events = await fetch_events(client, after, min(100, limit - shown))
                if not events:
                    break
                for event in events:
                    _, actions = await processor.plan(event)
                    shown += 1
                    if actions or show_all:
                        click.echo(
                            f"#{event['seq']:<6} {event['type']:<26} {len(actions)} action(s)"
                        )
                    for action in actions:
                        click.echo(f"        {action.describe()}")
                after = int(events[-1]["seq"])

    asyncio.run(go())


@pipeline.group()
def dlq() -> None:
    """Dead letters: events that kept failing and were parked."""


@dlq.command("list")
@_connection_options
@click.option("--status", default="parked", show_default=True, help="parked|retrying|resolved|all")
def dlq_list(api: ApiAccess, consumer: str, status: str) -> None:
    """List dead letters with their error."""

    async def go() -> list[dict[str, Any]]:
        async with _client(api) as client:
            body = await client.request(
                "GET",
                f"/v2/consumers/{consumer}/dead-letters",
                params={"status": None if status == "all" else status},
            )
            letters: list[dict[str, Any]] = body["deadLetters"]
            return letters

    for d in asyncio.run(go()):
        event = d["event"]
        click.echo(
            f"{d['id']}  #{d['seq']:<6} {event.get('type', '?'):<24} {d['status']:<9} "
            f"attempts={d['attempts']}  {d['error']}"
        )


@dlq.command("retry")
@_connection_options
@click.option("--rules", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.argument("letter_ids", nargs=-1)
def dlq_retry(
    api: ApiAccess,
    consumer: str,
    rules: Path | None,
    letter_ids: tuple[str, ...],
) -> None:
    """Process parked events again (all, or the LETTER_IDS given); exit 1 if any fail again."""
    path = _rules_path(rules)

    async def go() -> int:
        failed = 0
        async with _client(api) as client:
            processor = await _processor(client, path, consumer, None, attempts=1)
            body = await client.request(
                "GET", f"/v2/consumers/{consumer}/dead-letters", params={"status": "parked"}
            )
            for d in body["deadLetters"]:
                if letter_ids and d["id"] not in letter_ids:
                    continue
                letter_url = f"/v2/consumers/{consumer}/dead-letters/{d['id']}"
                await client.request("PUT", letter_url, json={"status": "retrying"})
                outcome = await processor.process(d["event"])
                if outcome.status == "parked":
                    failed += 1
                    click.echo(f"{d['id']}  #{d['seq']} failed again: {outcome.error}")
                else:
                    await client.request("PUT", letter_url, json={"status": "resolved"})
                    click.echo(
                        f"{d['id']}  #{d['seq']} {outcome.status} {', '.join(outcome.actions)}"
                    )
        return failed

    sys.exit(1 if asyncio.run(go()) else 0)


@pipeline.command("escalate")
@_connection_options
@click.argument("chat_id")
@click.option("--summary", default="", help="What the agent should know (an internal note).")
@click.option("--reason", default="escalation", show_default=True)
@click.option("--language", default="en", show_default=True, help="What the visitor is told in.")
@click.option("--timeout-s", type=float, default=120.0, show_default=True, help="Agent answer.")
@click.option(
    "--wait-s", type=float, default=0.0, show_default=True, help="Follow the hand-off this long."
)
def escalate_command(
    api: ApiAccess,
    consumer: str,
    chat_id: str,
    summary: str,
    reason: str,
    language: str,
    timeout_s: float,
    wait_s: float,
) -> None:
    """Ask the server to hand CHAT_ID to a person (it runs the hand-off saga); with --wait-s,
    follow its attempts and print how it ended (exit 1 unless an agent answered)."""

    async def go() -> dict[str, Any]:
        async with _client(api) as client:
            asked = await client.request_handoff(
                chat_id, reason=reason, summary=summary, language=language,
                answer_timeout_s=timeout_s,
            )  # fmt: skip
            saga: dict[str, Any] = await client.request("GET", f"/v2/sagas/{asked['sagaId']}")
            deadline = asyncio.get_running_loop().time() + wait_s
            while asyncio.get_running_loop().time() < deadline:
                follow = saga["context"].get("next")
                if saga["status"] == "FAILED" and follow:
                    saga = await client.request("GET", f"/v2/sagas/{follow}")
                    continue
                if saga["status"] == "COMPLETED" or saga["context"].get("waiting"):
                    break
                await asyncio.sleep(0.5)
                saga = await client.request("GET", f"/v2/sagas/{saga['id']}")
            return saga

    saga = asyncio.run(go())
    agent = saga["context"].get("agentName", "-")
    waiting = " (waiting for an agent)" if saga["context"].get("waiting") else ""
    line = f"saga {saga['id']} {saga['status']}{waiting} agent={agent} {saga.get('error') or ''}"
    click.echo(line.rstrip())
    sys.exit(0 if saga["status"] == "COMPLETED" or not wait_s else 1)
