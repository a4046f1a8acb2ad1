"""The relational schema: current-state tables, the event log and the outbox.

Current-state tables are projections of the event log (``guiders events replay`` checks that);
credentials (password hashes, key hashes, refresh tokens) are never put in the log.

One module of about 400 lines on purpose: it is the one ``MetaData`` that Alembic and the drift
check compare with the migrations, and a reader finds every table in one place.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
    true,
)

from guiders.store.metadata import metadata
from guiders.store.types import JSONType, UTCDateTime

__all__ = ["metadata"]

companies = Table(
    "companies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("domain", String(255), nullable=False),
    Column("aliases", JSONType, nullable=False),
    Column("site_key", String(80), nullable=False, unique=True),
    Column("revoked_at", UTCDateTime),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("email", String(255), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("deactivated_at", UTCDateTime),
)

agents = Table(
    "commercials",
    metadata,
    Column("id", Uuid, ForeignKey("staff_users.id"), primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("max_chats", Integer, nullable=False),
    Column("skills", JSONType, nullable=False),
    Column("seniority", Integer, nullable=False),
    Column("last_activity_at", UTCDateTime),
    Column("avatar_url", String(500)),
    Column("active", Boolean, nullable=False, server_default=true()),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(40), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("subject_id", Uuid, nullable=False),
    Column("subject_type", String(20), nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

visitors = Table(
    "visitors",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("site_id", Uuid, ForeignKey("sites.id"), nullable=False),
    Column("fingerprint", String(200)),
    Column("lifecycle", String(20), nullable=False),
    Column("name", String(200)),
    Column("email", String(255)),
    Column("phone", String(50)),
    Column("user_agent", String(1000)),
    Column("source", String(200)),
    Column("campaign", String(200)),
    Column("time_zone", String(100)),
    Column("location", String(200)),
    Column("current_url", String(2000)),
    Column("referrer", String(2000)),
    Column("consent_version", String(50)),
    Column("consented_at", UTCDateTime),
    Column("email_consent_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_visitors_site_fingerprint", "site_id", "fingerprint"),
)

visitor_sessions = Table(
    "visitor_sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("visitor_id", Uuid, ForeignKey("visitors.id"), nullable=False, index=True),
    Column("company_id", Uuid, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_heartbeat_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("current_url", String(2000)),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("visitor_id", Uuid, ForeignKey("visitors.id"), nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("session_id", Uuid),
    Column("type", String(100), nullable=False),
    Column("url", String(2000)),
    Column("page_category", String(20)),
    Column("duration_ms", BigInteger),
    Column("metadata", JSONType),
    Column("occurred_at", UTCDateTime, nullable=False),
    Index("ix_tracking_visitor_time", "visitor_id", "occurred_at"),
)

chats = Table(
    "chats",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("visitor_id", Uuid, ForeignKey("visitors.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("visitor_info", JSONType, nullable=False),
    Column("metadata", JSONType, nullable=False),
    Column("department_key", String(200)),
    Column("assigned_commercial_id", Uuid, index=True),
    Column("assigned_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("close_reason", String(500)),
    Column("resolution", String(500)),
    Column("satisfaction", Integer),
    Column("last_message_at", UTCDateTime),
    Column("last_message_preview", String(200)),
    Column("total_messages", Integer, nullable=False),
    Column("agent_requested_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_chats_company_status", "company_id", "status"),
    Index("ix_chats_company_created", "company_id", "created_at"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("chat_id", Uuid, ForeignKey("chats.id"), nullable=False),
    Column("company_id", Uuid, nullable=False),
    Column("sender_id", Uuid, nullable=False),
    Column("sender_role", String(20), nullable=False),
    Column("sender_name", String(200)),
    Column("content", Text, nullable=False),
    Column("type", String(20), nullable=False),
    Column("is_internal", Boolean, nullable=False),
    Column("metadata", JSONType, nullable=False),
    Column("client_message_id", String(200)),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime),
    Index("ix_messages_chat_sent", "chat_id", "sent_at"),
    UniqueConstraint("chat_id", "sender_id", "client_message_id", name="uq_messages_client_id"),
)

events = Table(
    "events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("aggregate_type", String(40), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(80), nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("schema_version", SmallInteger, nullable=False, server_default=text("1")),
    Column("actor_id", String(80)),
    Column("actor_type", String(20)),
    Column("correlation_id", String(80)),
    Column("occurred_at", UTCDateTime, nullable=False),
    UniqueConstraint("company_id", "seq", name="uq_events_company_seq"),
    Index("ix_events_aggregate", "aggregate_id", "version"),
)

company_sequences = Table(
    "company_sequences",
    metadata,
    Column("company_id", Uuid, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
)

visitor_analyses = Table(
    "visitor_analyses",
    metadata,
    Column("visitor_id", Uuid, ForeignKey("visitors.id"), primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("session_id", Uuid),
    Column("conversion_probability", Float(53), nullable=False),
    Column("segment", String(20), nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("top_factors", JSONType, nullable=False),
    Column("features", JSONType, nullable=False),
    Column("profile", JSONType, nullable=False),
    Column("context", JSONType, nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    Index("ix_visitor_analyses_company_segment", "company_id", "segment"),
)

visitor_conversions = Table(
    "visitor_conversions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("visitor_id", Uuid, ForeignKey("visitors.id"), nullable=False, index=True),
    Column("company_id", Uuid, nullable=False),
    Column("session_id", Uuid),
    Column("value", Float(53)),
    Column("currency", String(3)),
    Column("occurred_at", UTCDateTime, nullable=False),
)

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("visitor_id", Uuid, nullable=False, index=True),
    Column("kind", String(40), nullable=False),
    Column("to_address", String(255), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("last_error", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("reply_to", String(320)),
    Index("ix_mail_outbox_due", "status", "next_attempt_at"),
)
"""E-mails waiting for the SMTP server: written in the transaction that decides to send them,
deleted never; ``status`` pending -> sent, or failed after the last attempt."""

sagas = Table(
    "sagas",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("type", String(80), nullable=False),
    Column("status", String(20), nullable=False),
    Column("steps", JSONType, nullable=False),
    Column("context", JSONType, nullable=False),
    Column("error", Text),
    Column("owner", String(120)),
    Column("lease_expires_at", UTCDateTime),
    Column("revision", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_sagas_company_status", "company_id", "status"),
)

consumer_positions = Table(
    "consumer_positions",
    metadata,
    Column("company_id", Uuid, ForeignKey("companies.id"), primary_key=True),
    Column("consumer", String(80), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False),
    Column("consumer", String(80), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event", JSONType, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("consumer", "event_id", name="uq_dead_letters_consumer_event"),
    Index("ix_dead_letters_company_status", "company_id", "status"),
)

metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("node", String(120), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("point", JSONType, nullable=False),
    Index("ix_metric_snapshots_at", "at"),
)
"""The dashboard's metric points (one every ``metrics_interval_s`` per server process), kept
for ``metrics_retention_days``; operational data, not a projection of the event log."""

login_throttles = Table(
    "login_throttles",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", UTCDateTime),
    Column("locked_until", UTCDateTime),
    Column("lockouts", Integer, nullable=False),
    Index("ix_login_throttles_window_started_at", "window_started_at"),
)
"""Wrong-password counters per hashed e-mail and per client address (``domain/login_throttle``);
operational data, pruned once quiet, never in the event log."""

staff_totp = Table(
    "staff_totp",
    metadata,
    Column("staff_id", Uuid, ForeignKey("staff_users.id"), primary_key=True),
    Column("secret_ciphertext", Text, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("last_step", BigInteger, nullable=False),
    Column("recovery_hashes", JSONType, nullable=False),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("company_id", Uuid, ForeignKey("companies.id"), nullable=False, index=True),
    Column("email", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("accepted_at", UTCDateTime),
)

company_security = Table(
    "company_security",
    metadata,
    Column("company_id", Uuid, ForeignKey("companies.id"), primary_key=True),
    Column("admins_need_totp", Boolean, nullable=False),
)

company_secrets = Table(
    "company_secrets",
    metadata,
    Column("company_id", Uuid, ForeignKey("companies.id"), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("ciphertext", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
"""Company secrets (LLM key, SMTP password, webhook secrets), encrypted with the deployment's
secrets key (``services/secret_box.py``); the plain value never reaches the database."""


# Features keep their tables in modules of their own, on this same metadata.
from guiders.store import agent_tools_tables as _agent_tools_tables  # noqa: E402, F401
from guiders.store import attachment_tables as _attachment_tables  # noqa: E402, F401
from guiders.store import chat_mail as _chat_mail  # noqa: E402, F401
from guiders.store import knowledge_tables as _knowledge_tables  # noqa: E402, F401
from guiders.store import privacy_tables as _privacy_tables  # noqa: E402, F401
from guiders.store import service_level_tables as _service_level_tables  # noqa: E402, F401
from guiders.store import settings as _settings_tables  # noqa: E402, F401
