"""A DSAR workflow on a real database, audit log and policy engine (no upstreams): what the
workflow, API and worker tests build on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dsar import migrate
from dsar.notifiers import FileNotifier
from dsar.queue import TaskQueue
from dsar.settings import DsarSettings, parse_dsar_settings
from dsar.store import DsarStore
from dsar.vault import IdentityVault
from dsar.verification import OneTimeCodes
from dsar.workflow import Workflow
from proxy.admin import AdminAuth
from proxy.audit.runtime import audit_services
from proxy.caller import Caller
from proxy.db.master_key import MasterKey
from proxy.decisions.service import DecisionService
from proxy.residency import ResidencyDirectory
from proxy.settings import Settings, parse_settings

DPO = Caller("dpo-1", role="dpo", region="eu")
SUPERVISOR = Caller("sup-1", role="supervisor", region="eu")
AGENT = Caller("agent-1", role="agent", region="eu")
SYSTEMS = {"crm": ["eu", "us"], "helpdesk": ["eu", "cn"]}


def connector(base_url: str = "http://127.0.0.1:9") -> dict[str, Any]:
    return {"base_url": base_url, "records": {"contact": {"search": {
        "email": {"path": "/contacts", "query": {"email": "{value}"}}}}}}


def gateway_settings(url: str, schema: str | None, data_dir: Path) -> Settings:
    return parse_settings({
        "default_region": "eu",
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9"}}},
        "identity": {"issuer": "test", "audience": "gateway", "algorithms": ["HS256"],
                     "hs_secret": "s" * 32},
        "data_dir": str(data_dir),
        "database": {"url": url, "schema_name": schema},
        "policy": {"run_tests_on_load": False, "timeout_ms": 5000},  # a busy test machine
    })


def dsar_settings(**overrides: Any) -> DsarSettings:
    raw: dict[str, Any] = {"connectors": {system: {region: connector() for region in regions}
                                          for system, regions in SYSTEMS.items()},
                           "worker": {"lease_seconds": 2, "heartbeat_seconds": 0.5,
                                      "poll_seconds": 0.05, "backoff_seconds": 0.05}}
    return parse_dsar_settings({**raw, **overrides})


@dataclass
class Harness:
    workflow: Workflow
    queue: TaskQueue
    settings: Settings
    dsar: DsarSettings
    residency: ResidencyDirectory
    outbox: Path

    def sent(self) -> list[dict[str, Any]]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines()]

    def last_code(self) -> str:
        return self.sent()[-1]["body"].split("Your code is ")[1][:6]


@asynccontextmanager
async def harness(backend: tuple[str, str | None], data_dir: Path,
                  dsar: DsarSettings | None = None) -> AsyncIterator[Harness]:
    url, schema = backend
    settings = gateway_settings(url, schema, data_dir)
    dsar = dsar or dsar_settings()
    decisions = DecisionService(settings.policy)
    await decisions.start()
    try:
        async with audit_services(settings) as services:
            await migrate.upgrade(services.db)
            master = MasterKey.load(settings.database, data_dir)
            auth = AdminAuth(SimpleNamespace(decisions=decisions))  # type: ignore[arg-type]
            residency = ResidencyDirectory.from_master(services.db, master)
            queue = TaskQueue(services.db, dsar.worker.lease_seconds)
            outbox = data_dir / "outbox.jsonl"
            workflow = Workflow(dsar, DsarStore(services.db), queue, services.log, residency,
                                auth.authorize, FileNotifier(outbox), IdentityVault(master),
                                OneTimeCodes(master.derive("dsar-codes"), dsar.verification))
            yield Harness(workflow, queue, settings, dsar, residency, outbox)
    finally:
        await decisions.close()
