"""The task worker: claims tasks (see dsar.queue), runs each through the task runner with its
lease renewed, records the outcome (retrying failures with exponential backoff), and moves
the case: in progress at the first task, failed when a task runs out of attempts,
completed once its closing task has run.

A worker killed mid-task (kill -9) leaves its lease to lapse; the task is then claimed again
and the runner resumes from the task's last recorded checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from dsar.execution import TaskOutcome, TaskSpec
from dsar.identities import Identity
from dsar.models import TransitionError
from dsar.queue import TaskQueue
from dsar.settings import DsarSettings, WorkerSettings
from dsar.store import FINALIZE, Case, Task, now_utc
from dsar.workflow import WORKER, Workflow
from proxy.logs import event

log = logging.getLogger("dsar.worker")
RUNNABLE = ("approved", "in_progress", "failed")


class Runner(Protocol):
    async def run(self, task: TaskSpec) -> TaskOutcome: ...


# Runs once per case after every other task is done: returns case columns to set (e.g. the
# export's path) and a summary of counts for the timeline.
Closer = Callable[[Case, tuple[Identity, ...]], Awaitable[tuple[dict[str, Any], dict[str, Any]]]]


def backoff(settings: WorkerSettings, attempt: int) -> float:
    base = min(settings.backoff_max_seconds, settings.backoff_seconds * 2 ** (attempt - 1))
    return base * random.uniform(0.8, 1.2)


class Worker:
    def __init__(self, settings: DsarSettings, workflow: Workflow, queue: TaskQueue,
                 runner: Runner, closer: Closer, owner: str | None = None) -> None:
        self._settings = settings.worker
        self._system_regions = settings.system_regions()
        self._workflow = workflow
        self._queue = queue
        self._runner = runner
        self._closer = closer
        self.owner = owner or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    async def run(self, stop: asyncio.Event) -> None:
        """``concurrency`` claim loops until ``stop`` is set."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self._settings.concurrency):
                group.create_task(self._loop(stop))

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception as error:  # a database hiccup must not end the loop
                event(log, "dsar_worker_error", error=type(error).__name__)
                claimed = False
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._settings.poll_seconds)

    async def run_once(self) -> bool:
        """Claim and run one task; False when none was ready."""
        task = await self._queue.claim(self.owner, now_utc())
        if task is None:
            return False
        case = await self._workflow.store.get(task.case_id)
        if case is None or case.state not in RUNNABLE:
            await self._finish(task, TaskOutcome("failed", {}, task.checkpoint,
                                                 "the request is no longer active"), case)
            return True
        if case.state == "approved":
            case = await self._transition(case.id, "start", {}) or case
        work = asyncio.create_task(self._execute(task, case))
        heartbeat = asyncio.create_task(self._heartbeat(task))
        try:
            await asyncio.wait({work, heartbeat}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # shutting down: hand the task back at once
            await _cancel(work)
            await asyncio.shield(self._queue.release(task, self.owner, now_utc()))
            raise
        finally:
            heartbeat.cancel()
        if not work.done():  # lease lost: another worker owns the task now
            await _cancel(work)
            return True
        await self._finish(task, work.result(), case)
        return True

    async def _execute(self, task: Task, case: Case) -> TaskOutcome:
        try:
            identities = self._workflow.identities(case)
            if task.system == FINALIZE:
                return await self._close(task, case, identities)
            spec = TaskSpec(case.id, case.type, task.system, task.region, identities,
                            task.attempt, task.checkpoint)
            return await self._runner.run(spec)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # only the type: messages may quote upstream data
            return TaskOutcome("retry", {}, task.checkpoint, type(error).__name__)

    async def _close(self, task: Task, case: Case,
                     identities: tuple[Identity, ...]) -> TaskOutcome:
        if case.state == "completed":
            return TaskOutcome("done", task.summary, task.checkpoint, None)
        changes, summary = await self._closer(case, identities)
        await self._transition(case.id, "complete", summary, changes)
        return TaskOutcome("done", summary, {}, None)

    async def _heartbeat(self, task: Task) -> bool:
        while True:
            await asyncio.sleep(self._settings.heartbeat_seconds)
            if not await self._queue.heartbeat(task, self.owner, now_utc()):
                event(log, "dsar_lease_lost", task=task.id)
                return False

    async def _finish(self, task: Task, outcome: TaskOutcome, case: Case | None) -> None:
        now = now_utc()
        retry_at = None
        if outcome.status == "retry" and task.attempt < self._settings.max_attempts:
            retry_at = now + timedelta(seconds=backoff(self._settings, task.attempt))
        finished = await self._queue.finish(
            task, self.owner, outcome.status, now, summary=outcome.summary,
            checkpoint=outcome.checkpoint, error=outcome.error, retry_at=retry_at)
        if finished.state is None:
            return
        details = {"task_id": task.id, "system": task.system, "region": task.region,
                   "attempt": task.attempt, "state": finished.state, "error": outcome.error,
                   "summary": outcome.summary}
        await self._workflow.store.record(task.case_id, f"task_{finished.state}", WORKER,
                                          details)
        self._workflow.audit.append(f"dsar.task_{finished.state}",
                                    {"case_id": task.case_id, **details})
        if finished.state == "failed" and case is not None and case.state != "failed":
            await self._transition(task.case_id, "fail", {"task_id": task.id})

    async def _transition(self, case_id: str, name: Any, details: dict[str, Any],
                          changes: dict[str, Any] | None = None) -> Case | None:
        """A worker transition; None when another worker made it first."""
        try:
            return await self._workflow.worker_event(case_id, name, details, changes)
        except TransitionError:
            return None


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
