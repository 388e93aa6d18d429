"""Evidence files attached to a case (identity documents, screenshots, chat exports,
correspondence), encrypted with AES-256-GCM under a per-case key that the master key wraps.

Each upload is recorded in the audit chain by its SHA-256 and time; destroying the case key
makes every file of the case unreadable (crypto-shredding) while the chain still verifies.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from proxy.audit.chain import sha256_hex
from proxy.audit.settings import EVIDENCE_CATEGORIES, EvidenceSettings
from proxy.audit.writer import AuditLog, utc_now
from proxy.db.master_key import MasterKey
from proxy.db.tables import case_keys, evidence_items

_NONCE = 12
_MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",),
          "image/jpeg": (b"\xff\xd8\xff",)}
_TEXT_TYPES = {"text/plain", "text/csv", "message/rfc822"}


class EvidenceRejected(ValueError):
    """The upload breaks a size, type or category rule (the message says which)."""


class EvidenceUnavailable(LookupError):
    """No such item, or its content was purged or its case key destroyed."""


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    item_id: str
    case_id: str
    category: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: str
    purged_at: str | None


def check_content(data: bytes, content_type: str, settings: EvidenceSettings) -> None:
    if len(data) > settings.max_bytes:
        raise EvidenceRejected(f"larger than {settings.max_bytes} bytes")
    if not data:
        raise EvidenceRejected("empty file")
    if content_type not in settings.content_types:
        raise EvidenceRejected(f"content type {content_type!r} is not accepted")
    if content_type in _MAGIC and not data.startswith(_MAGIC[content_type]):
        raise EvidenceRejected(f"content is not {content_type}")
    if content_type in _TEXT_TYPES | {"application/json"}:
        try:
            text = data.decode("utf-8")
            if content_type == "application/json":
                json.loads(text)
        except ValueError:
            raise EvidenceRejected(f"content is not {content_type}") from None
        if "\x00" in text:
            raise EvidenceRejected(f"content is not {content_type}")


class EvidenceStore:
    def __init__(self, log: AuditLog, master: MasterKey, settings: EvidenceSettings) -> None:
        self._log = log
        self._db = log.db
        self._master = master
        self._settings = settings

    @property
    def max_bytes(self) -> int:
        return self._settings.max_bytes

    async def add(self, case_id: str, category: str, filename: str, content_type: str,
                  data: bytes, uploaded_by: str) -> EvidenceItem:
        if category not in EVIDENCE_CATEGORIES:
            raise EvidenceRejected(f"category must be one of {', '.join(EVIDENCE_CATEGORIES)}")
        check_content(data, content_type, self._settings)
        item = EvidenceItem(uuid.uuid4().hex, case_id, category, content_type, len(data),
                            sha256_hex(data), uploaded_by, utc_now(), None)
        async with self._db.write() as connection:
            cipher = AESGCM(await self._case_key(connection, case_id, create=True))
            await connection.execute(insert(evidence_items).values(
                item_id=item.item_id, case_id=case_id, category=category,
                content_type=content_type, size=item.size, sha256=item.sha256,
                name_ciphertext=_seal(cipher, filename.encode(), _aad(item, "name")),
                ciphertext=_seal(cipher, data, _aad(item, "content")),
                uploaded_by=uploaded_by, created_at=item.created_at))
        self._log.append("evidence.added", {
            "case_id": case_id, "item_id": item.item_id, "category": category,
            "content_type": content_type, "size": item.size, "sha256": item.sha256,
            "caller": {"sub": uploaded_by}})
        return item

    async def items(self, case_id: str) -> list[EvidenceItem]:
        async with self._db.engine.connect() as connection:
            rows = await connection.execute(
                select(*_ITEM_COLUMNS).where(evidence_items.c.case_id == case_id)
                .order_by(evidence_items.c.created_at))
            return [EvidenceItem(**row._mapping) for row in rows]

    async def item(self, case_id: str, item_id: str) -> EvidenceItem:
        async with self._db.engine.connect() as connection:
            row = (await connection.execute(select(*_ITEM_COLUMNS).where(
                evidence_items.c.case_id == case_id, evidence_items.c.item_id == item_id))).first()
        if row is None:
            raise EvidenceUnavailable("no such evidence item")
        return EvidenceItem(**row._mapping)

    async def read(self, case_id: str, item_id: str, read_by: str,
                   purpose: str = "read") -> tuple[EvidenceItem, str, bytes]:
        """Decrypt one item: (metadata, original file name, content). Audited."""
        async with self._db.engine.connect() as connection:
            row = (await connection.execute(select(evidence_items).where(
                evidence_items.c.case_id == case_id, evidence_items.c.item_id == item_id))).first()
            if row is None or row.ciphertext is None:
                raise EvidenceUnavailable("no such evidence item, or its content was purged")
            cipher = AESGCM(await self._case_key(connection, case_id, create=False))
        item = EvidenceItem(**{c.name: row._mapping[c.name] for c in _ITEM_COLUMNS})
        name = _open(cipher, row.name_ciphertext, _aad(item, "name")).decode()
        data = _open(cipher, row.ciphertext, _aad(item, "content"))
        self._log.append(f"evidence.{purpose}", {"case_id": case_id, "item_id": item_id,
                                                "caller": {"sub": read_by}})
        return item, name, data

    async def destroy_case_key(self, case_id: str, destroyed_by: str) -> bool:
        """Crypto-shred every evidence file of the case."""
        async with self._db.write() as connection:
            destroyed = (await connection.execute(
                update(case_keys)
                .where(case_keys.c.case_id == case_id, case_keys.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, destroyed_at=datetime.now(UTC)))).rowcount
        if destroyed:
            self._log.append("evidence.key_destroyed", {"case_id": case_id,
                                                        "caller": {"sub": destroyed_by}})
        return bool(destroyed)

    async def _case_key(self, connection: AsyncConnection, case_id: str, create: bool) -> bytes:
        row = (await connection.execute(select(case_keys.c.wrapped_key)
                                        .where(case_keys.c.case_id == case_id))).first()
        if row is not None and row.wrapped_key is not None:
            return self._master.unwrap(row.wrapped_key)
        if row is not None or not create:
            raise EvidenceUnavailable("the case key was destroyed; its evidence is unreadable")
        key = AESGCM.generate_key(bit_length=256)
        try:
            async with connection.begin_nested():
                await connection.execute(insert(case_keys).values(
                    case_id=case_id, wrapped_key=self._master.wrap(key),
                    created_at=datetime.now(UTC)))
        except IntegrityError:  # created concurrently: use that one
            return await self._case_key(connection, case_id, create=False)
        return key


_ITEM_COLUMNS = [evidence_items.c[field.name] for field in fields(EvidenceItem)]


def _aad(item: EvidenceItem, part: str) -> bytes:
    return f"{item.case_id}/{item.item_id}/{part}".encode()


def _seal(cipher: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + cipher.encrypt(nonce, plaintext, aad)


def _open(cipher: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    try:
        return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], aad)
    except InvalidTag:
        raise EvidenceUnavailable("evidence does not decrypt (tampered or wrong key)") from None
