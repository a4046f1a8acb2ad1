"""``guiders privacy``: a visitor's export and erasure, and the retention job, for operators.

The same use cases as the admin API (``/api/v2/privacy/...``), run against the configured
database without a server: an operator answering a data request, or a cron job running
retention where ``guiders up`` is not the scheduler.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import click

from guiders.domain.errors import GuidersError

if TYPE_CHECKING:
    from guiders.services.container import Services

T = TypeVar("T")

DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data directory (default GUIDERS_DATA_DIR or ./var).",
)


def _run(data_dir: Path | None, fn: Callable[[Services], Awaitable[T]]) -> T:
    from guiders.config import Settings
    from guiders.runtime import run_once

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    try:
        return run_once(settings, lambda runtime: fn(runtime.services))
    except GuidersError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@click.group()
def privacy() -> None:
    """Visitors' data: export it, erase it, and delete old data by retention (docs/privacy.md)."""


@privacy.command("export")
@click.argument("visitor_id", type=click.UUID)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write to this file.")
@DATA_DIR
def export(visitor_id: UUID, out: Path | None, data_dir: Path | None) -> None:
    """Everything held about one visitor, as JSON (rows and the log's facts, opened)."""

    async def go(services: Services) -> dict[str, Any]:
        company = await services.privacy.company_of(visitor_id)
        return await services.privacy.export_visitor(company, visitor_id)

    text = json.dumps(_run(data_dir, go), indent=2, default=str)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n")
        click.echo(f"wrote {out}", err=True)


@privacy.command("erase")
@click.argument("visitor_id", type=click.UUID)
@click.option("--yes", is_flag=True, help="Do it without asking (erasure is final).")
@DATA_DIR
def erase(visitor_id: UUID, yes: bool, data_dir: Path | None) -> None:
    """Erase one visitor everywhere, and shred their facts in the event log. Final."""
    if not yes:
        click.confirm(f"Erase visitor {visitor_id} for good?", abort=True)

    async def go(services: Services) -> dict[str, int]:
        company = await services.privacy.company_of(visitor_id)
        return await services.privacy.erase_visitor(company, visitor_id, reason="operator")

    removed = _run(data_dir, go)
    click.echo(json.dumps({"visitorId": str(visitor_id), "erased": True, "removed": removed}))


@privacy.group("retention")
def retention() -> None:
    """Delete conversations, visitors and tracking older than each company's limit."""


@retention.command("set")
@click.option("--company", "company_id", type=click.UUID, required=True, help="The company.")
@click.option("--days", type=click.IntRange(1, 3650), default=None, help="Keep this many days.")
@click.option("--keep", is_flag=True, help="No limit: keep everything.")
@DATA_DIR
def retention_set(company_id: UUID, days: int | None, keep: bool, data_dir: Path | None) -> None:
    """Set a company's retention period (--days N), or remove it (--keep)."""
    if (days is None) == (not keep):
        raise click.UsageError("give --days N or --keep")

    async def go(services: Services) -> None:
        await services.privacy.set_company_retention(company_id, None if keep else days)

    _run(data_dir, go)
    click.echo(json.dumps({"companyId": str(company_id), "retentionDays": days}))


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@DATA_DIR
def retention_run(dry_run: bool, data_dir: Path | None) -> None:
    """One retention pass over every company with a limit (what the server runs daily).
    Prints one JSON line per company: the cut-off and the counts."""

    async def go(services: Services) -> list[dict[str, Any]]:
        reports = await services.privacy.apply_all(dry_run=dry_run)
        return [
            {
                "companyId": str(r.company_id),
                "retentionDays": r.days,
                "before": r.before.isoformat(),
                "dryRun": r.dry_run,
                **r.counts(),
            }
            for r in reports
        ]

    for line in _run(data_dir, go):
        click.echo(json.dumps(line))
    sys.stdout.flush()
