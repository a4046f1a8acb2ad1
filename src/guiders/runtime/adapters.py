"""Which adapter serves each port: Redis when several nodes share it, else in process.

Chosen from the settings here and nowhere else (``lint-imports`` keeps the rest of the code
off ``store``, ``bus``, ``cache``, ``presence`` and ``mail``).
"""

from __future__ import annotations

import socketio

from guiders.bus.memory import InProcessBus
from guiders.config import Settings
from guiders.services.availability import PEOPLE_EVENTS
from guiders.services.handoff import WAKING_EVENTS
from guiders.services.mail_servers import SENDER_EVENTS
from guiders.services.ports import Cache, EventBus, FileStore, PresenceStore
from guiders.services.staff_standing import STANDING_EVENTS
from guiders.store.files import LocalFileStore, S3FileStore
from guiders.store.visitor_keys import ERASURE_EVENTS


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
            | SENDER_EVENTS
            | PEOPLE_EVENTS,
        )
    if settings.redis_url:
        from guiders.bus.redis import RedisBus

        return RedisBus(settings.redis_url, stream=f"{settings.redis_prefix}:events")
    return InProcessBus()


def socket_manager(settings: Settings) -> socketio.AsyncManager:
    """With Redis, emits to rooms (typing, ...) reach the sockets of every node."""
    if settings.redis_url:
        return socketio.AsyncRedisManager(
            settings.redis_url, channel=f"{settings.redis_prefix}:socketio"
        )
    return socketio.AsyncManager()


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
