"""Tasks claimed from the database with a lease.

A claim picks a pending task whose time has come, or a running task whose lease lapsed (its
worker died), and takes it in one transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so concurrent workers never take the same row; on SQLite the write transaction starts with
``BEGIN IMMEDIATE`` and holds the database's single write lock, which has the same effect.
A worker renews its lease while it runs and may only record a result while it still holds
the lease, so a task reclaimed after a stall is not finished twice.

Each case also has one closing task (system ``*``): claimable only once every other task of
the case is done, so the export / clean-up at the end runs exactly once too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from dsar.store import FINALIZE, Task
from dsar.tables import tasks
from proxy.db import Database

Result = Literal["done", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class Finished:
    """What became of a task after its outcome was recorded (``state`` None: the lease had
    been lost, nothing was written)."""

    state: str | None
    not_before: datetime | None = None


class TaskQueue:
    def __init__(self, db: Database, lease_seconds: float) -> None:
        self._db = db
        self._lease = timedelta(seconds=lease_seconds)

    async def claim(self, owner: str, now: datetime) -> Task | None:
        sibling = aliased(tasks)
        unfinished_sibling = exists().where(
            sibling.c.case_id == tasks.c.case_id, sibling.c.system != FINALIZE,
            sibling.c.state != "done")
        claimable = or_(
            and_(tasks.c.state == "pending", tasks.c.not_before <= now),
            and_(tasks.c.state == "running", tasks.c.lease_until < now))
        ready = or_(tasks.c.system != FINALIZE, ~unfinished_sibling)
        query = (select(tasks.c.id).where(claimable, ready)
                 .order_by(tasks.c.not_before, tasks.c.id).limit(1)
                 .with_for_update(skip_locked=True, of=tasks))
        async with self._db.write() as connection:
            task_id = (await connection.execute(query)).scalar_one_or_none()
            if task_id is None:
                return None
            await connection.execute(
                update(tasks).where(tasks.c.id == task_id).values(
                    state="running", lease_owner=owner, lease_until=now + self._lease,
                    attempt=tasks.c.attempt + 1, updated_at=now))
            row = (await connection.execute(select(tasks).where(tasks.c.id == task_id))).one()
        return Task.from_row(row)

    async def heartbeat(self, task: Task, owner: str, now: datetime) -> bool:
        """Extend the lease; False when this worker no longer holds it."""
        async with self._db.write() as connection:
            result = await connection.execute(
                update(tasks).where(*self._held(task, owner))
                .values(lease_until=now + self._lease, updated_at=now))
        return result.rowcount == 1

    async def finish(self, task: Task, owner: str, result: Result, now: datetime, *,
                     summary: dict[str, Any], checkpoint: dict[str, Any], error: str | None,
                     retry_at: datetime | None) -> Finished:
        """Record an outcome: done, failed, or (``retry``) pending again at ``retry_at``
        (None: no attempts left, so failed)."""
        state: str = result
        if result == "retry":
            state = "pending" if retry_at is not None else "failed"
        values: dict[str, Any] = {
            "state": state, "lease_owner": None, "lease_until": None, "updated_at": now,
            "summary": json.dumps(summary, sort_keys=True),
            "checkpoint": json.dumps(checkpoint, sort_keys=True), "error": error}
        if state == "pending":
            values["not_before"] = retry_at
        async with self._db.write() as connection:
            changed = await connection.execute(
                update(tasks).where(*self._held(task, owner)).values(**values))
        if changed.rowcount != 1:
            return Finished(None)
        return Finished(state, retry_at if state == "pending" else None)

    async def release(self, task: Task, owner: str, now: datetime) -> None:
        """Hand a claimed task back unfinished (worker shutting down)."""
        async with self._db.write() as connection:
            await connection.execute(
                update(tasks).where(*self._held(task, owner)).values(
                    state="pending", lease_owner=None, lease_until=None, not_before=now,
                    updated_at=now))

    async def requeue_failed(self, case_id: str, now: datetime) -> int:
        """Failed tasks of a case pending again with fresh attempts (after a ``retry``)."""
        async with self._db.write() as connection:
            result = await connection.execute(
                update(tasks).where(tasks.c.case_id == case_id, tasks.c.state == "failed")
                .values(state="pending", attempt=0, not_before=now, error=None, updated_at=now))
        return result.rowcount

    async def counts(self, case_id: str) -> dict[str, int]:
        """Tasks of a case by state (the closing task not included)."""
        async with self._db.engine.connect() as connection:
            rows = (await connection.execute(
                select(tasks.c.state).where(tasks.c.case_id == case_id,
                                            tasks.c.system != FINALIZE))).scalars().all()
        counts: dict[str, int] = {}
        for state in rows:
            counts[state] = counts.get(state, 0) + 1
        return counts

    @staticmethod
    def _held(task: Task, owner: str) -> tuple[Any, ...]:
        return (tasks.c.id == task.id, tasks.c.state == "running", tasks.c.lease_owner == owner,
                tasks.c.attempt == task.attempt)
