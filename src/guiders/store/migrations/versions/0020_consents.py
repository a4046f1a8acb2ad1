"""consents: one table. ``email_consents`` is folded into ``visitor_consents``

Two ways in wrote two tables: the widget's e-mail line (``email_consents``) and the consents API
(``visitor_consents``). ``visitor_consents`` gains what the e-mail line kept (language, chat,
address) and where each answer came from (``source``); every ``email_consents`` row is copied
into it as an ``email`` consent from the ``email_line``, then ``email_consents`` goes.

Revision ID: 0020_consents
Revises: 0019_arch
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guiders.store.types

revision = "0020_consents"
down_revision = "0019_arch"
branch_labels = None
depends_on = None

_email_consents = sa.table(
    "email_consents",
    sa.column("id", sa.Uuid()),
    sa.column("company_id", sa.Uuid()),
    sa.column("visitor_id", sa.Uuid()),
    sa.column("chat_id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("given", sa.Boolean()),
    sa.column("text", sa.Text()),
    sa.column("language", sa.String()),
    sa.column("at", guiders.store.types.UTCDateTime()),
)
_visitor_consents = sa.table(
    "visitor_consents",
    sa.column("id", sa.Uuid()),
    sa.column("company_id", sa.Uuid()),
    sa.column("visitor_id", sa.Uuid()),
    sa.column("purpose", sa.String()),
    sa.column("granted", sa.Boolean()),
    sa.column("text", sa.Text()),
    sa.column("recorded_at", guiders.store.types.UTCDateTime()),
    sa.column("language", sa.String()),
    sa.column("source", sa.String()),
    sa.column("chat_id", sa.Uuid()),
    sa.column("email", sa.String()),
)
_EMAIL_LINE = "email_line"


def upgrade() -> None:
    with op.batch_alter_table("visitor_consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=20)))
        batch_op.add_column(sa.Column("source", sa.String(length=20)))
        batch_op.add_column(sa.Column("chat_id", sa.Uuid()))
        batch_op.add_column(sa.Column("email", sa.String(length=254)))
    op.execute(_visitor_consents.update().values(source="api"))
    e = _email_consents.c
    op.execute(
        _visitor_consents.insert().from_select(
            [
                "id",
                "company_id",
                "visitor_id",
                "purpose",
                "granted",
                "text",
                "recorded_at",
                "language",
                "source",
                "chat_id",
                "email",
            ],
            sa.select(
                e.id,
                e.company_id,
                e.visitor_id,
                sa.literal("email", sa.String()),
                e.given,
                e.text,
                e.at,
                e.language,
                sa.literal(_EMAIL_LINE, sa.String()),
                e.chat_id,
                e.email,
            ),
        )
    )
    with op.batch_alter_table("visitor_consents", schema=None) as batch_op:
        batch_op.alter_column("source", existing_type=sa.String(length=20), nullable=False)
    with op.batch_alter_table("email_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_email_consents_visitor_id")
    op.drop_table("email_consents")


def downgrade() -> None:
    op.create_table(
        "email_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("visitor_id", sa.Uuid(), nullable=False),
        sa.Column("chat_id", sa.Uuid()),
        sa.Column("email", sa.String(length=254)),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=20)),
        sa.Column("at", guiders.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_email_consents_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_consents")),
    )
    with op.batch_alter_table("email_consents", schema=None) as batch_op:
        batch_op.create_index("ix_email_consents_visitor_id", ["visitor_id"], unique=False)
    v = _visitor_consents.c
    from_line = v.source == _EMAIL_LINE
    op.execute(
        _email_consents.insert().from_select(
            [
                "id",
                "company_id",
                "visitor_id",
                "chat_id",
                "email",
                "given",
                "text",
                "language",
                "at",
            ],
            sa.select(
                v.id,
                v.company_id,
                v.visitor_id,
                v.chat_id,
                v.email,
                v.granted,
                v.text,
                v.language,
                v.recorded_at,
            ).where(from_line),
        )
    )
    op.execute(_visitor_consents.delete().where(from_line))
    with op.batch_alter_table("visitor_consents", schema=None) as batch_op:
        batch_op.drop_column("email")
        batch_op.drop_column("chat_id")
        batch_op.drop_column("source")
        batch_op.drop_column("language")
