from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from proxy.audit.writer import AuditLog
from proxy.db import Database
from proxy.settings import Settings, parse_settings
from tests.db.backends import backend, db

__all__ = ["audit_log", "backend", "db", "settings"]


@pytest.fixture
def settings(tmp_path: Path, backend: tuple[str, str | None]) -> Settings:
    url, schema = backend
    return parse_settings({
        "default_region": "eu",
        "data_dir": str(tmp_path / "data"),
        "identity": {"issuer": "t", "audience": "t", "algorithms": ["HS256"],
                     "hs_secret": "x" * 32},
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9"}}},
        "database": {"url": url, "schema_name": schema},
        "audit": {"flush_interval_ms": 5, "checkpoint_every": 10},
    })


@pytest.fixture
async def audit_log(db: Database, settings: Settings) -> AsyncIterator[AuditLog]:
    log = await AuditLog.open(db, settings)
    yield log
    await log.close()
