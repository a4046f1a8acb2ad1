"""privacy_settings dropped: a company's retention period lives in its privacy settings section

Since the settings store took the retention period over (``company_settings``, section
``privacy``), nothing reads or writes ``privacy_settings``. A period still set there and not in
the section is moved first, so no installation loses its retention limit.

Revision ID: 0019_arch
Revises: 0018_sla
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0019_arch"
down_revision = "0018_sla"
branch_labels = None
depends_on = None

_privacy_settings = sa.table(
    "privacy_settings",
    sa.column("company_id", sa.Uuid()),
    sa.column("retention_days", sa.Integer()),
)
_company_settings = sa.table(
    "company_settings",
    sa.column("company_id", sa.Uuid()),
    sa.column("section", sa.String()),
    sa.column("document", guiders.store.types.JSONType),
    sa.column("revision", sa.Integer()),
    sa.column("updated_at", guiders.store.types.UTCDateTime()),
)


def upgrade() -> None:
    conn = op.get_bind()
    old = conn.execute(
        sa.select(_privacy_settings.c.company_id, _privacy_settings.c.retention_days).where(
            _privacy_settings.c.retention_days.is_not(None)
        )
    ).all()
    now = datetime.now(UTC)
    for company_id, days in old:
        where = (_company_settings.c.company_id == company_id) & (
            _company_settings.c.section == "privacy"
        )
        row = conn.execute(
            sa.select(_company_settings.c.document, _company_settings.c.revision).where(where)
        ).first()
        if row is None:
            conn.execute(
                _company_settings.insert().values(
                    company_id=company_id,
                    section="privacy",
                    document={"retention_days": days, "transcript_on_close": False},
                    revision=1,
                    updated_at=now,
                )
            )
        elif dict(row.document).get("retention_days") is None:
            conn.execute(
                _company_settings.update()
                .where(where)
                .values(
                    document=dict(row.document) | {"retention_days": days},
                    revision=row.revision + 1,
                    updated_at=now,
                )
            )
    op.drop_table("privacy_settings")


def downgrade() -> None:
    op.create_table(
        "privacy_settings",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("retention_days", sa.Integer()),
        sa.Column("updated_at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_privacy_settings_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_privacy_settings")),
    )
