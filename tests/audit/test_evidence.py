"""Evidence items: stored encrypted, checked for size and type, recorded in the chain,
unreadable once the case key is destroyed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from proxy.audit.chain import sha256_hex
from proxy.audit.evidence import EvidenceRejected, EvidenceStore, EvidenceUnavailable
from proxy.audit.search import SearchQuery, search
from proxy.audit.settings import EvidenceSettings
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditLog
from proxy.db.master_key import MasterKey
from proxy.db.tables import evidence_items
from proxy.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00IHDR" + bytes(range(200))
LETTER = "Sehr geehrte Frau Schmidt, wir bestätigen Ihren Antrag.".encode()


@pytest.fixture
def store(audit_log: AuditLog, settings: Settings) -> EvidenceStore:
    master = MasterKey.load(settings.database, settings.data_dir)
    return EvidenceStore(audit_log, master, EvidenceSettings(max_bytes=4096))


async def test_round_trip_is_encrypted_at_rest_and_chained(store: EvidenceStore,
                                                           audit_log: AuditLog) -> None:
    item = await store.add("case-1", "correspondence", "brief_schmidt.txt", "text/plain",
                           LETTER, "dpo-1")
    async with audit_log.db.engine.connect() as connection:
        row = (await connection.execute(select(evidence_items))).one()
    assert b"Schmidt" not in row.ciphertext and b"schmidt" not in row.name_ciphertext
    _, name, data = await store.read("case-1", item.item_id, "dpo-1")
    assert (name, data) == ("brief_schmidt.txt", LETTER)
    await audit_log.flush()
    added = await search(audit_log.db, SearchQuery(case_id="case-1", kind="evidence.added"))
    assert added[0]["fields"]["sha256"] == sha256_hex(LETTER) == item.sha256
    assert [e["kind"] for e in await search(audit_log.db, SearchQuery(case_id="case-1"))] == [
        "evidence.added", "evidence.read"]


@pytest.mark.parametrize(("content_type", "data", "reason"), [
    ("image/png", b"GIF89a" + bytes(10), "content is not image/png"),
    ("application/pdf", PNG, "content is not application/pdf"),
    ("application/x-msdownload", b"MZ\x90\x00", "is not accepted"),
    ("text/plain", b"\xff\xfe\x00bad", "content is not text/plain"),
    ("image/png", PNG + bytes(5000), "larger than 4096 bytes"),
    ("text/plain", b"", "empty file"),
])
async def test_size_and_type_limits(store: EvidenceStore, content_type: str, data: bytes,
                                    reason: str) -> None:
    with pytest.raises(EvidenceRejected, match=reason):
        await store.add("case-1", "screenshot", "x", content_type, data, "dpo-1")
    assert await store.items("case-1") == []


async def test_unknown_category_is_rejected(store: EvidenceStore) -> None:
    with pytest.raises(EvidenceRejected, match="category"):
        await store.add("case-1", "selfie", "x.png", "image/png", PNG, "dpo-1")


async def test_destroying_the_case_key_shreds_only_that_case(store: EvidenceStore,
                                                             audit_log: AuditLog) -> None:
    first = await store.add("case-1", "screenshot", "a.png", "image/png", PNG, "dpo-1")
    other = await store.add("case-2", "screenshot", "b.png", "image/png", PNG, "dpo-1")
    assert await store.destroy_case_key("case-1", "dpo-1")
    with pytest.raises(EvidenceUnavailable, match="destroyed"):
        await store.read("case-1", first.item_id, "dpo-1")
    with pytest.raises(EvidenceUnavailable):
        await store.add("case-1", "screenshot", "c.png", "image/png", PNG, "dpo-1")
    assert (await store.read("case-2", other.item_id, "dpo-1"))[2] == PNG
    await audit_log.flush()
    assert (await verify_database(audit_log.db, audit_log.signer.public_key)).ok
