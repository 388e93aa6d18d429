"""The residency directory: which region is a data subject's home.

Keyed by a keyed hash of one identifier (email, phone, national ID or the CRM's subject id),
so the directory itself holds no personal data. Filled from successful writes, corrected by
administrators, read on every request that names a subject.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import phonenumbers
from sqlalchemy import delete, insert, select, update

from proxy.db import Database
from proxy.db.master_key import MasterKey
from proxy.db.tables import residency_entries
from proxy.pii.masker import Masker
from proxy.pii.recognizers.national_id import FORMATS
from proxy.pii.walker import leaves

Kind = Literal["email", "phone", "national_id", "subject_id"]
KINDS: tuple[Kind, ...] = ("email", "phone", "national_id", "subject_id")
_NATIONAL_IDS = {"CN_RESIDENT_ID", "CN_PASSPORT", "US_SSN", *(f.entity for f in FORMATS)}
_KIND_OF_ENTITY: dict[str, Kind] = {"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone",
                                    **{e: "national_id" for e in _NATIONAL_IDS}}


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: Kind
    value: str

    def normalized(self) -> str:
        if self.kind == "email":
            return self.value.strip().lower()
        if self.kind == "phone":
            return normalize_phone(self.value)
        return re.sub(r"[\s.\-]", "", self.value).upper()


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    region: str
    source: str
    updated_at: datetime
    transfer_consent: bool | None = None


@dataclass(frozen=True, slots=True)
class Home:
    """A subject's home region, and whether they gave separate consent to transfers."""

    region: str
    transfer_consent: bool


def normalize_phone(value: str) -> str:
    """E.164 when the number parses (as international, else as Chinese mobile), else digits."""
    for region in (None, "CN", "US"):
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return re.sub(r"\D", "", value)


class ResidencyDirectory:
    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key

    @classmethod
    def from_master(cls, db: Database, master: MasterKey) -> ResidencyDirectory:
        """The directory with its hashing key derived from the database master key, as every
        process of one deployment (gateway, CLI, DSAR worker) must."""
        return cls(db, master.derive("residency-directory"))

    def hash(self, identifier: Identifier) -> str:
        message = f"{identifier.kind}:{identifier.normalized()}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    async def home(self, identifiers: Iterable[Identifier]) -> Home | None:
        """What the directory holds for any of the identifiers (strongest kind first:
        national ID, subject id, email, phone)."""
        hashes = {self.hash(i): i.kind for i in identifiers}
        if not hashes:
            return None
        table = residency_entries.c
        async with self._db.engine.connect() as connection:
            rows = (await connection.execute(
                select(table.kind, table.region, table.transfer_consent)
                .where(table.identifier_hash.in_(list(hashes))))).all()
        if not rows:
            return None
        order = ("national_id", "subject_id", "email", "phone")
        best = min(rows, key=lambda row: order.index(row.kind))
        return Home(best.region, best.transfer_consent is True)

    async def home_region(self, identifiers: Iterable[Identifier]) -> str | None:
        home = await self.home(identifiers)
        return home.region if home else None

    async def get(self, identifier: Identifier) -> Entry | None:
        async with self._db.engine.connect() as connection:
            row = (await connection.execute(
                select(residency_entries).where(
                    residency_entries.c.identifier_hash == self.hash(identifier)))).first()
        return Entry(row.kind, row.region, row.source, row.updated_at,
                     row.transfer_consent) if row else None

    async def record(self, identifiers: Iterable[Identifier], region: str, source: str, *,
                     transfer_consent: bool | None = None) -> None:
        """Set the home region of every identifier (insert or correct); the consent is kept
        as it was unless given."""
        now = datetime.now(UTC)
        async with self._db.engine.begin() as connection:
            for identifier in {self.hash(i): i for i in identifiers}.values():
                values: dict[str, Any] = {"kind": identifier.kind, "region": region,
                                          "source": source, "updated_at": now}
                if transfer_consent is not None:
                    values["transfer_consent"] = transfer_consent
                key = self.hash(identifier)
                changed = await connection.execute(
                    update(residency_entries)
                    .where(residency_entries.c.identifier_hash == key).values(**values))
                if changed.rowcount == 0:
                    await connection.execute(
                        insert(residency_entries).values(identifier_hash=key, **values))

    async def remove(self, identifiers: Iterable[Identifier]) -> int:
        hashes = [self.hash(i) for i in identifiers]
        async with self._db.engine.begin() as connection:
            result = await connection.execute(
                delete(residency_entries).where(residency_entries.c.identifier_hash.in_(hashes)))
        return result.rowcount


def query_identifiers(query: Mapping[str, str], keys: Mapping[str, str]) -> list[Identifier]:
    return [Identifier(keys[name], value) for name, value in query.items()  # type: ignore[arg-type]
            if name in keys and value.strip()]


def body_identifiers(masker: Masker, document: Any, system: str) -> list[Identifier]:
    """Identifiers the detector finds anywhere in a request body (the same detector that
    masks responses)."""
    values = {leaf.path: str(leaf.value) for leaf in leaves(document)}
    found = []
    for path, finding in masker.find(document, system=system):
        kind = _KIND_OF_ENTITY.get(finding.entity_type)
        if kind is not None and path in values:
            found.append(Identifier(kind, values[path][finding.start:finding.end]))
    return found


def record_country(document: Any, fields: Iterable[str]) -> str | None:
    """The country a written record declares (top level, or in an ``address`` object)."""
    if not isinstance(document, dict):
        return None
    for container in (document, document.get("address")):
        if isinstance(container, dict):
            for name in fields:
                value = container.get(name)
                if isinstance(value, str) and len(value.strip()) == 2:
                    return value.strip().upper()
    return None
