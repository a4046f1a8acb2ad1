"""The production profile: its values become the defaults, explicit variables still win."""

from __future__ import annotations

import pytest

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
