"""Settings: the production profile fills defaults (explicit variables still win), and
production refuses the switches that weaken security."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from guiders.config import PRODUCTION_PROFILE, Settings


def test_the_default_profile_keeps_the_development_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GUIDERS_PROFILE", raising=False)
    s = Settings(_env_file=None)
    assert s.profile == "default"
    assert (s.db_pool_min, s.db_pool_max, s.log_info_sample_rate) == (2, 10, 1.0)


def test_the_production_profile_fills_what_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDERS_PROFILE", "production")
    monkeypatch.setenv("GUIDERS_DB_POOL_MAX", "50")
    s = Settings(_env_file=None)
    assert s.db_pool_max == 50  # the variable wins
    for name, value in PRODUCTION_PROFILE.items():
        if name != "db_pool_max":
            assert getattr(s, name) == value, name
    assert s.metrics_retention_days == 7 and s.alert_error_rate == 0.05


PRODUCTION_SECRET = "x" * 48


def test_production_refuses_secretless_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone who knows a visitor id is that visitor: the switch must not reach production."""
    monkeypatch.setenv("GUIDERS_ENVIRONMENT", "production")
    monkeypatch.setenv("GUIDERS_JWT_SECRET", PRODUCTION_SECRET)
    monkeypatch.setenv("GUIDERS_SDK_SECRETLESS_SOCKETS", "true")
    refused = r"GUIDERS_SDK_SECRETLESS_SOCKETS=true is refused in production"
    with pytest.raises(ValidationError, match=refused):
        Settings(_env_file=None)

    monkeypatch.setenv("GUIDERS_SDK_SECRETLESS_SOCKETS", "false")
    assert Settings(_env_file=None).sdk_secretless_sockets is False


def test_secretless_sockets_stay_a_choice_outside_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GUIDERS_SDK_SECRETLESS_SOCKETS", "true")
    for environment in ("development", "test"):
        monkeypatch.setenv("GUIDERS_ENVIRONMENT", environment)
        assert Settings(_env_file=None).sdk_secretless_sockets is True
