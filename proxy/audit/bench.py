"""Benchmarks for the audit writer (figures, not pass/fail tests).

1. Request-path cost: time per ``append`` of a realistic decision entry, and the event loop's
   worst stall while the background writer flushes (what a concurrent request would feel).
2. Sustained appends/s into the configured database.
3. HTTP throughput of a minimal Starlette endpoint (30 KB JSON) with and without one audit
   append per request, measured in the same run: isolates the audit cost from the rest of
   the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from proxy.audit.checkpoints import Signer
from proxy.audit.entry import IdentifierHasher, decision_entry
from proxy.audit.settings import AuditSettings
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.db import Database
from proxy.loadgen import LoadResult, run_load

CALLER = Caller(subject="agent-7", role="agent", region="eu", purpose="support", tenant="acme")
MASKED = {"EMAIL_ADDRESS": 50, "PHONE_NUMBER": 50, "PERSON": 50}


def _decision(log: AuditLog) -> dict:
    return decision_entry(str(uuid.uuid4()), CALLER, "crm", "GET", "/contacts", "eu", "eu",
                          "rev-1", "allow", MASKED, subject_hash=log.hash_identifier("c-42"))


async def _loop_lag(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - started - 0.001)


@contextlib.asynccontextmanager
async def scratch_log(url: str | None, data_dir: str) -> AsyncIterator[AuditLog]:
    db = await Database.open(url or f"sqlite+aiosqlite:///{data_dir}/bench.sqlite")
    log = AuditLog(db, AuditSettings(), Signer.from_file(Path(data_dir) / "key.pem"),
                   IdentifierHasher(b"k" * 32))
    await log.start()
    try:
        yield log
    finally:
        await log.close()
        await db.close()


async def run_writer_bench(url: str | None, entries: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        async with scratch_log(url, data_dir) as log:
            await _writer_bench(log, entries)


async def _writer_bench(log: AuditLog, entries: int) -> None:
    fields = [_decision(log) for _ in range(entries)]
    stop, lags = asyncio.Event(), []
    ticker = asyncio.create_task(_loop_lag(stop, lags))
    started = time.perf_counter()
    per_append = []
    for item in fields:
        before = time.perf_counter_ns()
        log.append("decision", item)
        per_append.append(time.perf_counter_ns() - before)
        if len(per_append) % 500 == 0:
            await asyncio.sleep(0)  # let the writer and the ticker run, as requests would
    await log.flush()
    elapsed = time.perf_counter() - started
    stop.set()
    await ticker
    per_append.sort()
    print(f"audit append on the request path: median {per_append[len(per_append) // 2] / 1000:.1f}"
          f" us, p99 {per_append[int(len(per_append) * 0.99)] / 1000:.1f} us "
          f"(build + guard + canonical JSON + enqueue)")
    print(f"writer throughput ({log.db.dialect}): {entries / elapsed:,.0f} appends/s "
          f"({entries} entries in {elapsed:.2f} s, batches of {log.settings.batch_size})")
    if lags:
        print(f"event-loop stall while writing: median {statistics.median(lags) * 1000:.2f} ms, "
              f"max {max(lags) * 1000:.2f} ms")


def _serve(port: int, audited: bool, data_dir: str, url: str | None) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route


    body = json.dumps({"results": [{"id": i, "email": f"user{i}@example.com", "phone":
                                    "138****5678", "notes": "x" * 500} for i in range(50)]})
    state: dict[str, AuditLog] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with scratch_log(url, data_dir) as log:
            state["log"] = log
            yield

    async def contacts(_: object) -> Response:
        if audited:
            state["log"].append("decision", _decision(state["log"]))
        return Response(body, media_type="application/json")

    app = Starlette(routes=[Route("/contacts", contacts)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


def _measure(audited: bool, seconds: float, connections: int, url: str | None) -> LoadResult:
    port = _free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        server = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(port, audited, data_dir, url), daemon=True)
        server.start()
        try:
            _wait_for_port(port)
            target = f"http://127.0.0.1:{port}/contacts"
            run_load(target, connections=connections, seconds=1)  # warm-up
            return run_load(target, connections=connections, seconds=seconds)
        finally:
            server.terminate()
            server.join(10)


def run_http_bench(seconds: float, connections: int, url: str | None, rounds: int = 2) -> None:
    """Alternate off/on rounds so drift on a shared machine hits both modes alike."""
    results: dict[bool, list[LoadResult]] = {False: [], True: []}
    for _ in range(rounds):
        for audited in (False, True):
            results[audited].append(_measure(audited, seconds, connections, url))
    print(f"HTTP, minimal Starlette endpoint (30 KB JSON), {connections} connections, "
          f"{rounds} x {seconds:.0f} s per mode, load by {results[False][0].tool}")
    for audited, label in ((False, "audit off"), (True, "audit on (1 entry/request)")):
        rps = statistics.mean(r.requests_per_second for r in results[audited])
        p50 = statistics.mean(r.p50_ms for r in results[audited])
        print(f"  {label:<28}{rps:>10,.0f} req/s   p50 {p50:.2f} ms")
    off = statistics.mean(r.requests_per_second for r in results[False])
    on = statistics.mean(r.requests_per_second for r in results[True])
    print(f"throughput loss with auditing: {(1 - on / off) * 100:.1f} % (target <= 10 %)")
