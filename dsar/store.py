"""Cases, their tasks and timeline in the database. Every state change goes through
`apply`, which checks the state machine and writes the timeline event in the same
transaction as the change."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dsar.deadlines import Deadline
from dsar.models import OPEN, CaseEvent, CaseState, next_state
from dsar.tables import case_identities, cases, events, tasks
from proxy.db import Database

FINALIZE = "*"  # the system name of each case's closing task (export / directory cleanup)


def now_utc() -> datetime:
    return datetime.now(UTC)


def deadline_to_json(deadline: Deadline) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, date) else v
                       for k, v in asdict(deadline).items()})


def deadline_from_json(text: str) -> Deadline:
    raw = json.loads(text)
    dates = {"received", "due", "original_due", "confirm_by"}
    return Deadline(**{k: date.fromisoformat(v) if k in dates and v else v
                       for k, v in raw.items()})


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    type: str
    state: CaseState
    source: str
    external_id: str | None
    created_by: str
    identities_sealed: bytes | None
    region: str | None
    regime: str
    zone: str
    received_at: datetime
    due_at: datetime
    deadline: Deadline
    duplicate_of: str | None
    verification: dict[str, Any] | None
    export_path: str | None
    export_expires_at: datetime | None
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Case:
        values = dict(row._mapping)
        values["deadline"] = deadline_from_json(values["deadline"])
        values["verification"] = json.loads(values["verification"] or "null")
        return cls(**values)

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """The case as the API shows it (never the identities)."""
        return {
            "id": self.id, "type": self.type, "state": self.state, "source": self.source,
            "external_id": self.external_id, "created_by": self.created_by,
            "region": self.region, "regime": self.regime,
            "received_at": self.received_at.isoformat(), "due_date": self.deadline.due.isoformat(),
            "due_at": self.due_at.isoformat(), "time_zone": self.zone,
            "confirm_by": self.deadline.confirm_by and self.deadline.confirm_by.isoformat(),
            "days_left": self.deadline.days_left(now),
            "overdue": self.state in OPEN and self.deadline.overdue(now),
            "extensions": self.deadline.extensions, "duplicate_of": self.duplicate_of,
            "verified": bool(self.verification and self.verification.get("verified")),
            "export_ready": self.export_path is not None,
            "updated_at": self.updated_at.isoformat(),
            "closed_at": self.closed_at and self.closed_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    case_id: str
    system: str
    region: str
    state: str
    attempt: int
    not_before: datetime
    lease_owner: str | None
    lease_until: datetime | None
    checkpoint: dict[str, Any]
    summary: dict[str, Any]
    error: str | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Task:
        values = dict(row._mapping)
        values["checkpoint"] = json.loads(values["checkpoint"])
        values["summary"] = json.loads(values["summary"])
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "system": self.system, "region": self.region,
                "state": self.state, "attempt": self.attempt, "summary": self.summary,
                "error": self.error, "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    case_id: str
    at: datetime
    event: str
    actor: str
    from_state: str | None
    to_state: str | None
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "event": self.event, "actor": self.actor,
                "from": self.from_state, "to": self.to_state, "details": self.details}


_CASE_COLUMNS = [cases.c[f.name] for f in fields(Case)]
Changes = Callable[[Case], dict[str, Any]]


class DsarStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, case: dict[str, Any], identity_hashes: Sequence[str],
                     actor: str, details: dict[str, Any]) -> None:
        async with self.db.write() as connection:
            await connection.execute(insert(cases).values(**case))
            await connection.execute(insert(case_identities), [
                {"case_id": case["id"], "identity_hash": h} for h in sorted(set(identity_hashes))])
            await _event(connection, case["id"], "create", actor, None, case["state"], details)

    async def open_duplicates(self, type_: str, identity_hashes: Sequence[str]) -> list[str]:
        """Open cases of the same type sharing any identity, oldest first."""
        query = (select(cases.c.id).distinct().join(
            case_identities, case_identities.c.case_id == cases.c.id)
            .where(cases.c.type == type_, cases.c.state.in_(sorted(OPEN)),
                   case_identities.c.identity_hash.in_(list(identity_hashes)))
            .order_by(cases.c.id))
        async with self.db.engine.connect() as connection:
            ids = (await connection.execute(query)).scalars().all()
        return list(ids)

    async def get(self, case_id: str) -> Case | None:
        return await self._one(cases.c.id == case_id)

    async def by_external_id(self, external_id: str) -> Case | None:
        return await self._one(cases.c.external_id == external_id)

    async def _one(self, where: Any) -> Case | None:
        async with self.db.engine.connect() as connection:
            row = (await connection.execute(select(*_CASE_COLUMNS).where(where))).first()
        return Case.from_row(row) if row else None

    async def list(self, *, state: str | None = None, type_: str | None = None,
                   due_before: datetime | None = None, open_only: bool = False,
                   limit: int = 100, offset: int = 0) -> list[Case]:
        query = select(*_CASE_COLUMNS).order_by(cases.c.due_at, cases.c.id)
        if state:
            query = query.where(cases.c.state == state)
        if type_:
            query = query.where(cases.c.type == type_)
        if open_only:
            query = query.where(cases.c.state.in_(sorted(OPEN)))
        if due_before is not None:
            query = query.where(cases.c.due_at <= due_before)
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(query.limit(limit).offset(offset))).all()
        return [Case.from_row(row) for row in rows]

    async def apply(self, case_id: str, event: CaseEvent, actor: str,
                    details: dict[str, Any], changes: Changes | None = None,
                    new_tasks: Sequence[tuple[str, str]] = ()) -> tuple[Case, Case]:
        """Move the case by ``event`` (TransitionError if its state does not allow it),
        with ``changes(case)`` as further column updates and ``new_tasks`` (system, region)
        created, all in one transaction. Returns the case before and after."""
        async with self.db.write() as connection:
            row = (await connection.execute(
                select(*_CASE_COLUMNS).where(cases.c.id == case_id).with_for_update())).first()
            if row is None:
                raise KeyError(case_id)
            before = Case.from_row(row)
            to_state = next_state(before.state, event)
            now = now_utc()
            values = {"state": to_state, "updated_at": now, **(changes(before) if changes else {})}
            if to_state != before.state and to_state not in OPEN:
                values["closed_at"] = now
            await connection.execute(update(cases).where(cases.c.id == case_id).values(**values))
            await _insert_tasks(connection, case_id, new_tasks, now)
            await _event(connection, case_id, event, actor, before.state, to_state, details)
            after = (await connection.execute(
                select(*_CASE_COLUMNS).where(cases.c.id == case_id))).one()
        return before, Case.from_row(after)

    async def update_fields(self, case_id: str, values: dict[str, Any]) -> None:
        """Columns that change without a transition (e.g. a failed code attempt)."""
        async with self.db.write() as connection:
            await connection.execute(update(cases).where(cases.c.id == case_id)
                                     .values(updated_at=now_utc(), **values))

    async def record(self, case_id: str, event: str, actor: str,
                     details: dict[str, Any]) -> None:
        """A timeline event that does not change the state."""
        async with self.db.write() as connection:
            await _event(connection, case_id, event, actor, None, None, details)

    async def tasks(self, case_id: str) -> list[Task]:
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(
                select(tasks).where(tasks.c.case_id == case_id)
                .order_by(tasks.c.system, tasks.c.region))).all()
        return [Task.from_row(row) for row in rows]

    async def events(self, case_id: str) -> list[Event]:
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(
                select(events).where(events.c.case_id == case_id).order_by(events.c.id))).all()
        return [Event(row.id, row.case_id, row.at, row.event, row.actor, row.from_state,
                      row.to_state, json.loads(row.details)) for row in rows]

    async def count(self) -> int:
        async with self.db.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(cases)))
                       .scalar_one())


async def _insert_tasks(connection: AsyncConnection, case_id: str,
                        pairs: Sequence[tuple[str, str]], now: datetime) -> None:
    if not pairs:
        return
    existing = {tuple(row) for row in (await connection.execute(
        select(tasks.c.system, tasks.c.region).where(tasks.c.case_id == case_id))).all()}
    rows = [{"id": str(uuid.uuid4()), "case_id": case_id, "system": system, "region": region,
             "state": "pending", "attempt": 0, "not_before": now, "checkpoint": "{}",
             "summary": "{}", "updated_at": now}
            for system, region in pairs if (system, region) not in existing]
    if rows:
        await connection.execute(insert(tasks), rows)


async def _event(connection: AsyncConnection, case_id: str, event: str, actor: str,
                 from_state: str | None, to_state: str | None, details: dict[str, Any]) -> None:
    await connection.execute(insert(events).values(
        case_id=case_id, at=now_utc(), event=event, actor=actor, from_state=from_state,
        to_state=to_state, details=json.dumps(details, sort_keys=True)))
