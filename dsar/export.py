"""The access report / portability export: one zip, encrypted at rest with the case key.

Contents: ``access_report.json`` (machine-readable, schema ``access_report.schema.json``, also
in the zip), one CSV per system (one row per field: region, relation, kind, id, field, value;
any record shape fits), and ``summary.html`` (what was found per system, with the GDPR Art. 15
information from the record of processing). The zip is written through ``SealedWriter`` while
records stream from the result store, so neither memory nor the disk ever holds it in clear.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dsar.identities import Identity, RequestType
from dsar.results import ResultStore
from dsar.settings import DsarSettings
from proxy.pii.walker import leaves

SCHEMA_ID = "https://privacy-gateway.example/schemas/dsar/access_report/v1"
EXPORT_NAME = "export.zip.sealed"
_CSV_FIELDS = ("region", "relation", "kind", "id", "field", "value")


@dataclass(frozen=True, slots=True)
class ExportFile:
    case_id: str
    path: Path  # sealed (encrypted) zip; read it with ``ExportBuilder.open``
    size: int  # bytes of the sealed file
    zip_bytes: int
    sha256: str  # of the plain zip, as the subject will receive it
    records: int
    mentions: int
    created_at: datetime


class _Hashing:
    """Counts and hashes what passes to the sealed writer (the plain zip bytes)."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self._target.write(data)

    def tell(self) -> int:
        return self._target.tell()

    def flush(self) -> None:
        self._target.flush()


class ExportBuilder:
    def __init__(self, settings: DsarSettings, results: ResultStore) -> None:
        self._settings = settings
        self._results = results
        self._templates = Environment(loader=PackageLoader("dsar", "templates"),
                                      autoescape=select_autoescape(["html"]))

    async def build_export(self, case_id: str, request_type: RequestType,
                           identities: Sequence[Identity],
                           system_regions: Sequence[tuple[str, str]]) -> ExportFile:
        """Write the sealed zip for a case whose access/export tasks are all done."""
        return await asyncio.to_thread(self._build, case_id, request_type, list(identities),
                                       sorted(system_regions))

    def open(self, case_id: str) -> Iterator[bytes]:
        """The plain zip, chunk by chunk (for the download endpoint)."""
        return self._results.read_file(case_id, EXPORT_NAME)

    def exists(self, case_id: str) -> bool:
        return self._results.exists(case_id, EXPORT_NAME)

    def _build(self, case_id: str, request_type: RequestType, identities: list[Identity],
               system_regions: list[tuple[str, str]]) -> ExportFile:
        created = datetime.now(UTC)
        sealed = self._results.sealed_writer(case_id, EXPORT_NAME)
        hashing = _Hashing(sealed)
        try:
            with zipfile.ZipFile(hashing, "w", zipfile.ZIP_DEFLATED) as archive:
                counts = self._write_report(archive, case_id, request_type, identities,
                                            system_regions, created)
                for system in sorted({s for s, _ in system_regions}):
                    regions = [r for s, r in system_regions if s == system]
                    self._write_csv(archive, case_id, system, regions)
                archive.writestr("summary.html", self._summary(
                    case_id, request_type, identities, counts, created))
                archive.writestr("access_report.schema.json",
                                 files("dsar").joinpath("schema/access_report.schema.json")
                                 .read_bytes())
            zip_bytes = sealed.tell()
            size = sealed.commit()
        except BaseException:
            sealed.abort()
            raise
        total = {rel: sum(c[rel] for c in counts.values()) for rel in ("record", "mention")}
        return ExportFile(case_id, sealed.path, size, zip_bytes, hashing.digest.hexdigest(),
                          total["record"], total["mention"], created)

    def _write_report(self, archive: zipfile.ZipFile, case_id: str, request_type: str,
                      identities: list[Identity], system_regions: list[tuple[str, str]],
                      created: datetime) -> dict[tuple[str, str], dict[str, int]]:
        counts: dict[tuple[str, str], dict[str, int]] = {}
        with archive.open("access_report.json", "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8") as out:
            head = {"$schema": SCHEMA_ID, "case_id": case_id, "request_type": request_type,
                    "generated_at": created.isoformat(),
                    "subject": {"identities": [{"kind": i.kind, "value": i.value}
                                               for i in identities]}}
            out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',"systems":[')
            for index, (system, region) in enumerate(system_regions):
                counts[system, region] = self._write_system(out, case_id, system, region,
                                                            first=index == 0)
            out.write("]}")
        return counts

    def _write_system(self, out: io.TextIOWrapper, case_id: str, system: str, region: str,
                      *, first: bool) -> dict[str, int]:
        processing = self._settings.processing.get(system)
        head = {"system": system, "region": region,
                "processing": processing.model_dump() if processing else None}
        out.write(("" if first else ",") + json.dumps(head, ensure_ascii=False)[:-1]
                  + ',"items":[')
        counts = {"record": 0, "mention": 0}
        for item in self._results.records(case_id, system, region):
            out.write(("," if counts["record"] + counts["mention"] else "")
                      + json.dumps(item, ensure_ascii=False))
            counts[item["relation"]] += 1
        out.write("]}")
        return counts

    def _write_csv(self, archive: zipfile.ZipFile, case_id: str, system: str,
                   regions: list[str]) -> None:
        with archive.open(f"{system}.csv", "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(_CSV_FIELDS)
            for region in regions:
                for item in self._results.records(case_id, system, region):
                    for leaf in leaves(item["data"]):
                        writer.writerow((region, item["relation"], item["kind"], item["id"],
                                         ".".join(str(p) for p in leaf.path), leaf.value))

    def _summary(self, case_id: str, request_type: str, identities: list[Identity],
                 counts: dict[tuple[str, str], dict[str, int]], created: datetime) -> str:
        systems: dict[str, dict[str, Any]] = {}
        for (system, region), found in counts.items():
            entry = systems.setdefault(system, {
                "processing": self._settings.processing.get(system), "regions": {}})
            entry["regions"][region] = found
        return self._templates.get_template("summary.html").render(
            case_id=case_id, request_type=request_type, identities=identities,
            systems=systems, generated_at=created)
