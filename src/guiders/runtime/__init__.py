"""The composition root: the one place that picks adapters and wires them to the services.

``guiders up``, ``guiders bot``/``pipeline``/``analytics`` when embedded, the operator commands
(``guiders company``, ``guiders privacy``, ``guiders keys``, ``guiders events``) and the tests
all build through :class:`Runtime`. The modules here:

- ``root``: the :class:`Runtime` of one process, built once, started and stopped with it;
- ``adapters``: which bus, cache, presence store, file store and Socket.IO manager;
- ``configs``: the services' configuration read from the settings;
- ``mail``: the outbox's SMTP dispatcher and the inbound SMTP endpoint;
- ``workers``: knowledge ingestion and the embedded client workers;
- ``hooks``: what one service does on another's event;
- ``commands``: one use case run from the command line, without a server.
"""

from guiders.runtime.adapters import build_cache
from guiders.runtime.commands import run_once
from guiders.runtime.hooks import forget_scored
from guiders.runtime.root import Runtime
from guiders.runtime.workers import embedded_workers

__all__ = ["Runtime", "build_cache", "embedded_workers", "forget_scored", "run_once"]
