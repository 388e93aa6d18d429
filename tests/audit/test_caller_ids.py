"""A caller whose subject id looks like personal data (an identity provider that uses e-mail
addresses or phone numbers as ``sub``) keeps its audit entries: the id is stored as its keyed
hash, and searching by the raw id finds them."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from proxy.audit.entry import RawValueError, decision_entry
from proxy.audit.search import SearchQuery, search
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.db.tables import audit_entries
from tests.audit.helpers import AGENT

JANE = Caller(subject="jane.doe@example.com", role="agent", region="eu", purpose="support")


def decision(caller: Caller) -> dict:
    return decision_entry(str(uuid.uuid4()), caller, "crm", "GET", "/contacts/{id}", "eu", "eu",
                          "rev-1", "allow", {"EMAIL_ADDRESS": 1})


async def stored_fields(log: AuditLog) -> list[str]:
    async with log.db.engine.connect() as connection:
        rows = await connection.execute(select(audit_entries.c.fields)
                                        .order_by(audit_entries.c.seq))
        return [row.fields for row in rows]


async def callers_found(log: AuditLog, caller: str) -> list[str]:
    found = await search(log.db, SearchQuery(caller=caller), log.hash_identifier)
    return [entry["fields"]["caller"]["sub"] for entry in found]


async def test_e_mail_caller_is_recorded_hashed_and_found(audit_log: AuditLog) -> None:
    fields = decision(JANE)
    audit_log.append("decision", fields)  # not refused
    audit_log.append("decision", decision(AGENT))
    await audit_log.flush()

    stored = await stored_fields(audit_log)
    assert len(stored) == 2 and "@" not in stored[0] and "example.com" not in stored[0]
    hashed = f"h:{audit_log.hash_identifier('jane.doe@example.com')}"
    assert json.loads(stored[0])["caller"] == {**JANE.as_input(), "sub": hashed}
    assert json.loads(stored[1])["caller"]["sub"] == "agent-7"  # ordinary ids unchanged
    assert fields["caller"]["sub"] == "jane.doe@example.com"  # the caller's dict untouched

    assert await callers_found(audit_log, "jane.doe@example.com") == [hashed]
    assert await callers_found(audit_log, " Jane.Doe@Example.com") == [hashed]  # normalised
    assert await callers_found(audit_log, hashed) == [hashed]
    assert await callers_found(audit_log, "agent-7") == ["agent-7"]
    assert (await verify_database(audit_log.db, audit_log.signer.public_key)).ok


async def test_phone_number_caller_in_any_entry_kind(audit_log: AuditLog) -> None:
    phone = Caller(subject="+49 151 23456789", role="dpo")
    audit_log.append("detokenize", {"caller": phone.as_input(), "tokens_returned": 2})
    audit_log.append("audit.access_denied", {"action": "audit.search",
                                             "caller": phone.as_input()})
    await audit_log.flush()
    assert not any("23456789" in text for text in await stored_fields(audit_log))
    assert len(await callers_found(audit_log, "+49 151 23456789")) == 2


@pytest.mark.parametrize("fields", [
    {"caller": {**JANE.as_input(), "tenant": "jane.doe@example.com"}},  # only sub is hashed
    {"caller": JANE.as_input(), "note": "call +49 151 23456789"},
])
async def test_other_raw_values_are_still_refused(audit_log: AuditLog, fields: dict) -> None:
    with pytest.raises(RawValueError) as error:
        audit_log.append("decision", fields)
    assert "example.com" not in str(error.value)
    await audit_log.flush()
    assert await stored_fields(audit_log) == []


async def test_searching_by_such_a_caller_needs_the_hasher(audit_log: AuditLog) -> None:
    with pytest.raises(ValueError):
        await search(audit_log.db, SearchQuery(caller="jane.doe@example.com"))
    assert await search(audit_log.db, SearchQuery(caller="agent-7")) == []
