"""Running one DSAR task: one request against one system in one region.

The workflow's worker claims a task and calls ``TaskRunner.run``; the outcome says whether
the task is done, should be retried later (the upstream was unavailable) or failed, with
counts only (never personal data) and a checkpoint to resume from.

Before a task changes anything it stores what it learned about the subject (identifiers from
their records, ids other systems link them by) in the encrypted result store, shared by all
tasks of the case in that region: a helpdesk task can still find tickets by CRM contact id
after the CRM task has erased the contact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from dsar.connectors.client import Connector, ConnectorError, UpstreamUnavailable
from dsar.discovery import Discovery, Hit, Key
from dsar.erasure import Eraser, Journal, forget_subject
from dsar.identities import Identity, RequestType
from dsar.results import ResultStore
from dsar.sealed import SealedError
from dsar.settings import DsarSettings
from dsar.subject import SubjectFacts
from dsar.third_parties import ThirdPartyMasker
from proxy.pii.masker import MaskingError
from proxy.runtime import Runtime
from proxy.settings import System

Status = Literal["done", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    case_id: str
    request_type: RequestType
    system: str
    region: str
    identities: tuple[Identity, ...]
    attempt: int = 1
    checkpoint: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    status: Status
    summary: dict[str, Any] = field(default_factory=dict)  # counts only
    checkpoint: dict[str, Any] = field(default_factory=dict)  # no personal data
    error: str | None = None  # no personal data


class TaskRunner:
    """``TaskRunner(dsar_settings, runtime, results, systems=settings.systems)``: ``systems``
    are the gateway's systems, whose upstreams and credentials connectors may name."""

    def __init__(self, settings: DsarSettings, runtime: Runtime, results: ResultStore, *,
                 systems: Mapping[str, System] | None = None) -> None:
        self._settings = settings
        self._runtime = runtime
        self._results = results
        self._systems = dict(systems or {})
        self._third_parties = ThirdPartyMasker(runtime.masker)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> TaskRunner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, task: TaskSpec) -> TaskOutcome:
        try:
            if task.request_type == "erasure":
                return await self._erasure(task)
            return await self._access(task)
        except UpstreamUnavailable as exc:
            return TaskOutcome("retry", checkpoint=task.checkpoint, error=str(exc))
        except (ConnectorError, MaskingError, SealedError) as exc:
            return TaskOutcome("failed", checkpoint=task.checkpoint, error=str(exc))

    # --- connectors and what the region knows about the subject --------------------------

    def _connector(self, system: str, region: str) -> Connector:
        settings = self._settings.connectors.get(system, {}).get(region)
        if settings is None:
            raise ConnectorError(f"no connector for {system}/{region}")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return Connector.build(system, region, settings, self._systems, self._session)

    async def _discover(self, task: TaskSpec) -> tuple[Discovery, SubjectFacts, dict[Key, Hit]]:
        facts = SubjectFacts.of(task.identities)
        self._load_facts(task, facts)
        for system, regions in sorted(self._settings.connectors.items()):
            settings = regions.get(task.region)
            if system == task.system or settings is None:
                continue
            sources = [name for name, kind in settings.records.items() if kind.links]
            if sources:  # kinds other systems link to (a CRM contact's id)
                await Discovery(self._connector(system, task.region)).records(facts, sources)
        discovery = Discovery(self._connector(task.system, task.region))
        own = await discovery.records(facts)
        await asyncio.to_thread(self._results.save, task.case_id,
                                f"facts.{task.region}.{task.system}", facts.as_dict())
        self._load_facts(task, facts)
        return discovery, facts, own

    def _load_facts(self, task: TaskSpec, facts: SubjectFacts) -> None:
        for raw in self._results.load_all(task.case_id, f"facts.{task.region}."):
            facts.merge(SubjectFacts.from_dict(raw))

    # --- access and export ---------------------------------------------------------------

    async def _access(self, task: TaskSpec) -> TaskOutcome:
        stored = task.checkpoint.get("stored")
        if stored and self._results.has_records(task.case_id, task.system, task.region):
            return TaskOutcome("done", dict(stored), task.checkpoint)
        discovery, facts, own = await self._discover(task)
        mentions = await discovery.mentions(facts, own)
        summary = await self._store(task, discovery, facts, own, mentions)
        return TaskOutcome("done", summary, {"stored": summary})

    async def _store(self, task: TaskSpec, discovery: Discovery, facts: SubjectFacts,
                     own: dict[Key, Hit], mentions: dict[Key, Hit]) -> dict[str, Any]:
        records = discovery.connector.settings.records
        counts = {"records_found": 0, "mentions_found": 0, "masked_values": 0}
        by_kind: dict[str, int] = {}
        with self._results.records_writer(task.case_id, task.system, task.region) as writer:
            for relation, hits in (("record", own), ("mention", mentions)):
                documents = await asyncio.gather(*(discovery.detail(h) for _, h in
                                                   sorted(hits.items())))
                for (_, hit), document in zip(sorted(hits.items()), documents, strict=True):
                    if document is None:
                        continue  # gone since the search
                    kind = records.get(hit.kind)
                    people = kind.people_fields if kind else []
                    masked, n = await asyncio.to_thread(self._third_parties.mask, document,
                                                        facts, people, task.system)
                    writer.write({"relation": relation, "kind": hit.kind, "id": hit.id,
                                  "data": masked})
                    counts[f"{relation}s_found"] += 1
                    counts["masked_values"] += n
                    by_kind[hit.kind] = by_kind.get(hit.kind, 0) + 1
        return {**counts, "by_kind": by_kind}

    # --- erasure -------------------------------------------------------------------------

    async def _erasure(self, task: TaskSpec) -> TaskOutcome:
        name = f"progress.{task.region}.{task.system}"
        journal = Journal.from_dict(self._results.load(task.case_id, name) or
                                    task.checkpoint.get("journal"))
        discovery, facts, own = await self._discover(task)

        def save(current: Journal) -> None:
            self._results.save(task.case_id, name, current.as_dict())

        summary = await Eraser(self._runtime, save).erase(discovery.connector, facts, own,
                                                          journal)
        summary |= await forget_subject(self._runtime, facts)
        checkpoint = {"journal": journal.as_dict()}
        if summary["remaining"]:
            return TaskOutcome("retry", summary, checkpoint,
                               f"{summary['remaining']} records or mentions still found "
                               "after erasure")
        return TaskOutcome("done", summary, checkpoint)
