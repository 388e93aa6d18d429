"""Find audit entries by time range, caller, subject (hashed), system, outcome, DSAR case."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select

from proxy.db import Database
from proxy.db.tables import audit_entries

MAX_LIMIT = 1000


class SearchQuery(BaseModel):
    """Times are ISO-8601 UTC ("2026-11-23T00:00:00Z"). ``subject`` is a raw identifier
    hashed before use; ``subject_hash`` is an already hashed one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: str | None = None
    until: str | None = None
    caller: str | None = None
    subject: str | None = None
    subject_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    system: str | None = None
    outcome: str | None = None
    case_id: str | None = None
    kind: str | None = None
    log: str | None = None
    after_seq: int = 0
    limit: int = Field(default=100, gt=0, le=MAX_LIMIT)


def _statement(query: SearchQuery, subject_hash: str | None) -> Select[Any]:
    table = audit_entries.c
    statement = select(audit_entries).where(table.seq > query.after_seq)
    equal = {table.log: query.log, table.caller_sub: query.caller,
             table.subject_hash: subject_hash, table.system: query.system,
             table.outcome: query.outcome, table.case_id: query.case_id, table.kind: query.kind}
    for column, value in equal.items():
        if value is not None:
            statement = statement.where(column == value)
    if query.since:
        statement = statement.where(table.ts >= _normal_time(query.since))
    if query.until:
        statement = statement.where(table.ts < _normal_time(query.until))
    return statement.order_by(table.log, table.seq).limit(query.limit)


def _normal_time(value: str) -> str:
    """Stored times look like 2026-11-23T04:54:21.123456Z; accept the usual shorter forms."""
    value = value.replace(" ", "T").removesuffix("Z").removesuffix("+00:00")
    return value if "T" in value else f"{value}T00:00:00"


def entry_dict(row: Any) -> dict[str, Any]:
    return {"log": row.log, "seq": row.seq, "ts": row.ts, "kind": row.kind,
            "fields": json.loads(row.fields) if row.fields is not None else None,
            "fields_sha256": row.fields_sha256, "prev_hash": row.prev_hash,
            "entry_hash": row.entry_hash, "purged_at": row.purged_at}


async def search(db: Database, query: SearchQuery,
                 hash_identifier: Any = None) -> list[dict[str, Any]]:
    subject_hash = query.subject_hash
    if query.subject is not None:
        if hash_identifier is None:
            raise ValueError("searching by subject needs the identifier hasher")
        subject_hash = hash_identifier(query.subject)
    async with db.engine.connect() as connection:
        rows = await connection.execute(_statement(query, subject_hash))
        return [entry_dict(row) for row in rows]
