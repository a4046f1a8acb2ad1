"""Structured logs: one JSON object per line, with the request's correlation id.

The correlation id is the one the event log stores with each event (``X-Request-ID``), so a log
line and the events the same request appended can be found together.
"""

from __future__ import annotations

import logging
import random
import sys
from typing import Literal, TextIO

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from guiders.services.ports import correlation_id_var

LogFormat = Literal["json", "console"]


def add_correlation_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    correlation_id = correlation_id_var.get()
    if correlation_id is not None:
        event.setdefault("correlation_id", correlation_id)
    return event


class InfoSampler:
    """Keeps a fraction of info and debug lines; warnings and errors are never dropped."""

    def __init__(self, rate: float, rng: random.Random | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("the info sample rate is a fraction between 0 and 1")
        self.rate = rate
        self._rng = rng or random.Random()

    def __call__(self, _: WrappedLogger, method: str, event: EventDict) -> EventDict:
        if method in ("info", "debug") and self.rate < 1.0 and self._rng.random() >= self.rate:
            raise structlog.DropEvent
        return event


def configure_logging(
    level: str = "INFO",
    fmt: LogFormat = "json",
    info_sample_rate: float = 1.0,
    stream: TextIO | None = None,
) -> None:
    """Configures structlog and routes the standard library's loggers to the same stream."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    out = stream or sys.stdout
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        InfoSampler(info_sample_rate),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_correlation_id,
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=renderer,
            foreign_pre_chain=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                add_correlation_id,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    # The in-process workers poll their own server through httpx: one INFO line per request
    # would drown the log. Their failures still show (warnings and errors).
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))
