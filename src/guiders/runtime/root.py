"""The runtime of one process: its database, bus, relay and use cases, built once from the
settings, started and stopped with the process (the adapters are chosen in ``adapters.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from guiders.config import Settings
from guiders.mail.inbound import InboundSmtp
from guiders.observability.alert_events import AlertPublisher, still_raised
from guiders.observability.alerts import AlertEvaluator, production_rules
from guiders.observability.metrics import record_key_check
from guiders.observability.snapshot import MetricsCollector
from guiders.realtime.server import RealtimePorts
from guiders.runtime.adapters import (
    build_bus,
    build_cache,
    build_file_store,
    build_presence_store,
    socket_manager,
)
from guiders.runtime.configs import (
    chat_mail_config,
    mail_template,
    strategy_config,
    with_jwt_secret,
)
from guiders.runtime.hooks import forget_files, forget_scored
from guiders.runtime.mail import inbound_smtp, mail_dispatcher
from guiders.runtime.workers import knowledge_workers
from guiders.services.attachments import AttachmentService
from guiders.services.availability import PEOPLE_EVENTS
from guiders.services.bot_identity import BotIdentity
from guiders.services.container import Services
from guiders.services.credentials import TokenService
from guiders.services.dashboard_figures import ChatFiguresService
from guiders.services.handoff import WAKING_EVENTS, HandoffWorker
from guiders.services.handoff_saga import HandoffSettings
from guiders.services.liveness import Liveness
from guiders.services.mail import MailDispatcher
from guiders.services.ports import Cache, EventBus, UnitOfWork
from guiders.services.presence import PresenceService
from guiders.services.retention_job import RetentionJob
from guiders.services.search_indexing import SearchIndexing
from guiders.services.secret_box import SecretBox
from guiders.services.service_levels import SlaMonitor
from guiders.services.staff_standing import STANDING_EVENTS
from guiders.store.chat_figures import SqlChatTimings
from guiders.store.database import Database
from guiders.store.relay import OutboxRelay
from guiders.store.snapshots import SqlSnapshotStore
from guiders.store.unit_of_work import SqlUnitOfWork
from guiders.store.visitor_keys import ERASURE_EVENTS, VisitorKeys
from guiders.supervision import BackgroundWorker, supervise

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
    search_indexing: SearchIndexing | None = field(default=None)
    """Indexes new messages for search in batches, where the database does not (SQLite)."""
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
            max_open_chats_per_visitor=settings.max_open_chats_per_visitor,
        )
        bus.subscribe_published(forget_scored(services))
        bus.subscribe_node(services.availability.on_event, PEOPLE_EVENTS)
        bus.subscribe_node(tokens.standing.on_event, STANDING_EVENTS)
        presence = PresenceService(
            uow,
            presence_store,
            services.chats,
            services.agents,
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
            services.agents,
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
            identity=BotIdentity(services.settings),
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
            search_indexing=SearchIndexing(uow) if db.is_sqlite else None,
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
        if self.search_indexing is not None:
            await self.search_indexing.start()
        self.db.start()
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
        if self.search_indexing is not None:
            await self.search_indexing.stop()
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
