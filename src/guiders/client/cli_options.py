"""The command-line options every worker of the public API shares, declared once.

``guiders bot``, ``guiders analytics worker`` and ``guiders pipeline run`` are clients of the API
(a server URL and an integration key) and may run as N replicas sharing the event log
(``guiders.client.work_group``). Each decorator declares its options and hands the command one
object instead of loose values, so the names, environment variables, checks and help texts
cannot drift apart between the three (``api_options`` also serves the other commands that talk
to the API with a key: ``guiders analytics retrain|monitor``, ``guiders docs add-url|...``):

- ``api_options``: ``--server`` and ``--key`` -> ``api: ApiAccess``;
- ``work_group_options``: ``--redis-url``, ``--worker``, ``--consumer``, ``--claim-idle-s``
  -> ``group: WorkGroupSettings``.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from guiders.client.work_group_settings import CLAIM_IDLE_S, WorkGroupSettings

Command = Callable[..., Any]
Default = str | Callable[[], str | None] | None
"""An option's default: a value, or a function asked when the option is not given."""


@dataclass(frozen=True, slots=True)
class ApiAccess:
    """Where the server is and the integration key a worker acts with."""

    server: str
    key: str


def api_options(
    *,
    key_envvar: str,
    server_envvar: str | None = None,
    server_default: Default = None,
    key_default: Default = None,
    aliases: tuple[str, str] | None = None,
) -> Callable[[Command], Command]:
    """``--server`` and ``--key``, passed on as ``api: ApiAccess``.

    Both are checked here: a missing one stops the command with a usage error that names the
    option and its variable. In a group's callback ``api`` is None when a subcommand runs
    instead (the subcommand has options of its own). ``aliases`` keeps older names working
    (``guiders pipeline``'s ``--url`` and ``--api-key``).
    """
    server_names = ("--server", aliases[0]) if aliases else ("--server",)
    key_names = ("--key", aliases[1]) if aliases else ("--key",)
    where = f" (or {server_envvar})" if server_envvar else ""

    def decorate(fn: Command) -> Command:
        @functools.wraps(fn)
        def command(*args: Any, server: str | None, key: str | None, **kwargs: Any) -> Any:
            context = click.get_current_context()
            if isinstance(context.command, click.Group) and context.invoked_subcommand:
                return fn(*args, api=None, **kwargs)
            if not server:
                raise click.UsageError(f"the server is needed: --server{where}")
            if not key:
                raise click.UsageError(f"an integration key is needed: --key or {key_envvar}")
            if not server.startswith(("http://", "https://")):
                raise click.BadParameter(
                    f"{server!r} is not an http:// or https:// URL", param_hint="--server"
                )
            return fn(*args, api=ApiAccess(server.rstrip("/"), key), **kwargs)

        command = click.option(
            *key_names,
            "key",
            default=key_default,
            envvar=key_envvar,
            show_envvar=True,
            help="Integration key (better from the environment than on the command line)"
            + ("." if key_default else "; required."),
        )(command)
        return click.option(
            *server_names,
            "server",
            default=server_default,
            envvar=server_envvar,
            show_envvar=server_envvar is not None,
            show_default=isinstance(server_default, str),
            help="Base URL of the Guiders server, e.g. http://host:8000"
            + ("." if server_default else "; required."),
        )(command)

    return decorate


def work_group_options(
    kind: str, *, shares: str, redis_default: Default = None
) -> Callable[[Command], Command]:
    """``--redis-url``, ``--worker``, ``--consumer`` and ``--claim-idle-s``, passed on as
    ``group: WorkGroupSettings`` (its ``redis_url`` None when the worker runs alone).

    ``kind`` names the worker (the group's default name, the replica's default name
    ``{kind}-{host}-{pid}``); ``shares`` says what the replicas share, for the help;
    ``redis_default`` is asked when neither ``--redis-url`` nor ``GUIDERS_REDIS_URL`` is given
    (the pipeline's settings, ``.env`` too).
    """

    def decorate(fn: Command) -> Command:
        @functools.wraps(fn)
        def command(
            *args: Any,
            redis_url: str | None,
            worker_name: str | None,
            consumer: str,
            claim_idle_s: float,
            **kwargs: Any,
        ) -> Any:
            if redis_url is not None and not redis_url.startswith(
                ("redis://", "rediss://", "unix://")
            ):
                raise click.BadParameter(
                    f"{redis_url!r} is not a redis://, rediss:// or unix:// URL",
                    param_hint="--redis-url",
                )
            group = WorkGroupSettings(
                redis_url=redis_url or None,
                worker=worker_name or f"{kind}-{socket.gethostname()}-{os.getpid()}",
                consumer=consumer,
                claim_idle_s=claim_idle_s,
            )
            return fn(*args, group=group, **kwargs)

        for option in reversed(
            (
                click.option(
                    "--redis-url",
                    default=redis_default,
                    envvar="GUIDERS_REDIS_URL",
                    show_envvar=True,
                    help=f"Run as one of N replicas sharing {shares} (a Redis consumer group; "
                    'docs/deployment.md, "Workers").',
                ),
                click.option(
                    "--worker",
                    "worker_name",
                    default=None,
                    help=f"This replica's name in the group, unique per replica "
                    f"[default: {kind}-HOST-PID].",
                ),
                click.option(
                    "--consumer",
                    default=kind,
                    show_default=True,
                    help="The group's name: replicas with the same one share the work.",
                ),
                click.option(
                    "--claim-idle-s",
                    type=click.FloatRange(min=0, min_open=True),
                    default=CLAIM_IDLE_S,
                    show_default=True,
                    help="With --redis-url: take over a dead replica's events once idle this "
                    "long (XAUTOCLAIM min-idle; a live replica's heartbeat keeps its own fresh).",
                ),
            )
        ):
            command = option(command)
        return command

    return decorate
