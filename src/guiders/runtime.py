"""The composition root: database, bus, relay and use cases for one process."""

from __future__ import annotations

from dataclasses import dataclass

from guiders.bus.memory import InProcessBus
from guiders.config import Settings
from guiders.services.container import Services
from guiders.services.credentials import TokenService
from guiders.services.ports import EventBus, PresenceStore, UnitOfWork
from guiders.services.presence import PresenceService
from guiders.store.database import Database
from guiders.store.relay import OutboxRelay
from guiders.store.unit_of_work import SqlUnitOfWork


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: EventBus
    relay: OutboxRelay
    services: Services
    presence: PresenceService

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        db = Database.from_settings(settings)
        bus = build_bus(settings)
        relay = OutboxRelay(db, bus, interval_s=settings.relay_interval_s)

        def uow() -> UnitOfWork:
            return SqlUnitOfWork(db, after_commit=relay.publish_committed)

        tokens = TokenService(
            uow,
            secret=settings.jwt_secret,
            access_ttl_s=settings.access_token_ttl_s,
            visitor_ttl_s=settings.visitor_token_ttl_s,
            refresh_ttl_s=settings.refresh_token_ttl_s,
        )
        services = Services.build(uow, tokens)
        presence = PresenceService(
            uow,
            build_presence_store(settings),
            services.chats,
            services.commercials,
            grace_s=settings.presence_grace_s,
        )
        return cls(
            settings=settings,
            db=db,
            bus=bus,
            relay=relay,
            services=services,
            presence=presence,
        )

    async def start(self) -> None:
        await self.bus.start()
        await self.relay.start()
        await self.presence.start()

    async def stop(self) -> None:
        await self.presence.stop()
        await self.relay.stop()
        await self.bus.close()
        await self.db.dispose()


def build_bus(settings: Settings) -> EventBus:
    """Redis when ``GUIDERS_REDIS_URL`` is set (several nodes), else in process."""
    if settings.redis_url:
        from guiders.bus.redis import RedisBus

        return RedisBus(settings.redis_url, stream=f"{settings.redis_prefix}:events")
    return InProcessBus()


def build_presence_store(settings: Settings) -> PresenceStore:
    """Open sockets and typing in Redis when several nodes share them, else in memory."""
    if settings.redis_url:
        from guiders.presence.redis import RedisPresence

        return RedisPresence(settings.redis_url, prefix=settings.redis_prefix)
    from guiders.presence.memory import MemoryPresence

    return MemoryPresence()
