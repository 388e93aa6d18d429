"""Erasing one subject from one system and region.

Order: erase (delete or anonymize) every record of theirs not under legal hold; redact them
from other people's records that mention them; search again by every identity and by free
text and repeat once if anything is left; destroy their token keys (crypto-shredding every
reversible token made for them) and remove their residency directory entries.

Idempotent and resumable: a progress journal (record kinds and upstream ids only, no personal
data) is saved in the encrypted result store before and after every change, so a run resumed
after a crash counts every change once, and a record already gone is simply done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from dsar.connectors.client import Connector
from dsar.connectors.jsonpath import values
from dsar.connectors.settings import LegalHold, RecordKind
from dsar.discovery import Discovery, Hit, Key, scalar_fields
from dsar.redaction import redact_subject
from dsar.subject import SubjectFacts
from proxy.pii.tokens import Tokenizer
from proxy.residency import Identifier, normalize_phone
from proxy.runtime import Runtime

_PASSES = 2
_RESIDENCY_KINDS = {"email": "email", "phone": "phone", "national_id": "national_id",
                    "customer_id": "subject_id"}


def _label(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


@dataclass
class Journal:
    """What this task has done so far (kinds and upstream ids: no personal data)."""

    erased: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # record -> reason
    redacted: dict[str, int] = field(default_factory=dict)  # record -> values redacted
    pending: list[str] = field(default_factory=list)  # changes sent but not yet confirmed
    mentions: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Journal:
        raw = raw or {}
        return cls(list(raw.get("erased", [])), dict(raw.get("held", {})),
                   dict(raw.get("redacted", {})), list(raw.get("pending", [])),
                   list(raw.get("mentions", [])))

    def as_dict(self) -> dict[str, Any]:
        return {"erased": self.erased, "held": self.held, "redacted": self.redacted,
                "pending": self.pending, "mentions": self.mentions}


def on_hold(hold: LegalHold | None, document: Any) -> bool:
    if hold is None:
        return False
    return all(any(v in allowed for v in values(document, path))
               for path, allowed in hold.when.items())


class Eraser:
    def __init__(self, runtime: Runtime, save: Callable[[Journal], None]) -> None:
        self._runtime = runtime
        self._save = save

    async def erase(self, connector: Connector, facts: SubjectFacts, own: dict[Key, Hit],
                    journal: Journal) -> dict[str, Any]:
        self._settle_pending(journal, own)
        found = set(journal.erased) | set(journal.held) | {_label(k) for k in own}
        remaining = len(own)
        for attempt in range(_PASSES):
            discovery = Discovery(connector)
            if attempt:
                own = {k: h for k, h in (await discovery.records(facts)).items()
                       if _label(k) not in journal.held}
                found |= {_label(k) for k in own}
            await self._erase_records(discovery, own, journal)
            held = {k: Hit(*k, {}) for k in
                    (tuple(label.split(":", 1)) for label in journal.held)}
            mentions = await discovery.mentions(facts, {**own, **held})
            await self._redact_mentions(discovery, mentions, facts, journal)
            check = Discovery(connector)
            left = {k: h for k, h in (await check.records(facts)).items()
                    if _label(k) not in journal.held}
            left_mentions = await check.mentions(facts, {**left, **held})
            remaining = len(left) + len(left_mentions)
            if not remaining:
                break
        reasons: dict[str, int] = {}
        for reason in journal.held.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        return {"records_found": len(found), "erased": len(journal.erased),
                "held": len(journal.held), "held_reasons": reasons,
                "mentions_found": len(journal.mentions), "redacted": len(journal.redacted),
                "values_redacted": sum(journal.redacted.values()), "remaining": remaining}

    def _settle_pending(self, journal: Journal, own: dict[Key, Hit]) -> None:
        """A change sent before a crash whose record is gone now was done."""
        still_there = {_label(k) for k in own}
        for label in journal.pending:
            if label not in still_there and label not in journal.erased:
                journal.erased.append(label)
        journal.pending = []
        self._save(journal)

    async def _erase_records(self, discovery: Discovery, own: dict[Key, Hit],
                             journal: Journal) -> None:
        records = discovery.connector.settings.records
        for key, hit in sorted(own.items()):
            label = _label(key)
            kind = records[hit.kind]
            if label in journal.held:
                continue
            document = await discovery.detail(hit)
            if document is not None and on_hold(kind.legal_hold, document):
                assert kind.legal_hold is not None
                journal.held[label] = f"{kind.legal_hold.basis}: {kind.legal_hold.reason}"
                self._save(journal)
                continue
            if kind.erase is None:
                continue  # not erasable through this connector: verification reports it
            if document is not None:
                await self._change(discovery.connector, kind, hit, document, journal, label)
            if label not in journal.erased:
                journal.erased.append(label)
            self._save(journal)

    async def _change(self, connector: Connector, kind: RecordKind, hit: Hit, document: Any,
                      journal: Journal, label: str) -> None:
        assert kind.erase is not None
        journal.pending.append(label)
        self._save(journal)
        await connector.send(kind.erase.request, {**scalar_fields(document), **hit.fields()})
        journal.pending.remove(label)

    async def _redact_mentions(self, discovery: Discovery, mentions: dict[Key, Hit],
                               facts: SubjectFacts, journal: Journal) -> None:
        records = discovery.connector.settings.records
        detector = self._runtime.masker.detector
        for key, hit in sorted(mentions.items()):
            label = _label(key)
            if label not in journal.mentions:
                journal.mentions.append(label)
            kind = records.get(hit.kind)
            document = await discovery.detail(hit)
            if kind is None or kind.update is None or not isinstance(document, dict):
                continue
            changes, count = {}, 0
            for name in kind.text_fields:
                text = document.get(name)
                if isinstance(text, str) and text:
                    redacted, n = await asyncio.to_thread(redact_subject, text, facts, detector)
                    if n:
                        changes[name], count = redacted, count + n
            if changes:
                await discovery.connector.send(
                    kind.update, {**scalar_fields(document), **hit.fields()}, changes)
                journal.redacted[label] = journal.redacted.get(label, 0) + count
            self._save(journal)


async def forget_subject(runtime: Runtime, facts: SubjectFacts) -> dict[str, int]:
    """Destroy the subject's token keys and residency directory entries (idempotent)."""
    tokenizer: Tokenizer = runtime.masker.tokenizer
    key_ids = {tokenizer.key_id_for(value) for value in _key_values(facts)}
    destroyed = 0
    for key_id in sorted(key_ids):
        destroyed += await asyncio.to_thread(runtime.keystore.destroy, key_id)
    identifiers = [Identifier(_RESIDENCY_KINDS[i.kind], i.value)  # type: ignore[arg-type]
                   for i in facts.identities if i.kind in _RESIDENCY_KINDS]
    removed = await runtime.residency.remove(identifiers) if identifiers else 0
    return {"token_keys_destroyed": destroyed, "residency_entries_removed": removed}


def _key_values(facts: SubjectFacts) -> set[str]:
    """Every spelling a record may have held the subject's identifiers in: token key ids are
    derived from the value as it appeared (see proxy.pii.tokens)."""
    found: set[str] = set()
    for identity in facts.identities:
        if identity.kind in ("email", "national_id"):
            found |= {identity.value, identity.normalized()}
        elif identity.kind == "phone":
            e164 = normalize_phone(identity.value)
            found |= {identity.value, e164}
            if e164.startswith("+"):
                national = phonenumbers.national_significant_number(phonenumbers.parse(e164))
                found |= {national, "0" + national}
    return found
