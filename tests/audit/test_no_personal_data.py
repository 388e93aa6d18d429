"""No audit entry, log line or evidence pack (outside the evidence files themselves) holds a
raw personal value from the demo data: checked by exact match and with the PII detector."""

from __future__ import annotations

import io
import logging
import re
import uuid
import zipfile

import pytest
from sqlalchemy import select

from proxy.audit.entry import RawValueError, decision_entry
from proxy.audit.pack import build_case_pack
from proxy.audit.retention import purge_expired
from proxy.audit.runtime import audit_services
from proxy.caller import Caller
from proxy.db.tables import audit_entries
from proxy.demo.people import PeopleFactory, Person
from proxy.pii.analyzer import Detector
from proxy.settings import Settings

DPO = Caller(subject="dpo-1", role="dpo", region="eu", purpose="dsar")
OWN_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,}")
DETECTED = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "CN_RESIDENT_ID",
            "NATIONAL_ID"}


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.default(spacy_model=None)


@pytest.fixture(scope="module")
def people() -> list[Person]:
    factory = PeopleFactory(seed=5)
    return [factory.person(region) for region in ("eu", "eu", "cn", "us")]


def raw_values(person: Person) -> list[str]:
    return [person.email, person.phone_e164, person.national_id.value, person.name,
            person.bank.get("iban", ""), person.subject_key]


async def run_case(settings: Settings, person: Person) -> tuple[list[str], bytes]:
    """One DSAR case with decisions about the person, evidence and a purge, the way the
    gateway and DSAR service record them; returns the stored entries and the pack."""
    async with audit_services(settings) as services:
        log = services.log
        subject = log.hash_identifier(person.email)
        for outcome in ("allow", "deny"):
            log.append("decision", decision_entry(
                str(uuid.uuid4()), DPO, "crm", "GET", "/contacts/{id}", person.home_region,
                person.home_region, "rev-7", outcome, {"EMAIL_ADDRESS": 1, "PERSON": 2},
                subject_hash=subject))
        log.append("dsar.created", {"case_id": "case-1", "subject_hash": subject,
                                    "request": "access", "caller": DPO.as_input()})
        log.append("detokenize", {"caller": DPO.as_input(), "token_count": 3,
                                  "key_ids": [log.hash_identifier(person.subject_key)]})
        with pytest.raises(RawValueError):  # a careless caller is refused, not recorded
            log.append("dsar.note", {"case_id": "case-1", "note": f"mail {person.email}"})
        await services.evidence.add("case-1", "correspondence", f"{person.name}.txt",
                                    "text/plain", f"Dear {person.name}".encode(), "dpo-1")
        await purge_expired(log, "dpo-1")
        archive, _ = await build_case_pack(log, services.evidence, "case-1", "dpo-1")
        await log.flush()
        async with services.db.engine.connect() as connection:
            stored = [r.fields for r in await connection.execute(select(audit_entries))]
    return stored, archive


def pack_texts(archive: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as pack:
        return [pack.read(name).decode() for name in pack.namelist()
                if not name.startswith("evidence/") and not name.endswith(".sig")]


async def test_entries_logs_and_pack_hold_no_raw_personal_values(
        settings: Settings, people: list[Person], detector: Detector,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for person in people:
        stored, archive = await run_case(settings, person)
        texts = stored + pack_texts(archive) + [r.getMessage() for r in caplog.records]
        for text in texts:
            for value in filter(None, raw_values(person)):
                assert value not in text
            # UUIDs and hashes are the gateway's own ids: the detector reads "3252-4695"
            # inside a UUID as a phone number, so blank them out before scanning.
            findings = [f for f in detector.analyze(OWN_IDS.sub("<id>", text), names=False)
                        if f.entity_type in DETECTED]
            assert findings == [], (findings, text[:200])
