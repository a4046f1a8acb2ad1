"""The composition root: database, bus, relay and use cases for one process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import socketio

from guiders.bus.memory import InProcessBus
from guiders.config import Settings
from guiders.domain.events import StoredEvent
from guiders.domain.strategy import NurturingContent, StrategyConfig
from guiders.mail.inbound import InboundConfig, InboundSmtp
from guiders.mail.smtp import SmtpSender
from guiders.observability.alert_events import AlertPublisher, still_raised
from guiders.observability.alerts import AlertEvaluator, production_rules
from guiders.observability.metrics import record_key_check
from guiders.observability.snapshot import MetricsCollector
from guiders.realtime.server import RealtimePorts
from guiders.secret_file import JWT_SECRET_FILE, read_or_create
from guiders.services.attachments import AttachmentService
from guiders.services.chat_mail import ChatMailConfig
from guiders.services.container import Services
from guiders.services.credentials import TokenService
from guiders.services.dashboard_figures import ChatFiguresService
from guiders.services.handoff import WAKING_EVENTS, HandoffWorker
from guiders.services.handoff_saga import HandoffSettings
from guiders.services.liveness import Liveness
from guiders.services.mail import MailDispatcher
from guiders.services.mail_servers import SENDER_EVENTS, MailServers
from guiders.services.ports import (
    Cache,
    EventBus,
    FileStore,
    PresenceStore,
    SmtpServer,
    UnitOfWork,
)
from guiders.services.presence import PresenceService
from guiders.services.retention_job import RetentionJob
from guiders.services.secret_box import SecretBox
from guiders.services.service_levels import SlaMonitor
from guiders.services.staff_standing import STANDING_EVENTS
from guiders.services.strategies import MailTemplate
from guiders.store.chat_figures import SqlChatTimings
from guiders.store.database import Database
from guiders.store.files import LocalFileStore, S3FileStore
from guiders.store.relay import OutboxRelay
from guiders.store.snapshots import SqlSnapshotStore
from guiders.store.unit_of_work import SqlUnitOfWork
from guiders.store.visitor_keys import ERASURE_EVENTS, VisitorKeys
from guiders.supervision import BackgroundWorker, Readiness, supervise

if TYPE_CHECKING:
    from guiders.ingest.answers import NodeIndexes
    from guiders.ingest.worker import IngestionWorker


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: EventBus
    relay: OutboxRelay
    services: Services
    presence: PresenceService
    handoff: HandoffWorker
    attachments: AttachmentService
    figures: ChatFiguresService
    sla: SlaMonitor | None = field(default=None)
    mail: MailDispatcher | None = field(default=None)
    cache: Cache | None = field(default=None)
    ingestion: IngestionWorker | None = field(default=None)
    knowledge: NodeIndexes | None = field(default=None)
    inbound: InboundSmtp | None = field(default=None)
    """The inbound SMTP endpoint for visitors' e-mail replies, when a port is configured."""
    retention: RetentionJob | None = field(default=None)
    """Deletes what each company's retention period lets go (``docs/privacy.md``)."""
    background: list[BackgroundWorker] = field(default_factory=list)
    """In-process workers (bot, analytics, pipeline) started with the server, restarted
    when they crash, cancelled at stop (see ``supervision.py``)."""
    on_start: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    """Run by ``start`` once the adapters are up, before the background workers: ``guiders up``
    seeds the demo company there, in the server's loop, so nothing is built twice."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings = with_jwt_secret(settings)
        db = Database.from_settings(settings)
        bus = build_bus(settings)
        box = SecretBox.from_settings(settings.secrets_key, settings.data_dir)
        db.visitor_keys = keys = VisitorKeys(box)
        bus.subscribe_node(keys.on_event, ERASURE_EVENTS)
        relay = OutboxRelay(db, bus, interval_s=settings.relay_interval_s)

        def uow() -> UnitOfWork:
            return SqlUnitOfWork(db, after_commit=relay.publish_committed)

        tokens = TokenService(
            uow,
            secret=settings.jwt_secret or "",
            access_ttl_s=settings.access_token_ttl_s,
            visitor_ttl_s=settings.visitor_token_ttl_s,
            refresh_ttl_s=settings.refresh_token_ttl_s,
            legacy_keys=settings.legacy_api_keys,
            on_key_check=record_key_check,
        )
        cache = build_cache(settings)
        presence_store = build_presence_store(settings)
        services = Services.build(
            uow,
            tokens,
            box,
            strategy=strategy_config(settings),
            mail_template=mail_template(settings),
            cache=cache,
            profile_ttl_s=settings.cache_profile_ttl_s,
            hash_concurrency=settings.login_hash_concurrency,
            chat_mail=chat_mail_config(settings, tokens),
            liveness=Liveness(presence_store, required=settings.presence_requires_connection),
        )
        bus.subscribe_published(forget_scored(services))
        bus.subscribe_node(tokens.standing.on_event, STANDING_EVENTS)
        presence = PresenceService(
            uow,
            presence_store,
            services.chats,
            services.commercials,
            grace_s=settings.presence_grace_s,
            sweep=settings.presence_requires_connection,
        )
        # continue by e-mail: an agent's reply to a visitor with no widget open, on any node
        services.mailer.visitor_online = presence.online
        # once per cluster: on the node that stored the reply (the outbox id dedupes anyway)
        bus.subscribe_published(services.mailer.on_event)
        ingestion, knowledge = knowledge_workers(settings, uow, services)
        if knowledge is not None:
            from guiders.ingest.answers import REFRESH_EVENTS

            bus.subscribe_node(knowledge.on_event, frozenset(REFRESH_EVENTS))
        handoff = HandoffWorker(
            services.handoff.records,
            services.chats,
            services.messages,
            services.commercials,
            HandoffSettings(
                answer_timeout_s=settings.handoff_answer_timeout_s,
                poll_s=settings.handoff_poll_s,
                scan_s=settings.handoff_scan_s,
                lease_s=settings.handoff_lease_s,
            ),
        )
        services.handoff.requested = handoff.submit
        bus.subscribe_node(handoff.on_event, WAKING_EVENTS)
        attachments = AttachmentService(
            uow,
            build_file_store(settings),
            max_bytes=settings.attachment_max_bytes,
            max_files_per_visitor=settings.attachment_max_files_per_visitor,
            max_bytes_per_visitor=settings.attachment_max_bytes_per_visitor,
        )
        services.privacy.erased_hooks.append(forget_files(attachments))
        return cls(
            settings=settings,
            db=db,
            bus=bus,
            relay=relay,
            services=services,
            presence=presence,
            figures=ChatFiguresService(uow, SqlChatTimings(db)),
            attachments=attachments,
            handoff=handoff,
            mail=mail_dispatcher(settings, uow, services, bus),
            cache=cache,
            ingestion=ingestion,
            knowledge=knowledge,
            inbound=inbound_smtp(settings, services),
            retention=(
                RetentionJob(services.privacy, settings.privacy_retention_interval_s)
                if settings.privacy_retention_interval_s > 0
                else None
            ),
            sla=SlaMonitor(uow, services.settings, interval_s=settings.sla_scan_s),
        )

    def metrics_collector(self) -> MetricsCollector:
        """The server's metric points, stored for the retention period, and its alerts,
        published to the event log (the app starts and stops it with itself)."""
        settings = self.settings
        store = SqlSnapshotStore(self.db)
        host = socket.gethostname()
        node = f"{host}:{os.getpid()}"
        rules = production_rules(
            settings.alert_p95_ms,
            settings.alert_error_rate,
            settings.alert_ai_failure_rate,
            settings.alert_login_failures_per_minute,
            settings.alert_sla_breaches_per_hour,
        )
        return MetricsCollector(
            settings.metrics_interval_s,
            store=store,
            retention=timedelta(days=settings.metrics_retention_days),
            alerts=AlertEvaluator(rules),
            publish=AlertPublisher(self.services.uow, store.company_ids, node),
            restore=lambda: still_raised(rules, store.last_events, host),
            node=node,
        )

    def realtime_ports(self) -> RealtimePorts:
        """What the Socket.IO server uses, and nothing else of this runtime."""
        return RealtimePorts(
            bus=self.bus,
            presence=self.presence,
            tokens=self.services.tokens,
            visitors=self.services.visitors,
            chats=self.services.chats,
            uow=self.services.uow,
            manager=socket_manager(self.settings),
            max_message_bytes=self.settings.socket_max_message_bytes,
            secretless_sockets=self.settings.sdk_secretless_sockets,
            ping_interval_s=self.settings.presence_ping_interval_s,
            ping_timeout_s=self.settings.presence_ping_timeout_s,
        )

    def workers_ready(self) -> dict[str, bool]:
        """The in-process workers the server is not ready without, and whether they are."""
        return {w.name: w.readiness.ready for w in self.background if w.readiness is not None}

    async def start(self) -> None:
        await self.bus.start()
        await self.relay.start()
        await self.presence.start()
        await self.handoff.start()
        if self.sla is not None:
            await self.sla.start()
        if self.mail is not None:
            await self.mail.start()
        if self.ingestion is not None:
            await self.ingestion.start()
        if self.inbound is not None:
            await self.inbound.start()
        if self.knowledge is not None:
            self.knowledge.warm()
        if self.retention is not None:
            await self.retention.start()
        for hook in self.on_start:
            await hook(self)
        self._tasks = [
            asyncio.create_task(supervise(worker), name=worker.name) for worker in self.background
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self.ingestion is not None:
            await self.ingestion.stop()
        if self.knowledge is not None:
            await self.knowledge.close()
        await self.handoff.stop()
        if self.retention is not None:
            await self.retention.stop()
        if self.sla is not None:
            await self.sla.stop()
        if self.mail is not None:
            await self.mail.stop()
        if self.inbound is not None:
            await self.inbound.stop()
        await self.presence.stop()
        await self.relay.stop()
        await self.services.mailer.drain()
        await self.bus.close()
        if self.cache is not None:
            await self.cache.close()
        await self.db.dispose()


def with_jwt_secret(settings: Settings) -> Settings:
    """The settings with a signing secret: the configured one, else this installation's own,
    made at first start and kept in ``data_dir/jwt-secret`` (never a built-in default)."""
    if settings.jwt_secret:
        return settings
    secret = read_or_create(settings.data_dir / JWT_SECRET_FILE)
    return settings.model_copy(update={"jwt_secret": secret})


def knowledge_workers(
    settings: Settings, uow: Callable[[], UnitOfWork], services: Services
) -> tuple[IngestionWorker | None, NodeIndexes | None]:
    """The ingestion worker and this node's answer indexes. One thread runs the encoder for
    both (it is not safe to share between threads): ingestion encodes a document at a time,
    so a question waits at most that long behind it."""
    if not settings.knowledge_enabled:
        return None, None
    from guiders.ingest.answers import NodeIndexes
    from guiders.ingest.jobs import JobSettings
    from guiders.ingest.worker import IngestionWorker

    encoder = ThreadPoolExecutor(1, thread_name_prefix="knowledge")
    job = JobSettings(
        allow_private=settings.knowledge_allow_private_addresses,
        max_bytes=settings.knowledge_max_bytes,
        timeout_s=settings.knowledge_fetch_timeout_s,
        max_redirects=settings.knowledge_max_redirects,
        max_pages=settings.knowledge_max_pages,
    )
    worker = IngestionWorker(
        uow,
        job,
        poll_s=settings.knowledge_poll_s,
        parse_processes=settings.knowledge_parse_processes,
        encode_executor=encoder,
    )
    indexes = NodeIndexes(uow, encoder)
    services.knowledge.answers = indexes
    services.knowledge.wake = worker.wake
    return worker, indexes


def build_bus(settings: Settings) -> EventBus:
    """Redis when ``GUIDERS_REDIS_URL`` is set (several nodes), else in process."""
    if settings.redis_url and settings.event_routing == "company":
        from guiders.bus.routed import RoutedRedisBus
        from guiders.ingest.answers import REFRESH_EVENTS

        return RoutedRedisBus(
            settings.redis_url,
            prefix=settings.redis_prefix,
            node_types=WAKING_EVENTS
            | frozenset(REFRESH_EVENTS)
            | ERASURE_EVENTS
            | STANDING_EVENTS
            | SENDER_EVENTS,
        )
    if settings.redis_url:
        from guiders.bus.redis import RedisBus

        return RedisBus(settings.redis_url, stream=f"{settings.redis_prefix}:events")
    return InProcessBus()


def embedded_workers(
    settings: Settings, url: str, key: Callable[[], str]
) -> list[BackgroundWorker]:
    """The bot, analytics and pipeline workers ``guiders up`` runs next to the server; each
    talks to it through the client, with the integration key ``key()`` gives when it starts."""
    workers = []
    if settings.bot_enabled:
        from guiders.bot.embedded import run_embedded as run_bot

        bot_ready = Readiness()
        workers.append(
            BackgroundWorker(
                "bot",
                lambda: run_bot(url, key(), settings.data_dir, on_ready=bot_ready.set),
                server=url,
                readiness=bot_ready,
            )
        )
    if settings.analytics_enabled:
        from guiders.analytics.embedded import run_embedded as run_analytics

        workers.append(
            BackgroundWorker("analytics", lambda: run_analytics(settings, url, key()), server=url)
        )
    if settings.pipeline_enabled:
        from guiders.pipeline.embedded import run_embedded as run_pipeline

        workers.append(
            BackgroundWorker("pipeline", lambda: run_pipeline(settings, url, key()), server=url)
        )
    return workers


def socket_manager(settings: Settings) -> socketio.AsyncManager:
    """With Redis, emits to rooms (typing, ...) reach the sockets of every node."""
    if settings.redis_url:
        return socketio.AsyncRedisManager(
            settings.redis_url, channel=f"{settings.redis_prefix}:socketio"
        )
    return socketio.AsyncManager()


def forget_scored(services: Services) -> Callable[[StoredEvent], Coroutine[Any, Any, None]]:
    """Drops a cached prediction again when the score's event arrives: a read that raced the
    write (read the old row, cached it after the writer's delete) lasts milliseconds, not a TTL."""

    async def handler(event: StoredEvent) -> None:
        if event.type == "visitor.analyzed":
            await services.analytics.forget_prediction(event.aggregate_id)

    return handler


def build_cache(settings: Settings) -> Cache:
    """Redis when ``GUIDERS_REDIS_URL`` is set (shared by the nodes), else in process."""
    if settings.redis_url:
        from guiders.cache.redis import RedisCache

        return RedisCache(settings.redis_url, prefix=settings.redis_prefix)
    from guiders.cache.memory import MemoryCache

    return MemoryCache()


def build_file_store(settings: Settings) -> FileStore:
    """Attachments' bytes: an S3-compatible bucket when one is set, else the data dir."""
    if settings.attachments_s3_bucket:
        return S3FileStore(
            settings.attachments_s3_bucket,
            endpoint_url=settings.attachments_s3_endpoint_url,
            region=settings.attachments_s3_region,
            access_key=settings.attachments_s3_access_key,
            secret_key=settings.attachments_s3_secret_key,
        )
    return LocalFileStore(settings.attachments_dir or settings.data_dir / "attachments")


def build_presence_store(settings: Settings) -> PresenceStore:
    """Open sockets and typing in Redis when several nodes share them, else in memory."""
    if settings.redis_url:
        from guiders.presence.redis import RedisPresence

        return RedisPresence(settings.redis_url, prefix=settings.redis_prefix)
    from guiders.presence.memory import MemoryPresence

    return MemoryPresence()


def strategy_config(settings: Settings) -> StrategyConfig:
    return StrategyConfig(
        content=NurturingContent(
            title=settings.nurturing_content_title,
            body=settings.nurturing_content_body,
            url=settings.nurturing_content_url,
        ),
        email_cooldown=timedelta(days=settings.followup_email_cooldown_days),
    )


def mail_template(settings: Settings) -> MailTemplate:
    return MailTemplate(subject=settings.followup_email_subject, body=settings.followup_email_body)


def mail_dispatcher(
    settings: Settings, uow: Callable[[], UnitOfWork], services: Services, bus: EventBus
) -> MailDispatcher:
    """Always running: a company may set its own SMTP server in the console at any time;
    without one (theirs or ``smtp_host``) a company's e-mails wait in the outbox."""
    installation = (
        SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )
        if settings.smtp_host
        else None
    )
    servers = MailServers(
        uow, services.settings, services.secrets, installation, timeout_s=settings.smtp_timeout_s
    )
    bus.subscribe_node(servers.on_event, SENDER_EVENTS)
    return MailDispatcher(
        uow,
        SmtpSender(),
        servers,
        poll_s=settings.mail_poll_s,
        max_attempts=settings.mail_max_attempts,
        retry_base_s=settings.mail_retry_base_s,
    )


def chat_mail_config(settings: Settings, tokens: TokenService) -> ChatMailConfig:
    return ChatMailConfig(
        secret=tokens.mail_secret,
        default_domain=settings.inbound_mail_domain,
        link_ttl=timedelta(days=settings.chat_link_ttl_days),
        chat_page_url=settings.chat_page_url,
    )


def inbound_smtp(settings: Settings, services: Services) -> InboundSmtp | None:
    """The endpoint for visitors' e-mail replies, when ``inbound_smtp_port`` is set."""
    if settings.inbound_smtp_port is None:
        return None
    return InboundSmtp(
        services.mailer,
        InboundConfig(
            host=settings.inbound_smtp_host,
            port=settings.inbound_smtp_port,
            max_bytes=settings.inbound_max_bytes,
        ),
    )


def forget_files(attachments: AttachmentService) -> Callable[[UUID], Awaitable[None]]:
    """An erased visitor's attachments go too: their rows, then their bytes."""

    async def forget(visitor_id: UUID) -> None:
        await attachments.erase_visitor(visitor_id)

    return forget
