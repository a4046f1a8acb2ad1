"""Settings: read once, from the environment (``GUIDERS_*``) and an optional ``.env`` file.

Nothing else in the code base reads the environment; everything receives a ``Settings``.
One class of about 400 lines on purpose: every installation setting, with its default and its
description, in one place (``docs/configuration.md`` explains them).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_JWT_SECRET_BYTES = 32
REFUSED_SECRET_DIGESTS = frozenset(
    {"e0f7200bab485db1fbf9b41d262b7cc4257e94812308267c63eea8879e7791df"}
)
"""SHA-256 of secrets that were published (the former development placeholder): configuring
one is refused in every environment, so a token signed with it never verifies."""

DEFAULT_BODY_LIMITS: dict[str, int] = {
    "/api/auth/": 16 * 1024,
    "/api/user/auth/": 16 * 1024,
    "/api/v2/knowledge/sources/upload": 25 * 1024 * 1024,  # = knowledge_upload_max_bytes
}
"""Request body limits of their own (path prefix: bytes); ``GUIDERS_BODY_LIMITS`` adds to them
or overrides one; every other route has ``GUIDERS_MAX_BODY_BYTES``."""

PRODUCTION_PROFILE: dict[str, Any] = {
    "db_pool_min": 5,
    "db_pool_max": 20,
    "db_pool_idle_s": 300,
    "db_retries": 3,
    "db_retry_backoff_s": 0.2,
    "cache_profile_ttl_s": 3600.0,
    "log_level": "INFO",
    "log_format": "json",
    "log_info_sample_rate": 0.1,
    "metrics_interval_s": 10.0,
    "metrics_retention_days": 7.0,
    "alert_p95_ms": 5000.0,
    "alert_error_rate": 0.05,
    "alert_ai_failure_rate": 0.10,
}
"""``GUIDERS_PROFILE=production``: these values unless a variable sets its own
(docs/configuration.md). The AI client's production values are the bot's defaults
(``GUIDERS_BOT_LLM_*``, docs/bot.md)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDERS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    profile: Literal["default", "production"] = Field(
        default="default", description="production: the production profile's values as defaults"
    )
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default SQLite under data_dir"
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema (search_path) to use; default public"
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL; when set the bus, Socket.IO fan-out and presence use Redis",
    )
    redis_prefix: str = Field(
        default="guiders", description="Prefix of every Redis key and channel of this deployment"
    )
    event_routing: Literal["company", "shared"] = Field(
        default="company",
        description="With Redis: company = a stream per company, read by the nodes serving it; "
        "shared = one stream every node reads whole (docs/deployment.md)",
    )
    presence_grace_s: float = Field(
        default=30.0, description="Seconds an agent stays online after their last socket closes"
    )
    presence_requires_connection: bool = Field(
        default=True,
        description=(
            "Only agents with a live console connection are given chats and counted online; "
            "false trusts the status alone (agents working only through the REST API)"
        ),
    )
    presence_ping_interval_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds between the server's heartbeat pings on each Socket.IO connection",
    )
    presence_ping_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds without a heartbeat answer after which a connection counts as closed",
    )
    handoff_answer_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Seconds an agent a chat is handed to has to answer before the next one",
    )
    handoff_poll_s: float = Field(
        default=1.0, gt=0, description="How often a hand-off looks whether the agent answered"
    )
    sla_scan_s: float = Field(
        default=30.0, gt=0, description="how often open chats are checked against the SLA targets"
    )
    alert_sla_breaches_per_hour: float = Field(
        default=0.0, ge=0, description="SLA breaches an hour above which SlaBreached is raised"
    )
    handoff_scan_s: float = Field(
        default=5.0,
        gt=0,
        description="How often waiting and orphaned hand-offs are looked at (events wake it too)",
    )
    handoff_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="Seconds after its last save that a dead server's hand-off is resumed",
    )
    sdk_secretless_sockets: bool = Field(
        default=False,
        description="Accept the SDK's {visitorId, tenantId} socket handshake without a secret "
        "(refused in production)",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks whose X-Forwarded-For is believed",
    )
    secrets_key: str | None = Field(
        default=None,
        description="Fernet key(s) encrypting stored secrets; default data_dir/secrets.key",
    )
    platform_admin_token: str | None = Field(
        default=None,
        description="Bearer token of /api/platform; default data_dir/platform-admin.token",
    )
    login_hash_concurrency: int = Field(
        default=2, ge=1, le=16, description="Argon2 hashes run at once (in threads)"
    )
    jwt_secret: str | None = Field(
        default=None,
        description="HS256 key of access tokens (>= 32 bytes); unset: a random one kept in "
        "data_dir/jwt-secret (required in production)",
    )
    access_token_ttl_s: int = 15 * 60
    visitor_token_ttl_s: int = 60 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_pool_idle_s: int = 300
    db_retries: int = Field(
        default=3, ge=0, description="Retries of getting a database connection, with backoff"
    )
    db_retry_backoff_s: float = Field(
        default=0.1, gt=0, description="First retry delay; doubles each time"
    )
    rate_limit_per_minute: int = 600
    public_rate_limit_per_minute: int = 120
    relay_interval_s: float = 0.5
    metrics_enabled: bool = Field(
        default=True, description="Record Prometheus metrics (off only to measure their cost)"
    )
    metrics_interval_s: float = Field(
        default=10.0, gt=0, description="How often the dashboard's metric points are sampled"
    )
    metrics_retention_days: float = Field(
        default=7.0, gt=0, description="How long the metric points are kept in the database"
    )
    privacy_retention_interval_s: float = Field(
        default=3600.0,
        ge=0,
        description="How often the retention job runs (0: never; docs/privacy.md)",
    )
    alert_p95_ms: float = Field(default=5000.0, gt=0, description="p95 response time (warning)")
    alert_error_rate: float = Field(default=0.05, ge=0, le=1, description="5xx share (critical)")
    alert_ai_failure_rate: float = Field(
        default=0.10, ge=0, le=1, description="failed LLM calls share (warning)"
    )
    alert_login_failures_per_minute: float = Field(
        default=30.0, gt=0, description="refused staff sign-ins a minute (warning)"
    )
    alert_model_ece: float = Field(
        default=0.05, gt=0, le=1, description="conversion model's live ECE (warning)"
    )
    alert_model_psi: float = Field(
        default=0.25, gt=0, description="largest PSI of a model input (warning)"
    )
    cache_profile_ttl_s: float = Field(
        default=3600.0, ge=0, description="Visitor profile / prediction reads; 0 turns it off"
    )
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    log_info_sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)

    # analytics (docs/analytics.md): the worker inside `guiders up`, segments and strategies
    analytics_enabled: bool = True
    analytics_model_dir: Path | None = Field(
        default=None, description="Conversion model directory; default data_dir/models/conversion"
    )
    analytics_vip_above: float = Field(default=0.8, ge=0.0, le=1.0)
    analytics_nurturing_below: float = Field(default=0.4, ge=0.0, le=1.0)
    analytics_debounce_s: float = Field(default=2.0, ge=0.0)
    analytics_poll_s: float = Field(default=1.0, gt=0.0)
    shadow_graduation_acceptance: float = Field(
        default=0.8, gt=0, le=1, description="share of drafts sent unchanged to propose a topic"
    )
    shadow_graduation_min_drafts: int = Field(
        default=20, ge=1, description="drafts reviewed before a topic can be proposed"
    )
    analytics_health_interval_s: float = Field(
        default=3600.0, gt=0.0, description="Seconds between the worker's model-health reports"
    )
    nurturing_content_title: str = "How to choose: our buying guide"
    nurturing_content_body: str = (
        "Not sure yet? Our guide compares the options side by side and answers the usual questions."
    )
    nurturing_content_url: str | None = None
    followup_email_subject: str = "Still deciding? Here is our buying guide"
    followup_email_body: str = (
        "Hello {name},\n\nThanks for visiting. If you are still comparing options, our buying "
        "guide answers the most common questions.\n\nReply to this e-mail if we can help.\n"
    )
    followup_email_cooldown_days: float = Field(default=7.0, ge=0.0)

    # outgoing e-mail (nurturing follow-ups); without smtp_host e-mails stay queued
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_from: str = "Guiders <no-reply@localhost>"
    smtp_timeout_s: float = 10.0
    # continue by e-mail (docs/configuration.md): signed reply-to addresses, inbound SMTP
    inbound_smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port of the inbound SMTP endpoint for visitors' e-mail replies "
        "(`guiders up`/`serve` start it when set)",
    )
    inbound_smtp_host: str = Field(
        default="127.0.0.1", description="Address the inbound SMTP endpoint listens on"
    )
    inbound_mail_domain: str | None = Field(
        default=None,
        description="Domain of the reply+<chat>.<signature>@ addresses (a company may set its own)",
    )
    inbound_max_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest inbound e-mail accepted (SMTP SIZE)"
    )
    chat_link_ttl_days: int = Field(
        default=14, ge=1, le=365, description="How long an e-mailed link back to the chat works"
    )
    chat_page_url: str | None = Field(
        default=None,
        description="Page the e-mailed link opens (with the widget); default: the site's domain",
    )
    mail_max_attempts: int = Field(default=8, ge=1)
    mail_retry_base_s: float = Field(default=30.0, gt=0.0)
    mail_poll_s: float = Field(default=2.0, gt=0.0)
    pipeline_api_url: str = "http://127.0.0.1:8000"
    pipeline_api_key: str | None = Field(
        default=None, description="integration key the pipeline worker acts with"
    )
    pipeline_rules: Path | None = Field(default=None, description="the business rules YAML")
    bot_enabled: bool = Field(
        default=True, description="`guiders up` runs the AI bot in-process (GUIDERS_BOT_ENABLED)"
    )
    demo_documents: bool = Field(
        default=True,
        description="`guiders up` adds the demo shop's help pages to the demo company's "
        "knowledge sources, once (GUIDERS_DEMO_DOCUMENTS)",
    )
    pipeline_enabled: bool = Field(
        default=True,
        description="`guiders up` runs a pipeline worker in-process (GUIDERS_PIPELINE_ENABLED)",
    )

    # the edge (docs/security.md): what an anonymous client may cost
    failed_auth_per_minute: int = Field(
        default=60, ge=1, description="Failed credentials per client address and minute"
    )
    legacy_api_keys: bool = Field(
        default=False,
        description="Accept integration keys made before the checksum (gdr_live_ + 43 chars)",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Request body limit of a route without its own"
    )
    body_limits: dict[str, int] = Field(
        default_factory=dict,
        description="Body limit per path prefix (JSON), over DEFAULT_BODY_LIMITS; the longest "
        "matching prefix wins",
    )
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=1024 * 1024 * 1024,
        description="Largest file (image or PDF) a visitor or agent may send in a chat",
    )
    max_open_chats_per_visitor: int = Field(
        default=5,
        ge=1,
        description="Chats not closed one visitor may have; one more is refused with 409 "
        "too_many_open_chats, whoever opens it (docs/security.md)",
    )
    attachment_max_files_per_visitor: int = Field(
        default=100, ge=1, description="Files the chats of one visitor may hold in all"
    )
    attachment_max_bytes_per_visitor: int = Field(
        default=200 * 1024 * 1024, ge=1024, description="Bytes the chats of one visitor may hold"
    )
    attachments_dir: Path | None = Field(
        default=None, description="Where attachments are stored; default data_dir/attachments"
    )
    attachments_s3_bucket: str | None = Field(
        default=None,
        description="Store attachments in this S3-compatible bucket instead of on disk "
        "(needs boto3; see docs/configuration.md)",
    )
    attachments_s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (MinIO, Ceph...); default AWS"
    )
    attachments_s3_region: str | None = Field(default=None, description="S3 region")
    attachments_s3_access_key: str | None = Field(default=None, description="S3 access key id")
    attachments_s3_secret_key: str | None = Field(default=None, description="S3 secret access key")
    max_header_bytes: int = Field(
        default=32 * 1024, ge=4096, description="Request line and headers, in `guiders serve/up`"
    )
    socket_max_message_bytes: int = Field(
        default=128 * 1024,
        ge=1024,
        description="Largest Socket.IO message (Engine.IO max_http_buffer_size)",
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token /metrics requires; in production /metrics is off without one",
    )
    docs_enabled: bool = Field(
        default=True, description="Serve /docs (Swagger UI, assets served locally) and /redoc"
    )
    # knowledge sources (docs/knowledge.md): ingestion on every server node
    knowledge_enabled: bool = Field(
        default=True, description="Run the ingestion worker and answer from documents"
    )
    knowledge_allow_private_addresses: bool = Field(
        default=False,
        description="Let the crawler fetch loopback, private and link-local addresses",
    )
    webhooks_allow_private_addresses: bool = Field(
        default=False,
        description="Let outgoing webhooks reach loopback, private and link-local addresses",
    )
    knowledge_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest page or file read (bytes)"
    )
    knowledge_upload_max_bytes: int = Field(
        default=25 * 1024 * 1024, gt=0, description="Largest upload request (bytes)"
    )
    knowledge_fetch_timeout_s: float = Field(default=15.0, gt=0)
    knowledge_max_redirects: int = Field(default=5, ge=0, le=20)
    knowledge_max_pages: int = Field(
        default=500, ge=1, description="Upper bound on any source's maxPages"
    )
    knowledge_poll_s: float = Field(
        default=10.0, gt=0, description="How often the worker looks for due re-crawls"
    )
    knowledge_parse_processes: int = Field(
        default=1, ge=0, description="Worker processes that parse documents (0: in a thread)"
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if isinstance(data, dict) and str(data.get("profile", "")).lower() == "production":
            return {**PRODUCTION_PROFILE, **data}
        return data

    @model_validator(mode="after")
    def _refuse_weak_secret(self) -> Settings:
        secret = self.jwt_secret
        if secret is not None and secret_is_refused(secret):
            raise ValueError("GUIDERS_JWT_SECRET is a published placeholder: set a random secret")
        if self.environment == "production" and (
            secret is None or len(secret.encode()) < MIN_JWT_SECRET_BYTES
        ):
            raise ValueError(
                f"GUIDERS_JWT_SECRET must be set to a random secret of at least "
                f"{MIN_JWT_SECRET_BYTES} bytes in production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_insecure_switches_in_production(self) -> Settings:
        """Secure by default: a switch that weakens authentication must not reach production."""
        if self.environment == "production" and self.sdk_secretless_sockets:
            raise ValueError(
                "GUIDERS_SDK_SECRETLESS_SOCKETS=true is refused in production: anyone who knows "
                "a visitor id could read that visitor's chats (the SDK must send {token} or "
                "{sessionId})"
            )
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'guiders.db').resolve()}"

    @property
    def resolved_model_dir(self) -> Path:
        return self.analytics_model_dir or self.data_dir / "models" / "conversion"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def secret_is_refused(secret: str) -> bool:
    return hashlib.sha256(secret.encode()).hexdigest() in REFUSED_SECRET_DIGESTS
