"""The DSAR service's tables (its own Alembic history in dsar/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class Instant(TypeDecorator[datetime]):
    """An aware UTC datetime stored as fixed-width ISO text, so it orders and compares the
    same way in SQL on SQLite and PostgreSQL."""

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


metadata = MetaData()

cases = Table(
    "dsar_cases", metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("state", String(32), nullable=False),
    Column("source", String(16), nullable=False),  # api | opendsr
    Column("external_id", String(64)),  # the OpenDSR subject_request_id
    Column("created_by", String(255), nullable=False),  # staff caller, not the subject
    # The identities, AES-GCM sealed; emptied when the case's retention ends.
    Column("identities_sealed", LargeBinary),
    Column("region", String(32)),
    Column("regime", String(8), nullable=False),
    Column("zone", String(64), nullable=False),
    Column("received_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("deadline", Text, nullable=False),  # dsar.deadlines.Deadline as JSON
    Column("duplicate_of", String(36)),
    Column("verification", Text),  # JSON: code hash, expiry, attempts, method
    Column("export_path", Text),
    Column("export_expires_at", Instant),
    Column("updated_at", Instant, nullable=False),
    Column("closed_at", Instant),
)
Index("ix_dsar_cases_state_due", cases.c.state, cases.c.due_at)
Index("ix_dsar_cases_external_id", cases.c.external_id)

# Keyed hashes of each case's normalized identities: duplicate detection without PII.
case_identities = Table(
    "dsar_case_identities", metadata,
    Column("case_id", String(36), primary_key=True),
    Column("identity_hash", String(64), primary_key=True),
)
Index("ix_dsar_case_identities_hash", case_identities.c.identity_hash)

tasks = Table(
    "dsar_tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(36), nullable=False),
    Column("system", String(64), nullable=False),
    Column("region", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("not_before", Instant, nullable=False),
    Column("lease_owner", String(64)),
    Column("lease_until", Instant),
    Column("checkpoint", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("error", Text),
    Column("updated_at", Instant, nullable=False),
    UniqueConstraint("case_id", "system", "region", name="uq_dsar_tasks_case_system_region"),
)
Index("ix_dsar_tasks_claim", tasks.c.state, tasks.c.not_before)

events = Table(
    "dsar_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(36), nullable=False),
    Column("at", Instant, nullable=False),
    Column("event", String(32), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("from_state", String(32)),
    Column("to_state", String(32)),
    Column("details", Text, nullable=False),  # JSON, no personal data of the subject
)
Index("ix_dsar_events_case", events.c.case_id, events.c.id)
