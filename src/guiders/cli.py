"""The ``guiders`` command.

This module and the command groups' modules import only click and what their options need;
each command imports the rest (the server, the client, scikit-learn...) when it runs, so that
``guiders --help`` answers at once and ``guiders up`` loads only the server (docs/performance.md,
"Start-up, session 8"; ``tests/unit/test_cli_imports.py`` keeps it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from guiders.ai.cli import kb
from guiders.analytics.cli import analytics
from guiders.api.cli import openapi
from guiders.bot.testing_cli import diff as bot_diff
from guiders.bot.testing_cli import test as bot_test
from guiders.client.cli_options import ApiAccess, api_options, work_group_options
from guiders.company_cli import company
from guiders.ingest.cli import add_source_commands
from guiders.knowledge.cli import docs
from guiders.observability.cli import observability
from guiders.pipeline.cli import pipeline
from guiders.privacy_cli import privacy

if TYPE_CHECKING:
    from guiders.client.work_group_settings import WorkGroupSettings
    from guiders.config import Settings


def _settings(data_dir: Path | None = None) -> Settings:
    from guiders.config import Settings

    return Settings(data_dir=data_dir) if data_dir else Settings()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="guiders")
def main() -> None:
    """Guiders: self-hostable live chat with an AI first line."""


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the SQLite database and demo files live (default ./var).",
)
def migrate(data_dir: Path | None) -> None:
    """Bring the database schema up to date (GUIDERS_DATABASE_URL or SQLite)."""
    from guiders.store.migrate import upgrade

    settings = _settings(data_dir)
    upgrade(settings.resolved_database_url, schema=settings.database_schema)
    click.echo(f"database at head: {settings.resolved_database_url.split('@')[-1]}")


def _serve(settings: Settings, host: str, port: int, *, seed: bool) -> None:
    import uvicorn

    from guiders.api.app import create_asgi
    from guiders.api.head_limit import head_limited_protocol
    from guiders.demo import seed_demo, seed_demo_documents, with_demo_content
    from guiders.observability.logging import configure_logging
    from guiders.realtime.transport import WebSocketProtocol
    from guiders.runtime import Runtime, embedded_workers
    from guiders.store.migrate import upgrade

    if seed:
        settings = with_demo_content(settings)
    configure_logging(settings.log_level, settings.log_format, settings.log_info_sample_rate)
    upgrade(settings.resolved_database_url, schema=settings.database_schema)
    runtime = Runtime.build(settings)
    if seed:
        credentials: dict[str, Any] = {}

        async def seed_demo_company(rt: Runtime) -> None:
            credentials.update(await seed_demo(rt.services, settings.data_dir))
            if settings.demo_documents:
                await seed_demo_documents(rt.services, settings.data_dir, credentials)
            _banner(settings, host, port, credentials)

        # seeded when the runtime starts, in the server's own loop: one runtime, built once
        runtime.on_start.append(seed_demo_company)
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        runtime.background.extend(
            embedded_workers(
                settings, f"http://{local}:{port}", lambda: credentials["integrationKey"]
            )
        )
    app = create_asgi(settings, runtime)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        # at this level uvicorn's access lines are never shown, but it builds each one's
        # arguments (client address, path) before the logger drops it; requests are counted
        # and timed by the metrics middleware (observability/metrics.py)
        access_log=False,
        # forwarded headers are believed from GUIDERS_TRUSTED_PROXIES only (api/client_address);
        # uvicorn's own handling would trust them from loopback
        proxy_headers=False,
        # a request's head (line and headers) is bounded: 431 past GUIDERS_MAX_HEADER_BYTES,
        # with httptools (api/head_limit.py) and with h11 alike
        http=head_limited_protocol(settings.max_header_bytes),
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # per-message deflate keeps a zlib context per browser socket (idle memory doubles,
        # benchmarks/idle_connections.py --deflate) for chat frames too small to gain from it;
        # Engine.IO already pings every 25 s, so uvicorn's own websocket ping is a second one
        ws_per_message_deflate=False,
        ws_ping_interval=None,
        ws=WebSocketProtocol,
    )


def _banner(settings: Settings, host: str, port: int, credentials: dict[str, Any]) -> None:
    base = f"http://{host}:{port}"
    click.echo(
        f"\nGuiders is running at {base}\n"
        f"  demo shop    {base}/  (the chat widget)\n"
        f"  console      {base}/console/   dashboard  {base}/dashboard/\n"
        f"  API docs     {base}/docs\n"
        f"  health       {base}/api/health\n"
        f"  metrics      {base}/metrics\n"
        f"  site key     {credentials['siteKey']}  (domain {credentials['domain']})\n"
        f"  staff        "
        + ", ".join(s["email"] for s in credentials["staff"])
        + (f"; admin (Settings) {credentials['admin']['email']}" if "admin" in credentials else "")
        + f"\n  credentials  {(settings.data_dir / 'demo-credentials.json').resolve()}"
        "  (passwords and the integration key: mode 0600, never printed)\n"
        + (
            "  AI bot       in-process, through the client (GUIDERS_BOT_ENABLED=false: off)\n"
            if settings.bot_enabled
            else ""
        )
        + (
            f"  analytics    scoring worker on; model {settings.resolved_model_dir} "
            "(trained in the background on first start)\n"
            if settings.analytics_enabled
            else ""
        )
        + (
            "  pipeline     worker on with "
            f"{settings.pipeline_rules or 'the example rules'} "
            "(GUIDERS_PIPELINE_ENABLED=false: off)\n"
            if settings.pipeline_enabled
            else ""
        )
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Database and files (default ./var).",
)
def up(host: str, port: int, data_dir: Path | None) -> None:
    """Migrate, seed the demo company and serve everything on one process.

    The AI bot, the analytics scoring worker and the pipeline rules worker run in-process as
    clients of this server (GUIDERS_BOT_ENABLED, GUIDERS_ANALYTICS_ENABLED,
    GUIDERS_PIPELINE_ENABLED turn them off)."""
    _serve(_settings(data_dir), host, port, seed=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def serve(host: str, port: int, data_dir: Path | None) -> None:
    """Serve the API without seeding demo data (production)."""
    _serve(_settings(data_dir), host, port, seed=False)


@main.group()
def keys() -> None:
    """Integration API keys: create (shown once), list, revoke."""


def _run_services(fn: Any) -> Any:
    from guiders.runtime import run_once

    return run_once(_settings(), lambda runtime: fn(runtime.services, runtime))


@keys.command("create")
@click.option("--company", "company_id", required=True, type=click.UUID)
@click.option("--name", default="integration", show_default=True)
@click.option("--test", "test_key", is_flag=True, help="Make a gdr_test_ key.")
def keys_create(company_id: UUID, name: str, test_key: bool) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    plain, key = _run_services(
        lambda s, _: s.tenancy.create_api_key(company_id, name, live=not test_key)
    )
    click.echo(json.dumps({"id": str(key.id), "key": plain, "name": name}))


@keys.command("list")
@click.option("--company", "company_id", type=click.UUID, default=None)
def keys_list(company_id: UUID | None) -> None:
    """List keys (prefix only)."""
    for key in _run_services(lambda s, _: s.tenancy.list_api_keys(company_id)):
        state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
        click.echo(f"{key.id}  {key.prefix}…  {key.name}  {state}")


@keys.command("revoke")
@click.option("--company", "company_id", required=True, type=click.UUID)
@click.argument("key_id", type=click.UUID)
def keys_revoke(company_id: UUID, key_id: UUID) -> None:
    """Revoke a key at once."""
    _run_services(lambda s, _: s.tenancy.revoke_api_key(company_id, key_id))
    click.echo(f"revoked {key_id}")


@main.group()
def events() -> None:
    """The event log: show an aggregate's history, replay and check projections."""


@events.command("show")
@click.argument("aggregate_id", type=click.UUID)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def events_show(aggregate_id: UUID, as_json: bool) -> None:
    """Every stored event of one aggregate (chat, visitor, commercial...), in order."""
    from guiders.store.replay import history

    rows = _run_services(lambda _, rt: history(rt.db, aggregate_id))
    if not rows:
        raise click.ClickException(f"no events for {aggregate_id}")
    for e in rows:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "seq": e.seq,
                        "version": e.version,
                        "type": e.type,
                        "actor": e.actor_type,
                        "payload": e.payload,
                        "occurredAt": e.occurred_at.isoformat(),
                    }
                )
            )
        else:
            click.echo(
                f"#{e.seq:<6} v{e.version:<3} {e.occurred_at:%Y-%m-%d %H:%M:%S}  "
                f"{e.type:<26} by {e.actor_type or '-'}:{e.actor_id or '-'}"
            )


@events.command("replay")
def events_replay() -> None:
    """Rebuild current-state tables from the log in a scratch database and diff them."""
    from guiders.store.replay import replay_and_compare

    report = _run_services(
        lambda _, rt: replay_and_compare(
            rt.db,
            progress=lambda n: click.echo(f"  replayed {n} events", err=True),
        )
    )
    for line in report.lines():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


@main.group(invoke_without_command=True)
@api_options(key_envvar="GUIDERS_BOT_KEY")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Bot settings YAML (GUIDERS_BOT_* variables override it).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=Path("var"),
    show_default=True,
    help="Where the knowledge-base model is kept (models/demo_kb) unless kbModelDir is set.",
)
@work_group_options(
    "bot",
    shares="the chat events",
)
def bot(
    api: ApiAccess | None,
    config_file: Path | None,
    data_dir: Path,
    group: WorkGroupSettings,
) -> None:
    """Run the first-line AI bot against a Guiders server (see docs/bot.md).

    With --redis-url it is one of N replicas: each chat event is handled by one of them, and a
    replica that dies has its events taken over (docs/deployment.md, "Workers").

    `guiders bot test` and `guiders bot diff` test it as a visitor would (docs/bot-testing.md).
    """
    if api is None:
        return
    from guiders.bot.runner import check_access, run_bot
    from guiders.bot.settings import BotSettings
    from guiders.domain.errors import GuidersError

    try:
        settings = BotSettings.load(config_file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from exc
    click.echo(f"bot {settings.bot_name!r} serving {api.server} (Ctrl-C stops)")
    try:
        asyncio.run(check_access(api.server, api.key))
        with contextlib.suppress(KeyboardInterrupt):
            replica = group if group.redis_url else None
            asyncio.run(
                run_bot(
                    api.server, api.key, settings, data_dir, wait_for_server_s=30, replica=replica
                )
            )
    except GuidersError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@bot.command("prepare")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Bot settings YAML (its kbFile and kbModelDir).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the model is kept (default GUIDERS_DATA_DIR or ./var, models/demo_kb).",
)
def bot_prepare(config_file: Path | None, data_dir: Path | None) -> None:
    """Build the bot's knowledge-base model now (at install time), so that the first start of
    `guiders up` or `guiders bot` answers at once. Kept until the knowledge file changes (its
    SHA-256 is stored beside the model); a second run with the same file does nothing."""
    from guiders.bot.knowledge import ensure_kb, needs_training
    from guiders.bot.settings import BotSettings

    settings = BotSettings.load(config_file)
    base = data_dir or _settings().data_dir
    model_dir = settings.kb_model_dir or base / "models" / "demo_kb"
    if not needs_training(model_dir, settings.kb_file):
        click.echo(f"up to date: {model_dir}")
        return
    ensure_kb(model_dir, settings.kb_file)  # trains, then loads it once to check it
    click.echo(f"built: {model_dir}")


bot.add_command(bot_test)
bot.add_command(bot_diff)


main.add_command(kb)
main.add_command(analytics)
main.add_command(pipeline)
main.add_command(observability)
main.add_command(openapi)
main.add_command(company)
main.add_command(privacy)
main.add_command(add_source_commands(docs))


if __name__ == "__main__":
    main()
