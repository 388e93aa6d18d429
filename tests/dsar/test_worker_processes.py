"""Durable execution across real worker processes on PostgreSQL: two processes run every
task exactly once, and a worker killed with SIGKILL mid-task loses and repeats nothing once
another worker takes its lapsed lease. The task runner is a fake that records executions."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from dsar.identities import Identity
from proxy.demo.processes import stop
from tests.db.backends import backend  # noqa: F401
from tests.dsar.fake_worker_process import executions
from tests.dsar.workflow_support import DPO, SUPERVISOR, Harness, harness
from tests.support import ROOT

TASKS_PER_CASE = 4


def start_worker(url: str, schema: str | None, data_dir: Path,
                 seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.dsar.fake_worker_process", url, schema or "",
         str(data_dir), str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


async def approved_cases(h: Harness, count: int) -> list[str]:
    ids = []
    for n in range(count):
        case = await h.workflow.create(SUPERVISOR, "access",
                                       (Identity("email", f"s{n}@mail.test"),))
        await h.workflow.verify(DPO, case.id, attestation="verified")
        ids.append((await h.workflow.approve(DPO, case.id)).id)
    return ids


async def wait_completed(h: Harness, ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {(await h.workflow.store.get(i)).state for i in ids}
        if states == {"completed"}:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"cases not completed: {states}")


async def recorded(h: Harness) -> list[tuple[str, str, int]]:
    async with h.workflow.store.db.engine.connect() as connection:
        rows = (await connection.execute(select(executions.c.task, executions.c.phase,
                                                executions.c.pid))).all()
    return [tuple(row) for row in rows]


@pytest.fixture
async def pg(backend: tuple[str, str | None], tmp_path: Path):  # noqa: F811
    if backend[1] is None:
        pytest.skip("multi-process claiming is a PostgreSQL deployment")
    async with harness(backend, tmp_path) as h:
        async with h.workflow.store.db.write() as connection:
            await connection.run_sync(executions.create)
        yield h, backend, tmp_path


async def test_two_processes_run_every_task_exactly_once(pg) -> None:
    h, (url, schema), data_dir = pg
    workers = [start_worker(url, schema, data_dir, 0.05) for _ in range(2)]
    try:
        ids = await approved_cases(h, 10)  # once both are polling
        await wait_completed(h, ids, 120)
    finally:
        for process in workers:
            stop(process, grace=20)
    rows = await recorded(h)
    finished = Counter(task for task, phase, _ in rows if phase == "finish")
    assert len(finished) == 10 * TASKS_PER_CASE and set(finished.values()) == {1}
    started = Counter(task for task, phase, _ in rows if phase == "start")
    assert set(started.values()) == {1}
    assert len({pid for _, _, pid in rows}) == 2  # both processes took part


async def test_a_killed_worker_s_task_resumes_elsewhere_once(pg) -> None:
    h, (url, schema), data_dir = pg
    ids = await approved_cases(h, 2)
    first = start_worker(url, schema, data_dir, 1.5)
    try:
        for _ in range(200):
            rows = await recorded(h)
            if any(phase == "start" for _, phase, _ in rows):
                break
            await asyncio.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        interrupted = {t for t, p, _ in rows if p == "start"} - {t for t, p, _ in rows
                                                                 if p == "finish"}
        assert interrupted
        second = start_worker(url, schema, data_dir, 0.05)
        try:
            await wait_completed(h, ids, 120)
        finally:
            stop(second, grace=20)
    finally:
        stop(first, grace=20)
    rows = await recorded(h)
    finished = Counter(task for task, phase, _ in rows if phase == "finish")
    assert len(finished) == 2 * TASKS_PER_CASE and set(finished.values()) == {1}
    started = Counter(task for task, phase, _ in rows if phase == "start")
    assert all(started[task] == 2 for task in interrupted)  # run again, finished once
    tasks = [t for i in ids for t in await h.workflow.store.tasks(i)]
    assert {t.state for t in tasks} == {"done"}
    assert max(t.attempt for t in tasks) == 2  # the reclaimed task's second attempt
