"""Find audit entries by time range, caller, subject (hashed), system, outcome, DSAR case."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select

from proxy.audit.entry import caller_id, looks_raw
from proxy.db import Database
from proxy.db.tables import audit_entries

MAX_LIMIT = 1000


class SearchQuery(BaseModel):
    """Times are ISO-8601 UTC ("2026-11-23T00:00:00Z"). ``subject`` is a raw identifier
    hashed before use; ``subject_hash`` is an already hashed one. ``caller`` is a caller's
    subject id as its token has it (one that looks like personal data, as an e-mail address,
    is hashed the way entries store it)."""

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


def _statement(query: SearchQuery, subject_hash: str | None,
               caller: str | None) -> Select[Any]:
    table = audit_entries.c
    statement = select(audit_entries).where(table.seq > query.after_seq)
    equal = {table.log: query.log, table.caller_sub: caller,
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
                 hash_identifier: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    subject_hash, caller = query.subject_hash, query.caller
    if query.subject is not None:
        subject_hash = _hasher(hash_identifier, "subject")(query.subject)
    if caller is not None and looks_raw("sub", caller):
        caller = caller_id(caller, _hasher(hash_identifier, "a caller id like this"))
    async with db.engine.connect() as connection:
        rows = await connection.execute(_statement(query, subject_hash, caller))
        return [entry_dict(row) for row in rows]


def _hasher(hash_identifier: Callable[[str], str] | None, what: str) -> Callable[[str], str]:
    if hash_identifier is None:
        raise ValueError(f"searching by {what} needs the identifier hasher")
    return hash_identifier
