"""Database configuration section (``database:`` in the gateway YAML)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

DEFAULT_URL = "sqlite+aiosqlite:///{data_dir}/gateway.sqlite"


class DatabaseSettings(BaseModel):
    """Where state lives. SQLite (embedded, one replica) by default; PostgreSQL
    (``postgresql+asyncpg://user@host/db``) for several replicas.

    ``master_key`` (base64 of 32 random bytes, usually ``${GATEWAY_MASTER_KEY}``) wraps every
    key stored in the database (token keys, evidence case keys). Without it a key file is
    created under ``data_dir``, which only suits a single machine.
    """

    # Same rules as proxy.settings._Model (importing it would be circular).
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = DEFAULT_URL
    schema_name: str | None = Field(default=None, description="PostgreSQL schema (search_path)")
    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    pool_size: int = Field(default=10, gt=0)

    @field_validator("url")
    @classmethod
    def _driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://...")
        return value

    @field_validator("schema_name")
    @classmethod
    def _identifier(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
            raise ValueError("must be a lower-case SQL identifier")
        return value

    def resolved_url(self, data_dir: Path) -> str:
        return self.url.replace("{data_dir}", str(data_dir))

    def resolved_key_file(self, data_dir: Path) -> Path:
        return self.master_key_file or data_dir / "master.key"
