"""The request workflow on SQLite and PostgreSQL with the real policy and audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dsar.deadlines import DeadlineError
from dsar.identities import Identity
from dsar.models import TransitionError
from dsar.notifiers import SmtpNotifier
from dsar.settings import NotifierSettings
from dsar.store import FINALIZE
from dsar.verification import VerificationError
from dsar.workflow import Forbidden
from proxy.db.tables import audit_entries
from proxy.residency import Identifier
from tests.db.backends import backend  # noqa: F401
from tests.dsar.workflow_support import AGENT, DPO, SUPERVISOR, Harness, harness

ALICE = (Identity("email", "Alice.Example@mail.test"), Identity("phone", "+44 20 7946 0958"))


@pytest.fixture
async def h(backend: tuple[str, str | None], tmp_path: Path):  # noqa: F811
    async with harness(backend, tmp_path) as built:
        yield built


async def audit_rows(h: Harness) -> list[tuple[str, str]]:
    await h.workflow.audit.flush()
    async with h.workflow.store.db.engine.connect() as connection:
        rows = (await connection.execute(
            select(audit_entries.c.kind, audit_entries.c.fields)
            .where(audit_entries.c.kind.like("dsar.%")).order_by(audit_entries.c.seq))).all()
    return [(row.kind, row.fields) for row in rows]


async def test_request_from_receipt_to_approval(h: Harness) -> None:
    case = await h.workflow.create(SUPERVISOR, "access", ALICE)
    assert case.state == "received" and case.regime == "gdpr" and case.duplicate_of is None
    await h.workflow.send_code(SUPERVISOR, case.id)
    message = h.sent()[-1]
    assert message["to"] == "Alice.Example@mail.test" and case.id in message["body"]
    with pytest.raises(VerificationError, match="not correct"):
        await h.workflow.verify(SUPERVISOR, case.id, code="000000" if h.last_code() != "000000"
                                else "111111")
    case = await h.workflow.verify(SUPERVISOR, case.id, code=h.last_code())
    assert case.state == "awaiting_approval"
    case = await h.workflow.approve(DPO, case.id)
    assert case.state == "approved"

    view = await h.workflow.show(DPO, case.id)
    assert sorted((t.system, t.region) for t in view.tasks) == [
        (FINALIZE, FINALIZE), ("crm", "eu"), ("crm", "us"), ("helpdesk", "cn"),
        ("helpdesk", "eu")]
    assert all(t.state == "pending" for t in view.tasks)
    assert [(e.event, e.to_state) for e in view.timeline] == [
        ("create", "received"), ("send_code", "verifying"), ("verify", "awaiting_approval"),
        ("approve", "approved")]
    assert [e.actor for e in view.timeline] == ["sup-1", "sup-1", "sup-1", "dpo-1"]

    audited = await audit_rows(h)
    assert [kind for kind, _ in audited] == [
        "dsar.create", "dsar.send_code", "dsar.verify_failed", "dsar.verify", "dsar.approve"]
    everything = " ".join(fields for _, fields in audited).lower()
    assert "alice" not in everything and "7946" not in everything
    assert all(json.loads(fields)["case_id"] == case.id for _, fields in audited)


async def test_only_roles_the_policy_allows(h: Harness) -> None:
    with pytest.raises(Forbidden):
        await h.workflow.create(AGENT, "erasure", ALICE)
    case = await h.workflow.create(SUPERVISOR, "erasure", ALICE)
    with pytest.raises(Forbidden):  # attesting identity is the DPO's call
        await h.workflow.verify(SUPERVISOR, case.id, attestation="saw passport")
    await h.workflow.verify(DPO, case.id, attestation="passport checked at the counter")
    for step in (h.workflow.approve(SUPERVISOR, case.id),
                 h.workflow.deny(SUPERVISOR, case.id, "no")):
        with pytest.raises(Forbidden):
            await step
    assert (await h.workflow.store.get(case.id)).state == "awaiting_approval"
    refused = [f for kind, f in await audit_rows(h) if kind == "dsar.refused"]
    assert [json.loads(f)["step"] for f in refused] == ["create", "approve", "approve", "deny"]


async def test_state_machine_refuses_out_of_order_steps(h: Harness) -> None:
    case = await h.workflow.create(SUPERVISOR, "access", ALICE)
    with pytest.raises(TransitionError, match="cannot approve a request that is received"):
        await h.workflow.approve(DPO, case.id)
    with pytest.raises(ValueError, match="needs a reason"):
        await h.workflow.deny(DPO, case.id, "  ")
    denied = await h.workflow.deny(DPO, case.id, "manifestly unfounded (Art. 12(5))")
    assert denied.state == "denied" and denied.closed_at is not None
    for step in (h.workflow.verify(DPO, case.id, attestation="x"),
                 h.workflow.cancel(DPO, case.id, "x"),
                 h.workflow.extend(DPO, case.id, "x")):
        with pytest.raises(TransitionError):
            await step
    view = await h.workflow.show(DPO, case.id)
    assert view.timeline[-1].details == {"reason": "manifestly unfounded (Art. 12(5))"}
    audited = json.loads((await audit_rows(h))[-1][1])
    assert "reason" not in audited and len(audited["reason_sha256"]) == 64


async def test_cancel_and_revoke_before_execution(h: Harness) -> None:
    first = await h.workflow.create(SUPERVISOR, "access", ALICE)
    assert (await h.workflow.revoke(SUPERVISOR, first.id, "subject withdrew by phone")
            ).state == "cancelled"
    second = await h.workflow.create(SUPERVISOR, "export", ALICE)
    await h.workflow.verify(DPO, second.id, attestation="known customer, verified login")
    await h.workflow.approve(DPO, second.id)
    assert (await h.workflow.cancel(DPO, second.id, "duplicate sent by post")).state == "cancelled"


async def test_duplicates_are_linked(h: Harness) -> None:
    first = await h.workflow.create(SUPERVISOR, "erasure", ALICE)
    # Same person, other spelling of the e-mail plus a new identity.
    again = await h.workflow.create(SUPERVISOR, "erasure", (
        Identity("email", " alice.example@MAIL.test"), Identity("customer_id", "C-1")))
    assert again.duplicate_of == first.id
    other_type = await h.workflow.create(SUPERVISOR, "access", ALICE[:1])
    assert other_type.duplicate_of is None
    someone_else = await h.workflow.create(SUPERVISOR, "erasure",
                                           (Identity("email", "bob@mail.test"),))
    assert someone_else.duplicate_of is None
    await h.workflow.deny(DPO, first.id, "closed for the test")
    await h.workflow.deny(DPO, again.id, "closed for the test")
    assert (await h.workflow.create(SUPERVISOR, "erasure", ALICE)).duplicate_of is None


async def test_one_time_code_attempts_are_limited(h: Harness) -> None:
    case = await h.workflow.create(SUPERVISOR, "access", ALICE)
    with pytest.raises(VerificationError, match="no code has been sent"):
        await h.workflow.verify(SUPERVISOR, case.id, code="123456")
    await h.workflow.send_code(SUPERVISOR, case.id)
    right = h.last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(h.dsar.verification.max_attempts):
        with pytest.raises(VerificationError, match="not correct"):
            await h.workflow.verify(SUPERVISOR, case.id, code=wrong)
    with pytest.raises(VerificationError, match="too many attempts"):
        await h.workflow.verify(SUPERVISOR, case.id, code=right)
    await h.workflow.send_code(SUPERVISOR, case.id)  # a new code resets the count
    assert (await h.workflow.verify(SUPERVISOR, case.id, code=h.last_code())
            ).state == "awaiting_approval"


async def test_regime_follows_the_subjects_home_region(h: Harness) -> None:
    await h.residency.record([Identifier("email", "carol@mail.test")], "us", "test")
    case = await h.workflow.create(SUPERVISOR, "erasure", (Identity("email", "carol@mail.test"),))
    assert (case.region, case.regime, case.zone) == ("us", "ccpa", "America/Los_Angeles")
    assert case.deadline.confirm_by is not None
    assert case.deadline.due == case.deadline.received + timedelta(days=45)
    cn = await h.workflow.create(SUPERVISOR, "access", ALICE, region="cn")
    assert (cn.regime, cn.deadline.due - cn.deadline.received) == ("pipl", timedelta(days=15))


async def test_extension_records_reason_and_notifies_the_subject(h: Harness) -> None:
    case = await h.workflow.create(SUPERVISOR, "access", ALICE)
    extended = await h.workflow.extend(DPO, case.id, "records in three archives", months=1)
    assert extended.deadline.due > case.deadline.due
    assert extended.due_at > case.due_at and extended.deadline.extensions == 1
    assert "new deadline is " + extended.deadline.due.isoformat() in h.sent()[-1]["body"]
    notice = (await h.workflow.show(DPO, case.id)).timeline[-1]
    assert (notice.event, notice.details) == ("extension_notice",
                                              {"sent": True, "channel": "email"})
    with pytest.raises(DeadlineError):
        await h.workflow.extend(DPO, case.id, "more", months=2)
    assert (await h.workflow.store.get(case.id)).deadline == extended.deadline
    with pytest.raises(ValueError, match="needs a reason"):
        await h.workflow.extend(DPO, case.id, "")


async def test_an_extension_notice_that_cannot_be_sent_is_recorded(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    by_phone = await h.workflow.create(SUPERVISOR, "erasure", ALICE[1:])
    by_id = await h.workflow.create(SUPERVISOR, "erasure",
                                    (Identity("national_id", "AB 12 34 56 C"),))
    for case in (by_phone, by_id):
        await h.workflow.extend(DPO, case.id, "records in three archives", months=1)
    assert h.sent() == []
    notices = [(await h.workflow.show(DPO, case.id)).timeline[-1] for case in (by_phone, by_id)]
    assert {n.event for n in notices} == {"extension_notice"}
    assert notices[0].details == {"sent": False, "problem": "the request has no e-mail identity",
                                  "send_through": "phone"}
    assert notices[1].details["send_through"].startswith("the channel the request arrived by")

    unreachable = NotifierSettings(type="smtp", smtp_host="127.0.0.1", smtp_port=9)
    monkeypatch.setattr(h.workflow, "_notifier", SmtpNotifier(unreachable))
    by_email = await h.workflow.create(SUPERVISOR, "access", ALICE)
    extended = await h.workflow.extend(DPO, by_email.id, "many systems", months=1)
    assert extended.deadline.extensions == 1  # the extension stands; the notice is owed
    failed = (await h.workflow.show(DPO, by_email.id)).timeline[-1]
    assert failed.details == {"sent": False, "send_through": "email (send again)",
                              "problem": "SMTP delivery failed (ConnectionRefusedError)"}
    audited = [fields for kind, fields in await audit_rows(h) if kind == "dsar.extension_notice"]
    assert len(audited) == 3 and "7946" not in str(audited) and "AB 12" not in str(audited)


async def test_due_soon_and_overdue_lists(h: Harness) -> None:
    now = datetime.now(UTC)
    overdue = await h.workflow.create(SUPERVISOR, "access", ALICE,
                                      received_at=now - timedelta(days=40))
    soon = await h.workflow.create(SUPERVISOR, "export", ALICE,
                                   received_at=now - timedelta(days=27))
    fresh = await h.workflow.create(SUPERVISOR, "erasure", ALICE)
    closed = await h.workflow.create(SUPERVISOR, "erasure", (Identity("email", "d@mail.test"),),
                                     received_at=now - timedelta(days=50))
    await h.workflow.deny(DPO, closed.id, "not a data subject of ours")
    assert [c.id for c in await h.workflow.list(DPO, overdue=True)] == [overdue.id]
    assert [c.id for c in await h.workflow.list(DPO, due_soon=True)] == [soon.id]
    assert {c.id for c in await h.workflow.list(DPO)} == {overdue.id, soon.id, fresh.id,
                                                          closed.id}
    assert [c.id for c in await h.workflow.list(DPO, type_="erasure", state="received")] == [
        fresh.id]
    assert overdue.as_dict(now)["overdue"] and overdue.as_dict(now)["days_left"] < 0
