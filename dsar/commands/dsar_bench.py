"""`privacy-gateway dsar-bench`: how long an access request and an erasure take for one subject
across 3 systems x 3 regions of the sample CRM (10,000 records per system and region by
default), and the peak memory of an export of 100,000 records (target <= 300 MB RSS)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dsar-bench", help="DSAR access/erasure time, export memory")
    parser.add_argument("--contacts", type=int, default=10_000,
                        help="contacts per region (= crm records per region)")
    parser.add_argument("--export-records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="dsar-bench-") as tmp:
        _export_memory(Path(tmp) / "export", args.export_records)
        asyncio.run(_requests(Path(tmp) / "requests", args.contacts, args.seed))
    return 0


class _PeakRss:
    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self) -> float:
        return self._process.memory_info().rss / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def _export_memory(root: Path, count: int) -> None:
    import os

    from dsar.export import ExportBuilder
    from dsar.identities import Identity
    from dsar.results import ResultStore
    from dsar.settings import DsarSettings
    from proxy.db.master_key import MasterKey

    store = ResultStore(root, MasterKey(os.urandom(32)))
    regions = ("eu", "cn", "us")
    baseline = _PeakRss().now()
    started = time.perf_counter()
    for index, region in enumerate(regions):
        with store.records_writer("bench", "helpdesk", region) as writer:
            for i in range(index, count, len(regions)):
                writer.write(_record(i))
    stored = time.perf_counter() - started
    builder = ExportBuilder(DsarSettings(), store)
    with _PeakRss() as rss:
        started = time.perf_counter()
        export = asyncio.run(builder.build_export(
            "bench", "export", (Identity("email", "bench@example.org"),),
            [("helpdesk", r) for r in regions]))
        built = time.perf_counter() - started
    print(f"export: {export.records:,} records stored in {stored:.1f} s, zip built and sealed "
          f"in {built:.1f} s ({export.zip_bytes / 2**20:.1f} MB zip, "
          f"{export.size / 2**20:.1f} MB sealed)")
    print(f"export memory: baseline {baseline:.0f} MB RSS, peak {rss.peak:.0f} MB RSS "
          f"(+{rss.peak - baseline:.0f} MB; target <= 300 MB: "
          f"{'met' if rss.peak <= 300 else 'NOT met'})")


def _record(i: int) -> dict[str, Any]:
    return {"relation": "record", "kind": "ticket", "id": str(i), "data": {
        "id": i, "contact_id": i // 3, "customer_email": "bench@example.org",
        "subject": f"Parcel {i:08d} not delivered",
        "description": "The parcel has not arrived; please call me back after 17:00. " * 6,
        "status": "open", "assignee": "<PERSON>",
        "comments": [{"id": i * 3 + k, "author": "<PERSON>", "body": "Escalated. " * 10}
                     for k in range(2)]}}


async def _requests(root: Path, contacts: int, seed: int) -> None:
    import uvicorn

    from dsar.execution import TaskRunner, TaskSpec
    from dsar.identities import Identity
    from dsar.results import ResultStore
    from dsar.settings import parse_dsar_settings
    from proxy.db.master_key import MasterKey
    from proxy.demo.crm import create_crm_app
    from proxy.demo.dataset import REGIONS, build_dataset
    from proxy.demo.runner import UPSTREAM_TOKEN, free_port
    from proxy.runtime import open_runtime

    started = time.perf_counter()
    dataset = build_dataset(seed=seed, contacts_per_region=contacts)
    sizes = {r: (len(d.contacts), len(d.tickets), len(d.calls))
             for r, d in dataset.regions.items()}
    print(f"dataset: built in {time.perf_counter() - started:.0f} s; per region "
          f"(contacts, tickets, calls): {sizes}")
    subject = next(s for s in dataset.subjects.values() if len(s.regions) >= 2)
    identities = (Identity("email", subject.email), Identity("phone", subject.phone))
    ports = {r: free_port() for r in REGIONS}
    servers = [uvicorn.Server(uvicorn.Config(
        create_crm_app(r, dataset.regions[r], token=UPSTREAM_TOKEN), host="127.0.0.1",
        port=port, log_level="warning", access_log=False)) for r, port in ports.items()]
    serving = [asyncio.create_task(server.serve()) for server in servers]
    while not all(server.started for server in servers):
        await asyncio.sleep(0.05)
    try:
        settings = _settings(ports, root)
        dsar = parse_dsar_settings(settings.dsar)
        async with open_runtime(settings) as runtime:
            results = ResultStore(root / "dsar" / "cases",
                                  MasterKey.load(settings.database, settings.data_dir))
            async with TaskRunner(dsar, runtime, results, systems=settings.systems) as runner:
                for request_type in ("access", "erasure"):
                    started = time.perf_counter()
                    outcomes = await asyncio.gather(*(runner.run(TaskSpec(
                        f"bench-{request_type}", request_type, system, region, identities))
                        for system, region in dsar.system_regions()))
                    elapsed = time.perf_counter() - started
                    found = sum(o.summary.get("records_found", 0) for o in outcomes)
                    statuses = sorted({o.status for o in outcomes})
                    print(f"{request_type}: {elapsed:.2f} s for 9 tasks (3 systems x 3 regions),"
                          f" {found} records of the subject found, statuses {statuses}")
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*serving)


def _settings(ports: dict[str, int], root: Path) -> Any:
    """The demo configuration pointed at this run's upstream ports and data directory."""
    import os

    from proxy.settings import load_settings

    for region, port in ports.items():
        os.environ[f"DEMO_{region.upper()}_PORT"] = str(port)
    os.environ["GATEWAY_DATA_DIR"] = str(root)
    return load_settings(Path(__file__).resolve().parents[2] / "proxy" / "demo" / "config.yaml")
