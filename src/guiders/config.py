"""Settings: read once, from the environment (``GUIDERS_*``) and an optional ``.env`` file.

Nothing else in the code base reads the environment; everything receives a ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-before-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUIDERS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default SQLite under data_dir"
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema (search_path) to use; default public"
    )
    redis_url: str | None = None
    jwt_secret: str = DEV_SECRET
    access_token_ttl_s: int = 15 * 60
    visitor_token_ttl_s: int = 60 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_pool_idle_s: int = 300
    rate_limit_per_minute: int = 600
    public_rate_limit_per_minute: int = 120
    relay_interval_s: float = 0.5
    pipeline_api_url: str = "http://127.0.0.1:8000"
    pipeline_api_key: str | None = Field(
        default=None, description="integration key the pipeline worker acts with"
    )
    pipeline_rules: Path | None = Field(default=None, description="the business rules YAML")
    bot_enabled: bool = Field(
        default=True, description="`guiders up` runs the AI bot in-process (GUIDERS_BOT_ENABLED)"
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == DEV_SECRET:
            raise ValueError("GUIDERS_JWT_SECRET must be set to a real secret in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'guiders.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
