"""A worker process killed with SIGKILL mid-erasure: another worker process resumes the case
and finishes it. The real `privacy-gateway dsar worker` and task runner against the sample CRM
upstreams (slowed down on writes so the kill lands mid-erasure) and PostgreSQL; checked
against the dataset's ground truth and every write the upstreams received."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dsar.service import open_service
from dsar.store import FINALIZE
from proxy.admin import AdminAuth
from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import REGIONS, Dataset, RecordRef, Subject, build_dataset
from proxy.demo.processes import stop
from proxy.demo.runner import UPSTREAM_TOKEN
from proxy.runtime import open_runtime
from proxy.settings import load_settings
from tests.db.backends import backend  # noqa: F401
from tests.dsar.demo_world import (
    content,
    demo_config,
    identities_of,
    search_everything,
    stored,
    two_region_subject,
)
from tests.dsar.workflow_support import DPO, SUPERVISOR
from tests.support import ROOT, serve_in_thread, write_config

WRITE_DELAY = 0.3
WORKER = {"lease_seconds": 2, "heartbeat_seconds": 0.5, "poll_seconds": 0.05,
          "backoff_seconds": 0.05}


class _SlowWrites:
    """Delays every DELETE and PATCH, and records each as (method, path, status)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.writes: list[tuple[str, str, int]] = []
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("DELETE", "PATCH"):
            await self.app(scope, receive, send)
            return
        status = 0

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            with contextlib.suppress(OSError):  # the worker may have died meanwhile
                await send(message)

        self.in_flight += 1
        try:
            await asyncio.sleep(WRITE_DELAY)
            await self.app(scope, receive, record_status)
        finally:
            self.in_flight -= 1
            self.writes.append((scope["method"], scope["path"], status))


@contextlib.contextmanager
def _serve(apps: dict[str, ASGIApp]) -> Iterator[dict[str, str]]:
    with contextlib.ExitStack() as stack:
        yield {r: stack.enter_context(serve_in_thread(app)) for r, app in apps.items()}


def _config(urls: dict[str, str], database: tuple[str, str | None],
            data_dir: Path) -> dict[str, Any]:
    raw = demo_config(urls, data_dir, {"worker": WORKER})
    raw["database"] = {"url": database[0], "schema_name": database[1]}
    raw["policy"] = {"run_tests_on_load": False, "timeout_ms": 5000}  # a busy test machine
    return raw


def _path(dataset: Dataset, ref: RecordRef) -> str:
    if ref.kind == "comment":
        ticket = stored(dataset, ref)["ticket_id"]  # type: ignore[index]
        return f"/helpdesk/v1/tickets/{ticket}/comments/{ref.id}"
    prefix = {"contact": "/crm/v1/contacts", "ticket": "/helpdesk/v1/tickets",
              "call": "/calls/v1/calls"}[ref.kind]
    return f"{prefix}/{ref.id}"


def _start_worker(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen([sys.executable, "-m", "proxy.cli", "dsar", "worker",
                                 "--config", str(config)], cwd=ROOT, stderr=stderr,
                                stdout=subprocess.DEVNULL)


async def _until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _successful(slow: dict[str, _SlowWrites], method: str) -> Counter[tuple[str, str]]:
    return Counter((region, path) for region, app in slow.items()
                   for m, path, status in app.writes if m == method and 200 <= status < 300)


@pytest.fixture
def postgres(backend: tuple[str, str | None]) -> tuple[str, str | None]:  # noqa: F811
    if backend[1] is None:
        pytest.skip("workers in several processes share a PostgreSQL database")
    return backend


async def test_a_worker_killed_mid_erasure_is_resumed_by_another(
        postgres: tuple[str, str | None], tmp_path: Path) -> None:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    subject: Subject = two_region_subject(dataset)
    others = [s for s in dataset.subjects.values() if s is not subject]
    before = {ref: copy.deepcopy(stored(dataset, ref)) for s in others for ref in s.records}
    records = {(ref.region, _path(dataset, ref)) for ref in subject.records}
    mentions = {(ref.region, _path(dataset, ref)) for ref in subject.mentions}
    slow = {r: _SlowWrites(create_crm_app(r, dataset.regions[r], token=UPSTREAM_TOKEN))
            for r in REGIONS}
    with _serve(slow) as urls:
        config = write_config(tmp_path / "gateway.yaml", _config(urls, postgres, tmp_path))
        settings = load_settings(config)
        async with open_runtime(settings) as runtime, \
                open_service(settings, runtime, AdminAuth(runtime).authorize,
                             run_worker=False) as service:
            workflow = service.workflow
            case = await workflow.create(SUPERVISOR, "erasure", identities_of(subject))
            await workflow.verify(DPO, case.id, attestation="checked passport in person")
            await workflow.approve(DPO, case.id)

            async def mid_erasure() -> bool:  # a record erased, another write under way
                done = set(_successful(slow, "DELETE")) & records
                return bool(done) and any(app.in_flight for app in slow.values())

            async def completed() -> bool:
                return (await workflow.store.get(case.id)).state == "completed"

            log = tmp_path / "workers.log"
            first = _start_worker(config, log)
            try:
                await _until(mid_erasure, 60, "the first worker to start erasing")
                os.kill(first.pid, signal.SIGKILL)
                first.wait(10)
                erased_by_first = set(_successful(slow, "DELETE"))
                assert not await completed()
                second = _start_worker(config, log)
                try:
                    await _until(completed, 60, "the second worker to complete the case")
                finally:
                    stop(second, grace=20)
            finally:
                stop(first, grace=20)
            tasks = await workflow.store.tasks(case.id)
        leftovers = search_everything(urls, subject)
    deletes, patches = _successful(slow, "DELETE"), _successful(slow, "PATCH")
    assert erased_by_first < records  # killed part-way
    assert {t.state for t in tasks} == {"done"}
    assert max(t.attempt for t in tasks) >= 2  # the interrupted task, claimed again
    summary = next(t.summary for t in tasks if t.system == FINALIZE)
    assert summary["erased"] == len(records) and summary["redacted"] == len(mentions)
    assert leftovers == []
    assert set(deletes) == records and set(deletes.values()) == {1}
    assert set(patches) <= mentions  # redacting someone else's comment naming the subject
    for ref in subject.mentions:
        comment = stored(dataset, ref)
        assert comment is not None and subject.email not in str(comment)
    changed = [ref for ref, record in before.items()
               if content(stored(dataset, ref)) != content(record)]
    assert changed == []
