"""Schema migrations (Alembic) run from code, so ``guiders migrate`` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, schema: str | None = None) -> Config:
    config = Config()
    if schema:
        config.set_main_option("guiders.schema", schema)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str, revision: str = "head", *, schema: str | None = None) -> None:
    """Must run outside an event loop: the Alembic environment starts its own."""
    command.upgrade(alembic_config(url, schema), revision)


def autogenerate(url: str, message: str) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)
