import io
import json
import random

import pytest
import structlog

from guiders.observability.logging import InfoSampler, configure_logging
from guiders.services.ports import correlation_id_var


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    yield out
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_level_time_and_the_request_correlation_id(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", stream=stream)
    token = correlation_id_var.set("req-42")
    try:
        structlog.get_logger("t").info("chat assigned", chat_id="c1")
    finally:
        correlation_id_var.reset(token)
    (line,) = lines(stream)
    assert line["event"] == "chat assigned"
    assert line["correlation_id"] == "req-42"
    assert line["level"] == "info"
    assert line["chat_id"] == "c1"
    assert str(line["timestamp"]).endswith("Z")


def test_level_filters_below_it(stream: io.StringIO) -> None:
    configure_logging("WARNING", "json", stream=stream)
    log = structlog.get_logger("t")
    log.info("dropped")
    log.warning("kept")
    assert [line["event"] for line in lines(stream)] == ["kept"]


def test_sampling_drops_info_but_never_warnings(stream: io.StringIO) -> None:
    configure_logging("INFO", "json", info_sample_rate=0.0, stream=stream)
    log = structlog.get_logger("t")
    for _ in range(20):
        log.info("noise")
    log.error("failure")
    assert [line["event"] for line in lines(stream)] == ["failure"]


def test_sampler_keeps_about_the_configured_fraction() -> None:
    sampler = InfoSampler(0.25, rng=random.Random(7))
    kept = 0
    for _ in range(4000):
        try:
            sampler(None, "info", {"event": "x"})
            kept += 1
        except structlog.DropEvent:
            pass
    assert 800 < kept < 1200


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD")
