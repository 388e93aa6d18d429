"""The DSAR service: opened by the gateway through its extension seam (entry point
``privacy_gateway.extensions: dsar``), or alone by ``privacy-gateway dsar worker``.

Opening migrates the DSAR tables, starts the worker and the retention sweep as background
tasks and yields the routes (/dsar/v1, /opendsr); closing stops the worker, handing back any
task it was running."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from starlette.routing import BaseRoute

from dsar import migrate
from dsar.api import DsarApi
from dsar.closing import CaseCloser
from dsar.execution import TaskRunner
from dsar.export import ExportBuilder
from dsar.links import DownloadLinks
from dsar.notifiers import make_notifier
from dsar.opendsr import OpenDsrApi
from dsar.queue import TaskQueue
from dsar.results import ResultStore
from dsar.retention import Retention
from dsar.settings import DsarSettings, parse_dsar_settings
from dsar.store import DsarStore, now_utc
from dsar.vault import IdentityVault
from dsar.verification import OneTimeCodes
from dsar.worker import Worker
from dsar.workflow import Authorize, Workflow
from proxy.admin import AdminAuth
from proxy.db.master_key import MasterKey
from proxy.logs import event
from proxy.runtime import Runtime
from proxy.settings import Settings

log = logging.getLogger("dsar.service")
RETENTION_SWEEP_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class DsarService:
    settings: DsarSettings
    workflow: Workflow
    worker: Worker
    routes: Sequence[BaseRoute]


@asynccontextmanager
async def open_service(settings: Settings, runtime: Runtime, authorize: Authorize, *,
                       run_worker: bool | None = None) -> AsyncIterator[DsarService]:
    dsar = parse_dsar_settings(settings.dsar)
    await migrate.upgrade(runtime.db)
    master = MasterKey.load(settings.database, settings.data_dir)
    store = DsarStore(runtime.db)
    queue = TaskQueue(runtime.db, dsar.worker.lease_seconds)
    results = ResultStore(settings.data_dir / "dsar" / "cases", master)
    exports = ExportBuilder(dsar, results)
    workflow = Workflow(dsar, store, queue, runtime.audit, runtime.residency, authorize,
                        make_notifier(dsar.notifier, settings.data_dir), IdentityVault(master),
                        OneTimeCodes(master.derive("dsar-codes"), dsar.verification))
    api = DsarApi(workflow, DownloadLinks(master.derive("dsar-download-links")),
                  timedelta(minutes=dsar.export.link_ttl_minutes),
                  lambda case: exports.open(case.id))
    async with TaskRunner(dsar, runtime, results, systems=settings.systems) as runner:
        worker = Worker(dsar, workflow, queue, runner,
                        CaseCloser(dsar, store, exports.build_export, results.destroy))
        stop = asyncio.Event()
        background = []
        if dsar.worker.enabled if run_worker is None else run_worker:
            background = [asyncio.create_task(worker.run(stop), name="dsar-worker"),
                          asyncio.create_task(_sweep(Retention(dsar, store, runtime.audit,
                                                               results.destroy), stop),
                                              name="dsar-retention")]
        try:
            yield DsarService(dsar, workflow, worker,
                              [*api.routes(), *OpenDsrApi(workflow).routes()])
        finally:
            stop.set()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _sweep(retention: Retention, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await retention.sweep(now_utc())
        except Exception as error:  # retried at the next sweep
            event(log, "dsar_retention_error", error=type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RETENTION_SWEEP_SECONDS)


@asynccontextmanager
async def extension(settings: Settings, runtime: Runtime,
                    auth: AdminAuth) -> AsyncIterator[Sequence[BaseRoute]]:
    """The gateway's extension entry point."""
    async with open_service(settings, runtime, auth.authorize) as service:
        yield service.routes
