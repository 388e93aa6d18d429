"""The request workflow: create, verify, approve or deny, extend, cancel — each step allowed
by the policy (`dsar.rego`), checked against the state machine, recorded in the case
timeline and in the audit log (case id and keyed hashes only, never an identity)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dsar import deadlines
from dsar.identities import Identity, RequestType
from dsar.models import CaseEvent
from dsar.notifiers import Notifier, NotifierError
from dsar.queue import TaskQueue
from dsar.settings import DsarSettings
from dsar.store import FINALIZE, Case, DsarStore, Event, Task, deadline_to_json, now_utc
from dsar.vault import IdentityVault
from dsar.verification import Challenge, OneTimeCodes, WrongCode
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.residency import Identifier, ResidencyDirectory

Authorize = Callable[[Caller, str], Awaitable[bool]]
WORKER = "dsar-worker"
_RESIDENCY_KINDS = {"email": "email", "phone": "phone", "national_id": "national_id",
                    "customer_id": "subject_id"}


class Forbidden(PermissionError):
    def __init__(self, step: str) -> None:
        super().__init__(f"the policy does not allow this caller to {step.replace('_', ' ')}")


class CaseNotFound(LookupError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no request {case_id}")


def residency_identifiers(identities: Sequence[Identity]) -> list[Identifier]:
    return [Identifier(_RESIDENCY_KINDS[i.kind], i.value)  # type: ignore[arg-type]
            for i in identities if i.kind in _RESIDENCY_KINDS]


def reason_digest(reason: str) -> str:
    return hashlib.sha256(reason.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    tasks: list[Task]
    timeline: list[Event]

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {**self.case.as_dict(now), "tasks": [t.as_dict() for t in self.tasks],
                "timeline": [e.as_dict() for e in self.timeline]}


class Workflow:
    def __init__(self, settings: DsarSettings, store: DsarStore, queue: TaskQueue,
                 audit: AuditLog, residency: ResidencyDirectory, authorize: Authorize,
                 notifier: Notifier, vault: IdentityVault, codes: OneTimeCodes) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.audit = audit
        self.residency = residency
        self._authorize = authorize
        self._notifier = notifier
        self.vault = vault
        self._codes = codes

    async def require(self, caller: Caller, *steps: str) -> None:
        for step in steps:
            if not await self._authorize(caller, f"dsar_{step}"):
                self.audit.append("dsar.refused", {"caller": caller.as_input(), "step": step})
                raise Forbidden(step)

    async def create(self, caller: Caller, type_: RequestType, identities: Sequence[Identity],
                     *, region: str | None = None, received_at: datetime | None = None,
                     source: str = "api", external_id: str | None = None) -> Case:
        await self.require(caller, "create")
        identities = tuple(dict.fromkeys(identities))
        if not identities:
            raise ValueError("a request needs at least one identity")
        if any(not i.normalized() for i in identities):
            raise ValueError("an identity value is empty")
        case_id = str(uuid.uuid4())
        hashes = [self.vault.hash(i) for i in identities]
        duplicates = await self.store.open_duplicates(type_, hashes)
        region = region or await self.residency.home_region(residency_identifiers(identities))
        received_at = received_at or now_utc()
        rules = self.settings.deadlines
        regime, zone = rules.regime_for(region), rules.zone_for(region).key
        deadline = deadlines.initial(regime, received_at, zone, rules)
        row = {"id": case_id, "type": type_, "state": "received", "source": source,
               "external_id": external_id, "created_by": caller.subject,
               "identities_sealed": self.vault.seal(case_id, identities), "region": region,
               "regime": regime, "zone": zone, "received_at": received_at,
               "due_at": deadline.due_at, "deadline": deadline_to_json(deadline),
               "duplicate_of": duplicates[0] if duplicates else None, "updated_at": now_utc()}
        details = {"type": type_, "regime": regime, "region": region,
                   "identity_kinds": sorted(i.kind for i in identities),
                   "duplicate_of": row["duplicate_of"], "due": deadline.due.isoformat()}
        await self.store.create(row, hashes, caller.subject, details)
        self._audit("create", case_id, caller, to_state="received", details=details,
                    subject_hash=self.audit.hash_identifier(identities[0].normalized()))
        return await self._case(case_id)

    async def send_code(self, caller: Caller, case_id: str, channel: str = "email") -> Case:
        """Send a one-time code to the subject's own e-mail (or phone) identity."""
        await self.require(caller, "create")
        case = await self._case(case_id)
        identities = self.identities(case)
        target = next((i for i in identities if i.kind == channel), None)
        if target is None:
            raise ValueError(f"the request has no {channel} identity to send a code to")
        code, challenge = self._codes.issue(case_id, now_utc())
        _, case = await self._apply(caller, case_id, "send_code", {"channel": channel},
                                    lambda _: {"verification": _json({
                                        "challenge": challenge.as_dict(), "channel": channel})})
        await self._notifier.send(target, "Your privacy request: verification code",
                                  f"Your code is {code}. It confirms your request {case_id} "
                                  f"and expires in {self.settings.verification.code_ttl_minutes}"
                                  " minutes. If you did not make this request, ignore it.")
        return case

    async def verify(self, caller: Caller, case_id: str, *, code: str | None = None,
                     attestation: str | None = None) -> Case:
        """Verify the subject's identity by the code they received, or by the DPO's
        attestation (with its reason: e.g. "checked passport in person")."""
        if (code is None) == (attestation is None):
            raise ValueError("give either a code or an attestation reason")
        if attestation is not None:
            await self.require(caller, "approve")
            if not attestation.strip():
                raise ValueError("an attestation needs a reason")
            verified = {"verified": True, "method": "attestation"}
            details = {"method": "attestation", "reason": attestation}
            return (await self._apply(caller, case_id, "verify", details,
                                      lambda _: {"verification": _json(verified)}))[1]
        await self.require(caller, "create")
        case = await self._case(case_id)
        stored = (case.verification or {}).get("challenge")
        challenge = Challenge(**stored) if stored else None
        try:
            self._codes.check(case_id, challenge, code or "", now_utc())
        except WrongCode as wrong:
            record = {**(case.verification or {}), "challenge": wrong.challenge.as_dict()}
            await self.store.update_fields(case_id, {"verification": _json(record)})
            self._audit("verify_failed", case_id, caller)
            raise
        verified = {"verified": True, "method": "code", "channel": case.verification["channel"]}
        return (await self._apply(caller, case_id, "verify", {"method": "code"},
                                  lambda _: {"verification": _json(verified)}))[1]

    async def approve(self, caller: Caller, case_id: str) -> Case:
        case = await self._case(case_id)
        await self.require(caller, "approve", "erase" if case.type == "erasure" else "export")
        pairs = [*self.settings.system_regions(), (FINALIZE, FINALIZE)]
        return (await self._apply(caller, case_id, "approve", {"tasks": len(pairs) - 1},
                                  new_tasks=pairs))[1]

    async def deny(self, caller: Caller, case_id: str, reason: str) -> Case:
        await self.require(caller, "deny")
        return await self._with_reason(caller, case_id, "deny", reason)

    async def cancel(self, caller: Caller, case_id: str, reason: str) -> Case:
        await self.require(caller, "deny")
        return await self._with_reason(caller, case_id, "cancel", reason)

    async def revoke(self, caller: Caller, case_id: str, reason: str) -> Case:
        """The subject withdrew the request."""
        await self.require(caller, "create")
        return await self._with_reason(caller, case_id, "revoke", reason)

    async def extend(self, caller: Caller, case_id: str, reason: str, *, months: int = 0,
                     days: int = 0) -> Case:
        await self.require(caller, "approve")
        if not reason.strip():
            raise ValueError("an extension needs a reason")
        now = now_utc()

        def extended(case: Case) -> dict[str, Any]:
            deadline = deadlines.extend(case.deadline, now, self.settings.deadlines,
                                        months=months, days=days)
            return {"deadline": deadline_to_json(deadline), "due_at": deadline.due_at}

        _, case = await self._apply(caller, case_id, "extend",
                                    {"reason": reason, "months": months, "days": days},
                                    extended)
        await self._notify_extension(caller, case, reason)
        return case

    async def retry(self, caller: Caller, case_id: str) -> Case:
        await self.require(caller, "execute")
        _, case = await self._apply(caller, case_id, "retry", {})
        await self.queue.requeue_failed(case_id, now_utc())
        return case

    async def show(self, caller: Caller, case_id: str) -> CaseView:
        await self.require(caller, "view")
        case = await self._case(case_id)
        return CaseView(case, await self.store.tasks(case_id), await self.store.events(case_id))

    async def list(self, caller: Caller, *, state: str | None = None, type_: str | None = None,
                   due_soon: bool = False, overdue: bool = False, limit: int = 100,
                   offset: int = 0) -> list[Case]:
        await self.require(caller, "view")
        now = now_utc()
        cases = await self.store.list(state=state, type_=type_, open_only=due_soon or overdue,
                                      due_before=now if overdue else None,
                                      limit=limit, offset=offset)
        if due_soon:
            soon = self.settings.deadlines.due_soon_days
            cases = [c for c in cases if not c.deadline.overdue(now)
                     and c.deadline.days_left(now) <= soon]
        return cases

    def identities(self, case: Case) -> tuple[Identity, ...]:
        if case.identities_sealed is None:
            raise ValueError("the request's identities have been purged")
        return self.vault.open(case.id, case.identities_sealed)

    async def worker_event(self, case_id: str, event: CaseEvent,
                           details: dict[str, Any], changes: dict[str, Any] | None = None,
                           ) -> Case:
        """A transition made by the worker (start, complete, fail)."""
        return (await self._apply(None, case_id, event, details,
                                  (lambda _: changes) if changes else None))[1]

    async def _with_reason(self, caller: Caller, case_id: str, event: CaseEvent,
                           reason: str) -> Case:
        if not reason.strip():
            raise ValueError(f"{event} needs a reason")
        return (await self._apply(caller, case_id, event, {"reason": reason}))[1]

    async def _apply(self, caller: Caller | None, case_id: str, event: CaseEvent,
                     details: dict[str, Any], changes: Any = None,
                     new_tasks: Sequence[tuple[str, str]] = ()) -> tuple[Case, Case]:
        actor = caller.subject if caller else WORKER
        try:
            before, after = await self.store.apply(case_id, event, actor, details, changes,
                                                   new_tasks)
        except KeyError:
            raise CaseNotFound(case_id) from None
        audited = {k: v for k, v in details.items() if k != "reason"}
        if "reason" in details:
            audited["reason_sha256"] = reason_digest(details["reason"])
        self._audit(event, case_id, caller, from_state=before.state, to_state=after.state,
                    details=audited)
        return before, after

    def _audit(self, event: str, case_id: str, caller: Caller | None, *,
               from_state: str | None = None, to_state: str | None = None,
               details: dict[str, Any] | None = None, subject_hash: str | None = None) -> None:
        fields: dict[str, Any] = {"case_id": case_id,
                                  "caller": caller.as_input() if caller else {"sub": WORKER},
                                  "from": from_state, "to": to_state, **(details or {})}
        if subject_hash:
            fields["subject_hash"] = subject_hash
        self.audit.append(f"dsar.{event}", fields)

    async def _case(self, case_id: str) -> Case:
        case = await self.store.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    async def _notify_extension(self, caller: Caller, case: Case, reason: str) -> None:
        """Tell the subject of the extension and why (GDPR Art. 12(3), CCPA 1798.130). When
        that cannot be done here (no e-mail identity, or sending failed) the timeline says
        so and through which channel the controller must send it instead."""
        identities = self.identities(case)
        contact = next((i for i in identities if i.kind == "email"), None)
        details: dict[str, Any] = {"sent": False}
        if contact is None:
            details |= {"problem": "the request has no e-mail identity",
                        "send_through": _fallback_channel(identities)}
        else:
            try:
                await self._notifier.send(
                    contact, "Your privacy request: extended deadline",
                    f"We need more time to answer request {case.id}: {reason}. "
                    f"The new deadline is {case.deadline.due.isoformat()}.")
                details = {"sent": True, "channel": "email"}
            except NotifierError as error:
                details |= {"problem": str(error), "send_through": "email (send again)"}
        await self.store.record(case.id, "extension_notice", caller.subject, details)
        self._audit("extension_notice", case.id, caller, details=details)


def _fallback_channel(identities: Sequence[Identity]) -> str:
    if any(i.kind == "phone" for i in identities):
        return "phone"
    return "the channel the request arrived by (letter, web form or the requestor's system)"


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)
