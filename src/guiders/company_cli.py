"""``guiders company``: create tenants, the platform admin token, a secrets key."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from guiders.domain.errors import GuidersError

if TYPE_CHECKING:
    from guiders.config import Settings

DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data directory (default GUIDERS_DATA_DIR or ./var).",
)


def _settings(data_dir: Path | None) -> Settings:
    from guiders.config import Settings

    return Settings(data_dir=data_dir) if data_dir else Settings()


@click.group()
def company() -> None:
    """Tenants: create a company with its site and its first admin's invitation."""


@company.command("create")
@click.option("--name", required=True, help="The company's name.")
@click.option("--domain", required=True, help="Its website's host (the widget's site).")
@click.option("--admin-email", required=True, help="Who gets the first admin's invitation.")
@click.option("--site-name", default=None, help="The site's name (default: the company's).")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="The server's public URL, for the invitation link.",
)
@DATA_DIR
def create(
    name: str,
    domain: str,
    admin_email: str,
    site_name: str | None,
    base_url: str,
    data_dir: Path | None,
) -> None:
    """Create a company, its site and site key, and the first admin's one-time invitation.

    Prints JSON: companyId, siteId, siteKey and the invitation (token and link). The admin
    opens the link (or POSTs {password, name} to acceptPath) to choose a password; the token
    works once, for 7 days. Run `guiders migrate` first.
    """
    from guiders.runtime import Runtime, run_once

    async def go(runtime: Runtime) -> dict[str, Any]:
        tenant = await runtime.services.onboarding.create_tenant(
            name=name, domain=domain, admin_email=admin_email, site_name=site_name
        )
        token = tenant.invitation.token
        base = base_url.rstrip("/")
        return {
            "companyId": str(tenant.company.id),
            "siteId": str(tenant.site.id),
            "domain": tenant.site.domain,
            "siteKey": tenant.site.site_key,
            "invitation": {
                "email": tenant.invitation.invitation.email,
                "token": token,
                "expiresAt": tenant.invitation.invitation.expires_at.isoformat(),
                "link": f"{base}/console/#invitation={token}",
                "acceptPath": f"/api/user/auth/invitations/{token}/accept",
            },
        }

    try:
        result = run_once(_settings(data_dir), go)
    except GuidersError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    click.echo(json.dumps(result, indent=2))


@company.command("platform-token")
@DATA_DIR
def platform_token(data_dir: Path | None) -> None:
    """Create the platform admin token (POST /api/platform/companies) if there is none.

    Written to <data dir>/platform-admin.token with mode 0600 and printed once;
    GUIDERS_PLATFORM_ADMIN_TOKEN, when set, is used instead of the file.
    """
    from guiders.api.routes.platform import TOKEN_FILE

    path = _settings(data_dir).data_dir / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise click.ClickException(f"{path} exists; delete it to make a new token") from exc
    with os.fdopen(fd, "w") as out:
        out.write(token + "\n")
    click.echo(f"platform admin token written to {path} (mode 0600):\n{token}")


@company.command("secrets-key")
def secrets_key() -> None:
    """Print a new key for GUIDERS_SECRETS_KEY (encrypts stored secrets).

    To rotate, put the new key first: GUIDERS_SECRETS_KEY=new,old; every secret written
    afterwards uses the new key, and both decrypt.
    """
    from guiders.services.secret_box import new_key

    click.echo(new_key())
