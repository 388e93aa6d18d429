"""The worker in-process on SQLite and PostgreSQL: every task runs, retries back off and
resume from their checkpoint, a task out of attempts fails the case, and the closing step
runs once at the end. The task runner is a fake (the real one is tested with the CRM)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dsar.execution import TaskOutcome, TaskSpec
from dsar.identities import Identity
from dsar.store import Case
from dsar.worker import Worker
from tests.db.backends import backend  # noqa: F401
from tests.dsar.workflow_support import DPO, SUPERVISOR, Harness, harness

ALICE = (Identity("email", "alice@mail.test"),)


class FakeRunner:
    """Succeeds, except: ``flaky`` systems ask for a retry on the first attempt (with a
    checkpoint), ``broken`` systems always fail."""

    def __init__(self, flaky: set[str] = frozenset(), broken: set[str] = frozenset()) -> None:
        self.flaky, self.broken = set(flaky), set(broken)
        self.runs: list[TaskSpec] = []

    async def run(self, task: TaskSpec) -> TaskOutcome:
        self.runs.append(task)
        if task.system in self.broken:
            return TaskOutcome("failed", {}, task.checkpoint, "upstream refused")
        if task.system in self.flaky and not task.checkpoint:
            return TaskOutcome("retry", {"records_found": 1}, {"page": 2}, "timeout")
        return TaskOutcome("done", {"records_found": 2}, {}, None)


class FakeCloser:
    def __init__(self) -> None:
        self.closed: list[str] = []

    async def __call__(self, case: Case, identities: tuple[Identity, ...]
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.closed.append(case.id)
        assert identities == ALICE
        return {"export_path": f"/exports/{case.id}.zip"}, {"records_found": 8}


@pytest.fixture
async def h(backend: tuple[str, str | None], tmp_path: Path):  # noqa: F811
    async with harness(backend, tmp_path) as built:
        yield built


async def approved_case(h: Harness, type_: str = "access") -> Case:
    case = await h.workflow.create(SUPERVISOR, type_, ALICE)  # type: ignore[arg-type]
    await h.workflow.verify(DPO, case.id, attestation="verified in person")
    return await h.workflow.approve(DPO, case.id)


async def drain(worker: Worker, h: Harness, case_id: str, until: set[str]) -> Case:
    for _ in range(400):
        if not await worker.run_once():
            await asyncio.sleep(0.02)
        case = await h.workflow.store.get(case_id)
        if case.state in until:
            return case
    raise AssertionError("the case did not finish")


async def test_every_task_runs_once_then_the_case_closes(h: Harness) -> None:
    case = await approved_case(h)
    runner, closer = FakeRunner(), FakeCloser()
    worker = Worker(h.dsar, h.workflow, h.queue, runner, closer)
    done = await drain(worker, h, case.id, {"completed", "failed"})
    assert done.state == "completed" and done.export_path == f"/exports/{case.id}.zip"
    assert Counter((r.system, r.region) for r in runner.runs) == {
        ("crm", "eu"): 1, ("crm", "us"): 1, ("helpdesk", "cn"): 1, ("helpdesk", "eu"): 1}
    assert all(r.identities == ALICE and r.request_type == "access" for r in runner.runs)
    assert closer.closed == [case.id]
    view = await h.workflow.show(DPO, case.id)
    events = [e.event for e in view.timeline]
    assert events[:4] == ["create", "verify", "approve", "start"]
    assert events[4:] == ["task_done"] * 4 + ["complete", "task_done"]  # the closing task
    assert all(t.state == "done" for t in view.tasks)
    assert not await worker.run_once()


async def test_retries_resume_from_the_checkpoint(h: Harness) -> None:
    case = await approved_case(h, "erasure")
    runner = FakeRunner(flaky={"crm"})
    worker = Worker(h.dsar, h.workflow, h.queue, runner, FakeCloser())
    assert (await drain(worker, h, case.id, {"completed"})).state == "completed"
    crm_runs = [(r.region, r.attempt, r.checkpoint) for r in runner.runs if r.system == "crm"]
    assert sorted(crm_runs) == [("eu", 1, {}), ("eu", 2, {"page": 2}),
                                ("us", 1, {}), ("us", 2, {"page": 2})]
    events = [e.event for e in (await h.workflow.show(DPO, case.id)).timeline]
    assert events.count("task_pending") == 2  # the two retries, scheduled with backoff


async def test_a_failed_task_fails_the_case_until_retried(h: Harness) -> None:
    case = await approved_case(h)
    runner, closer = FakeRunner(broken={"helpdesk"}), FakeCloser()
    worker = Worker(h.dsar, h.workflow, h.queue, runner, closer)
    failed = await drain(worker, h, case.id, {"failed"})
    while await worker.run_once():
        pass
    assert failed.state == "failed" and closer.closed == []
    tasks = {(t.system, t.region): t for t in (await h.workflow.show(DPO, case.id)).tasks}
    assert tasks[("helpdesk", "eu")].state == "failed"
    assert tasks[("helpdesk", "eu")].error == "upstream refused"
    assert tasks[("crm", "eu")].state == "done"

    runner.broken.clear()
    await h.workflow.retry(DPO, case.id)
    done = await drain(worker, h, case.id, {"completed"})
    assert done.state == "completed" and closer.closed == [case.id]
    assert Counter(r.system for r in runner.runs) == {"crm": 2, "helpdesk": 4}


async def test_an_exception_is_retried_without_its_message(h: Harness) -> None:
    case = await approved_case(h)

    class Exploding(FakeRunner):
        async def run(self, task: TaskSpec) -> TaskOutcome:
            if task.attempt == 1:
                raise RuntimeError("alice@mail.test not found")
            return await super().run(task)

    worker = Worker(h.dsar, h.workflow, h.queue, Exploding(), FakeCloser())
    assert (await drain(worker, h, case.id, {"completed"})).state == "completed"
    timeline = (await h.workflow.show(DPO, case.id)).timeline
    errors = {e.details["error"] for e in timeline if e.event == "task_pending"}
    assert errors == {"RuntimeError"}
