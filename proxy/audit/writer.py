"""The audit log's batched asynchronous appender.

``append`` only validates, serializes and enqueues (a few microseconds, no I/O); a
background task writes batches in one transaction each, chaining hashes under a lock on the
log's head row (so several replicas can share one PostgreSQL log) and signing a checkpoint
every ``checkpoint_every`` entries or ``checkpoint_interval_seconds``. ``close`` writes
everything acknowledged before returning. Both run on the event loop, so the per-entry work
is kept small: orjson for the canonical form, cheap first looks in the raw-data guard and
the time's second formatted once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from proxy.audit.chain import GENESIS, entry_hash, sha256_hex
from proxy.audit.checkpoints import Checkpoint, Signer
from proxy.audit.encode import canonical_text
from proxy.audit.entry import (
    SEARCH_COLUMNS,
    IdentifierHasher,
    RawValueError,
    category_of,
    find_raw_values,
    search_columns,
    suspicious,
    with_hashed_caller,
)
from proxy.audit.settings import AuditSettings
from proxy.db import Database
from proxy.db.master_key import MasterKey
from proxy.db.tables import audit_checkpoints, audit_entries, audit_heads

if TYPE_CHECKING:  # proxy.settings imports proxy.audit.settings
    from proxy.settings import Settings

logger = logging.getLogger(__name__)


class AuditClosed(RuntimeError):
    """append() after close()."""


class AuditBackpressure(RuntimeError):
    """The database has fallen too far behind; refuse the request rather than lose its entry."""


class AuditUnavailable(RuntimeError):
    """Acknowledged entries could not be written before the deadline."""


def format_time(ns: int) -> str:
    seconds, micros = divmod(ns // 1000, 1_000_000)
    return f"{_format_second(seconds)}.{micros:06d}Z"


@functools.lru_cache(maxsize=4)  # a batch's entries mostly share their second
def _format_second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def utc_now() -> str:
    return format_time(time.time_ns())


@dataclass(slots=True)  # not frozen: a frozen dataclass costs 4x as much to create
class _Pending:
    ns: int
    kind: str
    fields: str  # canonical JSON
    columns: tuple[str | None, ...]  # SEARCH_COLUMNS


_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_INSERT_COLUMNS = ("log", "seq", "ts", "kind", "category", "fields", "fields_sha256",
                   "prev_hash", "entry_hash", *SEARCH_COLUMNS)


class AuditLog:
    def __init__(self, db: Database, settings: AuditSettings, signer: Signer,
                 hasher: IdentifierHasher) -> None:
        self.db = db
        self.settings = settings
        self.name = settings.log_name
        self.signer = signer
        self.hasher = hasher
        self._pending: list[_Pending] = []
        self._appended = 0
        self._written = 0
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._closing = False
        self._last_checkpoint_at = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._insert_sql: str | None = None
        self._kinds: set[str] = set()

    @classmethod
    async def open(cls, db: Database, settings: Settings) -> AuditLog:
        audit: AuditSettings = settings.audit
        signer = Signer.from_file(audit.resolved_signing_key_file(settings.data_dir))
        master = MasterKey.load(settings.database, settings.data_dir)
        log = cls(db, audit, signer, IdentifierHasher(master.derive("audit-identifier-hash")))
        await log.start()
        return log

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"audit-writer-{self.name}")

    def append(self, kind: str, fields: dict[str, Any]) -> None:
        """Queue one entry. Raises RawValueError for fields that look like raw personal data,
        TypeError for values with no canonical form, AuditBackpressure when the queue is full."""
        if self._closing:
            raise AuditClosed("audit log is closed")
        if len(self._pending) >= self.settings.max_pending:
            raise AuditBackpressure("audit queue full")
        if kind not in self._kinds:
            if not _KIND.fullmatch(kind):
                raise ValueError(f"bad entry kind {kind!r}")
            self._kinds.add(kind)
        fields, text = self._checked(fields)
        self._pending.append(_Pending(time.time_ns(), kind, text, search_columns(fields)))
        self._appended += 1
        if len(self._pending) >= self.settings.batch_size:
            self._wake.set()

    def _checked(self, fields: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The fields to store (a caller id that looks like personal data replaced by its
        keyed hash) and their canonical JSON; RawValueError for anything else suspicious."""
        text = canonical_text(fields)
        if not suspicious(text):
            return fields, text
        hashed = with_hashed_caller(fields, self.hash_identifier)
        if hashed is not None:
            fields, text = hashed, canonical_text(hashed)
            if not suspicious(text):
                return fields, text
        suspects = ", ".join(find_raw_values(fields)) or "(unnamed)"
        raise RawValueError(f"raw personal data in audit fields: {suspects}")

    def hash_identifier(self, identifier: str) -> str:
        return self.hasher.hash(identifier)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until every entry appended before this call is in the database."""
        target = self._appended
        self._wake.set()
        async with asyncio.timeout(timeout), self._progress:
            await self._progress.wait_for(lambda: self._written >= target)

    async def checkpoint(self) -> Checkpoint | None:
        """Flush, then sign the current head now (used before exporting a pack)."""
        await self.flush()
        return await self._checkpoint_head()

    async def _checkpoint_head(self) -> Checkpoint | None:
        async with self.db.write() as connection:
            head = await self._lock_head(connection)
            latest = await self._latest_checkpoint(connection)
            if head is None or (latest is not None and latest.seq >= head[0]):
                return latest
            return await self._sign(connection, *head)

    async def close(self, timeout: float = 30.0) -> None:
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            raise AuditUnavailable(f"{len(self._pending)} audit entries not written") from None
        finally:
            self._task = None

    async def _run(self) -> None:
        interval = self.settings.flush_interval_ms / 1000
        backoff = interval
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
            try:
                await self._drain()
                await self._periodic_checkpoint()
                backoff = interval
            except Exception as exc:  # keep entries queued and retry; never log their content
                logger.error("audit write failed (%s); %d entries queued, retrying",
                             type(exc).__name__, len(self._pending))
                backoff = min(backoff * 2, 5.0)
                await asyncio.sleep(backoff)
                continue
            if self._closing and not self._pending:
                await self._final_checkpoint()
                return

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self.settings.batch_size]
            async with self.db.write() as connection:
                await self._write(connection, batch)
            del self._pending[: len(batch)]
            self._written += len(batch)
            async with self._progress:
                self._progress.notify_all()

    async def _write(self, connection: AsyncConnection, batch: list[_Pending]) -> None:
        head = await self._lock_head(connection)
        seq, prev = head if head else (0, GENESIS)
        rows, due = [], []
        for item in batch:
            seq += 1
            ts, digest = format_time(item.ns), sha256_hex(item.fields.encode("utf-8"))
            hash_ = entry_hash({"log": self.name, "seq": seq, "ts": ts, "kind": item.kind,
                                "fields_sha256": digest, "prev_hash": prev})
            rows.append((self.name, seq, ts, item.kind, category_of(item.kind), item.fields,
                          digest, prev, hash_, *item.columns))  # _INSERT_COLUMNS
            prev = hash_
            if seq % self.settings.checkpoint_every == 0:
                due.append((seq, prev))
        await self._insert(connection, rows)
        for checkpoint_seq, checkpoint_hash in due:
            await self._sign(connection, checkpoint_seq, checkpoint_hash)
        if head is None:
            await connection.execute(insert(audit_heads).values(
                log=self.name, seq=seq, entry_hash=prev))
        else:
            await connection.execute(update(audit_heads).where(audit_heads.c.log == self.name)
                                     .values(seq=seq, entry_hash=prev))

    async def _insert(self, connection: AsyncConnection, rows: list[tuple[Any, ...]]) -> None:
        """Plain driver executemany of rows in _INSERT_COLUMNS order: SQLAlchemy's per-row
        processing would cost more than everything else the writer does."""
        if self._insert_sql is None:
            statement = insert(audit_entries).values(
                {name: bindparam(name) for name in _INSERT_COLUMNS}).compile(
                dialect=connection.dialect)
            if tuple(statement.positiontup or ()) != _INSERT_COLUMNS:
                raise RuntimeError("audit writer needs a positional DB-API driver")
            self._insert_sql = str(statement)
        await connection.exec_driver_sql(self._insert_sql, rows)

    async def _periodic_checkpoint(self) -> None:
        due = self._last_checkpoint_at + self.settings.checkpoint_interval_seconds
        if time.monotonic() >= due:
            await self._final_checkpoint()

    async def _final_checkpoint(self) -> None:
        await self._checkpoint_head()
        self._last_checkpoint_at = time.monotonic()

    async def _lock_head(self, connection: AsyncConnection) -> tuple[int, str] | None:
        row = (await connection.execute(
            select(audit_heads.c.seq, audit_heads.c.entry_hash)
            .where(audit_heads.c.log == self.name).with_for_update())).first()
        return (row.seq, row.entry_hash) if row else None

    async def _sign(self, connection: AsyncConnection, seq: int, hash_: str) -> Checkpoint:
        checkpoint = self.signer.sign(self.name, seq, hash_, utc_now())
        await connection.execute(insert(audit_checkpoints).values(
            log=checkpoint.log, seq=checkpoint.seq, entry_hash=checkpoint.entry_hash,
            ts=checkpoint.ts, key_id=checkpoint.key_id, signature=checkpoint.signature))
        self._last_checkpoint_at = time.monotonic()
        return checkpoint

    async def _latest_checkpoint(self, connection: AsyncConnection) -> Checkpoint | None:
        row = (await connection.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.log == self.name)
            .order_by(audit_checkpoints.c.seq.desc()).limit(1))).first()
        return Checkpoint(**row._mapping) if row else None
