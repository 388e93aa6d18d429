"""What runs once per case after all its tasks are done: the access report / export is
built (access, export), and the case's counts are totalled for its timeline. An erasure
keeps nothing: what its tasks learned about the subject (identifiers, progress journals) is
destroyed with the case's result store."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from dsar.export import ExportFile
from dsar.identities import Identity
from dsar.settings import DsarSettings
from dsar.store import FINALIZE, Case, DsarStore, now_utc

# ExportBuilder.build_export: (case id, request type, identities, (system, region) pairs)
BuildExport = Callable[[str, Any, tuple[Identity, ...], Sequence[tuple[str, str]]],
                       Awaitable[ExportFile]]


class CaseCloser:
    def __init__(self, settings: DsarSettings, store: DsarStore, build_export: BuildExport,
                 destroy_results: Callable[[str], bool]) -> None:
        self._settings = settings
        self._store = store
        self._build_export = build_export
        self._destroy_results = destroy_results

    async def __call__(self, case: Case, identities: tuple[Identity, ...],
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
        tasks = [t for t in await self._store.tasks(case.id) if t.system != FINALIZE]
        totals: Counter[str] = Counter()
        for task in tasks:
            totals.update({k: v for k, v in task.summary.items() if isinstance(v, int)})
        summary = {"tasks": len(tasks), **dict(sorted(totals.items()))}
        if case.type == "erasure":
            await asyncio.to_thread(self._destroy_results, case.id)
            return {}, summary
        export = await self._build_export(case.id, case.type, identities,
                                          [(t.system, t.region) for t in tasks])
        retention = timedelta(days=self._settings.export.retention_days)
        summary["export_bytes"] = export.zip_bytes
        summary["export_sha256"] = export.sha256
        return ({"export_path": str(export.path), "export_expires_at": now_utc() + retention},
                summary)
