"""The demo world for DSAR execution tests: the sample CRM upstreams (one real uvicorn server
per region on 127.0.0.1), gateway settings from proxy/demo/config.yaml pointing at them, an
open runtime and a task runner; and the dataset's records and what a fresh search of the
upstreams finds, to check results against."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from dsar.execution import TaskOutcome, TaskRunner, TaskSpec
from dsar.identities import Identity, RequestType
from dsar.results import ResultStore
from dsar.settings import DsarSettings, parse_dsar_settings
from proxy.db.master_key import MasterKey
from proxy.demo.crm import create_crm_app
from proxy.demo.dataset import REGIONS, Dataset, RecordRef, Subject
from proxy.demo.runner import UPSTREAM_TOKEN
from proxy.runtime import Runtime, open_runtime
from proxy.settings import Settings, parse_settings
from tests.support import ROOT, serve_in_thread

DEMO_CONFIG = ROOT / "proxy" / "demo" / "config.yaml"


@contextlib.contextmanager
def serve_dataset(dataset: Dataset) -> Iterator[dict[str, str]]:
    """Base URL per region."""
    with contextlib.ExitStack() as stack:
        yield {region: stack.enter_context(serve_in_thread(
            create_crm_app(region, dataset.regions[region], token=UPSTREAM_TOKEN)))
            for region in REGIONS}


def demo_config(urls: dict[str, str], data_dir: Path,
                dsar_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """proxy/demo/config.yaml, as parsed YAML, pointed at ``urls`` (base URL per region)."""
    raw = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    for system in raw["systems"].values():
        for region, upstream in system["upstreams"].items():
            path = "/" + upstream.split("/", 3)[3]
            system["upstreams"][region] = urls[region] + path
    raw["data_dir"] = str(data_dir)
    raw["pii"] = {"english_ner": os.environ.get("DSAR_TEST_NER", "1") == "1"}
    raw["dsar"] = {**raw["dsar"], **(dsar_changes or {})}
    return raw


def demo_settings(urls: dict[str, str], data_dir: Path,
                  dsar_changes: dict[str, Any] | None = None) -> Settings:
    return parse_settings(demo_config(urls, data_dir, dsar_changes))


@dataclass
class World:
    settings: Settings
    dsar: DsarSettings
    runtime: Runtime
    results: ResultStore
    runner: TaskRunner

    async def run_all(self, case_id: str, request_type: RequestType,
                      identities: tuple[Identity, ...]) -> dict[tuple[str, str], TaskOutcome]:
        outcomes = {}
        for system, region in self.dsar.system_regions():
            outcomes[system, region] = await self.runner.run(TaskSpec(
                case_id, request_type, system, region, identities))
        return outcomes


@contextlib.asynccontextmanager
async def open_world(settings: Settings) -> AsyncIterator[World]:
    dsar = parse_dsar_settings(settings.dsar)
    async with open_runtime(settings) as runtime:
        results = ResultStore(settings.data_dir / "dsar" / "cases",
                              MasterKey.load(settings.database, settings.data_dir))
        async with TaskRunner(dsar, runtime, results, systems=settings.systems) as runner:
            yield World(settings, dsar, runtime, results, runner)


def identities_of(subject: Subject) -> tuple[Identity, ...]:
    return (Identity("email", subject.email), Identity("phone", subject.phone))


def two_region_subject(dataset: Dataset) -> Subject:
    """A subject with records in two regions and in all three systems, who is mentioned in
    someone else's ticket (ground truth from the dataset)."""
    for subject in dataset.subjects.values():
        systems = {ref.system for ref in subject.records}
        if len(subject.regions) == 2 and len(systems) == 3 and subject.mentions:
            return subject
    raise AssertionError("dataset has no subject in two regions with mentions")


def stored(dataset: Dataset, ref: RecordRef) -> dict | None:
    """The record as the upstream holds it now (None once erased)."""
    data = dataset.regions[ref.region]
    collection = {"contact": data.contacts, "ticket": data.tickets, "call": data.calls,
                  "comment": data.comments}[ref.kind]
    return collection.get(ref.id)


def content(record: dict | None) -> dict | None:
    """A record without its ``updated_at``."""
    return None if record is None else {k: v for k, v in record.items() if k != "updated_at"}


def search_everything(urls: dict[str, str], subject: Subject) -> list[str]:
    """What a fresh search by every identity and free text finds (as descriptions)."""
    hits = []
    headers = {"Authorization": f"Bearer {UPSTREAM_TOKEN}"}
    lookups = [("/crm/v1/contacts", {"email": subject.email}),
               ("/crm/v1/contacts", {"phone": subject.phone}),
               ("/crm/v1/contacts", {"q": subject.national_id.value}),
               ("/helpdesk/v1/tickets", {"customer_email": subject.email}),
               ("/calls/v1/calls", {"caller_number": subject.phone})]
    lookups += [(f"/{system}/v1/search", {"q": value}) for system in ("crm", "helpdesk", "calls")
                for value in (subject.email, subject.name, subject.national_id.value)]
    for region, base in urls.items():
        for path, query in lookups:
            response = httpx.get(base + path, params=query, headers=headers, timeout=10)
            response.raise_for_status()
            if response.json()["results"]:
                hits.append(f"{region} {path} {sorted(query)}")
    return hits
