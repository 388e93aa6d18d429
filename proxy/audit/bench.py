"""Benchmarks for the audit writer (figures, not pass/fail tests).

1. Request-path cost: time per ``append`` of a realistic decision entry, and the event loop's
   worst stall while the background writer flushes (what a concurrent request would feel).
2. Sustained appends/s into the configured database.
3. HTTP throughput with auditing on vs off, measured in the same run (alternating rounds):
   the real gateway in front of the demo CRM upstream, and a bare Starlette endpoint that
   isolates the audit cost (a worst case: the endpoint itself does almost nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import jwt

from proxy.audit.checkpoints import Signer
from proxy.audit.entry import IdentifierHasher, decision_entry
from proxy.audit.settings import AuditSettings
from proxy.audit.writer import AuditLog
from proxy.caller import Caller
from proxy.db import Database
from proxy.demo.processes import free_port, upstream_process, wait_until_up
from proxy.loadgen import LoadResult, run_load

CALLER = Caller(subject="agent-7", role="agent", region="eu", purpose="support", tenant="acme")
_SECRET = "bench-only-hs256-secret-0123456789abcdef"
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
          f"(guard + canonical JSON + enqueue; entry built beforehand)")
    print(f"writer throughput ({log.db.dialect}): {entries / elapsed:,.0f} appends/s "
          f"({entries} entries in {elapsed:.2f} s, batches of {log.settings.batch_size})")
    if lags:
        print(f"event-loop stall while writing: median {statistics.median(lags) * 1000:.2f} ms, "
              f"max {max(lags) * 1000:.2f} ms")


def _serve_endpoint(port: int, audited: bool, data_dir: str, url: str | None) -> None:
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

    app = Starlette(routes=[Route("/contacts", contacts),
                            Route("/healthz", lambda _: Response("ok"))], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools")


def _serve_gateway(port: int, audited: bool, data_dir: str, upstream: str) -> None:
    import uvicorn

    from proxy.app import create_app
    from proxy.settings import parse_settings

    if not audited:  # the baseline: the same gateway with appends discarded
        AuditLog.append = lambda self, kind, fields: None  # type: ignore[method-assign]
    settings = parse_settings({
        "default_region": "eu", "data_dir": data_dir,
        "identity": {"issuer": "bench", "audience": "privacy-gateway", "algorithms": ["HS256"],
                     "hs_secret": _SECRET},
        "systems": {"crm": {"prefix": "/crm", "auth": {"type": "bearer", "token": _SECRET},
                            "upstreams": {"eu": f"{upstream}/crm/v1"}}},
        # a saturated 2-core machine starves the policy thread; don't let timeouts decide
        "policy": {"timeout_ms": 2000}})
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, loop="uvloop", http="httptools")


@contextlib.contextmanager
def _server(target: Callable[[int, bool, str, str | None], None], audited: bool,
            extra: str | None) -> Iterator[str]:
    """Run ``target(port, audited, data_dir, extra)`` in a fresh process."""
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        process = multiprocessing.get_context("spawn").Process(
            target=target, args=(port, audited, data_dir, extra), daemon=True)
        process.start()
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process.is_alive)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.join(10)


def _token() -> str:
    now = int(time.time())
    return jwt.encode({"iss": "bench", "aud": "privacy-gateway", "sub": "bench", "role": "dpo",
                       "region": "eu", "purpose": "support", "iat": now, "exp": now + 3600},
                      _SECRET, algorithm="HS256")


def _compare(title: str, start: Callable[[bool], contextlib.AbstractContextManager[str]],
             path: str, headers: dict[str, str], seconds: float, connections: int,
             rounds: int) -> None:
    """Both servers run side by side; load alternates between them round by round, so drift
    on a shared machine hits both modes alike."""
    results: dict[bool, list[LoadResult]] = {False: [], True: []}
    with start(False) as off, start(True) as on:
        bases = {False: off + path, True: on + path}
        for url in bases.values():  # warm caches one request at a time, then under load
            for _ in range(5):
                httpx.get(url, headers=headers, timeout=30)
            run_load(url, connections=connections, seconds=1, headers=headers)
        for _ in range(rounds):
            for audited, url in bases.items():
                results[audited].append(run_load(url, connections=connections,
                                                 seconds=seconds, headers=headers))

    def ok_rps(mode: bool) -> float:  # failed responses are cheap: count successes only
        return statistics.mean(max(0.0, r.requests_per_second - r.errors / seconds)
                               for r in results[mode])

    print(f"{title}: {connections} connections, {rounds} x {seconds:.0f} s per mode, "
          f"load by {results[False][0].tool}")
    for audited, label in ((False, "audit off"), (True, "audit on")):
        runs = results[audited]
        print(f"  {label:<10}{ok_rps(audited):>10,.0f} ok req/s   "
              f"p50 {statistics.mean(r.p50_ms for r in runs):.2f} ms   "
              f"p99 {statistics.mean(r.p99_ms for r in runs):.2f} ms   "
              f"non-2xx {sum(r.errors for r in runs)}")
    if ok_rps(False) == 0:
        print("  no successful responses without auditing: no comparison (see non-2xx)")
        return
    print(f"  throughput loss with auditing: {(1 - ok_rps(True) / ok_rps(False)) * 100:.1f} % "
          f"(target <= 10 %)")


def run_http_bench(seconds: float, connections: int, url: str | None, rounds: int = 3) -> None:
    with upstream_process(_SECRET) as upstream:
        _compare("Gateway, GET 50 demo contacts (1 decision entry per request)",
                 lambda audited: _server(_serve_gateway, audited, upstream),
                 "/crm/contacts?per_page=50", {"Authorization": f"Bearer {_token()}"},
                 seconds, connections, rounds)
    _compare("Bare Starlette endpoint, 30 KB JSON (isolates the audit cost)",
             lambda audited: _server(_serve_endpoint, audited, url), "/contacts", {},
             seconds, connections, rounds)
