"""Sagas: long-running work in steps, with persisted state, leases and compensation.

Why our own engine and not a library: the candidates (Temporal, Celery canvas, eventsourcing's
process applications, Dramatiq pipelines) either need a server or broker of their own, or keep
the saga's state somewhere other than our event log. Ours is ~200 lines over one small port
(``SagaStore``): each save is a revision-checked write of the saga's state, which the server
records in the event log like any other change (``domain/saga.py``); a worker owns a saga
through a lease, so a saga whose worker died is resumed by another from its saved state. The
same engine runs server-side (the hand-off, ``services/handoff.py``, over the database) and in
the pipeline worker (its rule sagas, over the public API), which no library we found offered
without its own infrastructure.

It imports nothing of ours but ``domain`` (the error vocabulary), so any layer may use it.
"""

from guiders.sagas.runner import (
    SagaDefinition,
    SagaRunner,
    Step,
    StepContext,
    StepFailed,
    StepWaiting,
)
from guiders.sagas.state import TERMINAL, MemorySagaStore, SagaState, SagaStore

__all__ = [
    "TERMINAL",
    "MemorySagaStore",
    "SagaDefinition",
    "SagaRunner",
    "SagaState",
    "SagaStore",
    "Step",
    "StepContext",
    "StepFailed",
    "StepWaiting",
]
